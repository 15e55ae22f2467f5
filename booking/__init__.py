"""Booking a session with the trainer, in plain Python (no Rasa here).

* availability.py  the trainer's hours (availability.yml) and the free slots they leave
* time_phrases.py  "tomorrow afternoon", "tues 10am" -> a Preference; picking one offered slot
* offering.py      a few slots spread over days, as a numbered list and as Rasa buttons
* contact.py       a name and an email address or phone number from a message
* store.py         bookings in the database; overlapping bookings refused by the database
* invite.py        the calendar invite (.ics)
* notify.py        the email to the trainer
* configured.py    the above wired to settings.py
"""
