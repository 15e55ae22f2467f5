"""Booking a session with the trainer, in plain Python (no Rasa here).

* slot_types.py       a Slot, a Preference, day and month names (what the modules below share)
* availability.py     the trainer's hours (availability.yml) and the free slots they leave
* time_phrases.py     "tomorrow afternoon", "tues 10am" -> a Preference; picking one offered slot
  * time_vocabulary.py  the words for times, and normalise (cleaning, typo correction)
  * time_words.py       the tokenizer: text -> time_tokens.py (no dates worked out yet)
  * time_resolver.py    tokens and today's date -> a Preference
* offering.py         a few slots spread over days, as a numbered list and as Rasa buttons
* contact.py          a name and an email address or phone number from a message
* store.py            bookings in the database: making, moving, cancelling, reading
  * schema.py           the booking tables
  * claims.py           the time a booking holds; overlapping bookings refused by the database
  * database.py         the engine, with SQLite set up for concurrent writers
* invite.py           the calendar invite (.ics)
* notify.py           the email to the trainer
* configured.py       the above wired to settings.py
"""
