"""The per-conversation caps over the REST channel, against the real servers and a real database.

At most MAX_OPEN_BOOKINGS_PER_CONVERSATION (3) upcoming bookings per conversation,
and one open handoff: asking for a person again points to the one the trainer has.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from booking.availability import Slot
from booking.contact import Contact
from booking.database import make_engine
from booking.store import BookingStore
from tests.test_e2e_booking import Booker, bookings, confirmed, offer_and_pick
from tests.test_e2e_handoff import append_events, handoffs


def seed_bookings(assistant, sender: str, count: int) -> None:
    """Upcoming bookings the conversation holds already (years ahead: they take none of the offered times)."""
    url = assistant.env["APP_DB_URL"]
    engine = make_engine(url)
    try:
        store = BookingStore(url, engine=engine)
        for day in range(count):
            start = datetime(2099, 3, 2 + day, 10, tzinfo=timezone.utc)
            store.book(
                sender,
                "rest",
                Slot(start, start + timedelta(hours=1)),
                "Sam Jones",
                Contact("email", "s@x.io"),
                "",
                "Europe/London",
            )
    finally:
        engine.dispose()


def test_a_conversation_holding_three_upcoming_sessions_is_told_it_cannot_book_a_fourth(assistant):
    booker = Booker(assistant)
    choice = offer_and_pick(booker)
    booker.say("Sam Jones")
    assert "read that back" in booker.say("sam.jones@example.com")
    # Meanwhile the same conversation got three bookings (another tab, a replayed request):
    seed_bookings(assistant, booker.sender, 3)

    reply = booker.say("yes")
    assert "You already have 3 upcoming sessions" in reply and "cancel my booking" in reply, reply
    assert "you're booked" not in reply
    assert "/cancel_booking" in [button["payload"] for button in booker.buttons()]
    rows = confirmed(bookings(assistant, booker.sender))
    assert len(rows) == 3 and all(row["starts_at"].startswith("2099-") for row in rows), rows
    assert booker.slot("booking_slot") is None, "the refused booking's answers are cleared"
    assert choice["title"] not in reply


def test_asking_for_a_person_again_reuses_the_open_handoff_and_says_so(assistant):
    booker = Booker(assistant)
    booker.say("why do stiff ankles cause knee pain?")
    first = booker.say("can I talk to a real person please")
    assert "will reply to you here" in first and "already has" not in first, first
    assert assistant.tracker(booker.sender)["paused"] is True

    # A new session (the person writes again more than 60 minutes later, domain.yml session_config) starts un-paused,
    # while the trainer still has the conversation: asking again must not open a second handoff.
    new_session = [{"event": "action", "name": "action_session_start"}, {"event": "session_started"}]
    assert append_events(assistant, booker.sender, new_session).status_code == 200
    assert assistant.tracker(booker.sender)["paused"] is False
    again = booker.say("can I talk to a real person please")
    assert "already has our conversation" in again and "will reply to you here" in again, again
    [handoff] = handoffs(assistant, booker.sender)
    assert handoff["status"] == "open" and handoff["reason"] == "asked_for_human"
    assert assistant.tracker(booker.sender)["paused"] is True  # quiet again until the trainer answers
