"""The inbox's bookings: the list in each booking's time zone, new ones flagged, the trainer cancelling."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from booking.store import BookingStore
from tests.test_inbox_fakes import fake_rasa, inbox, loop_thread, start_inbox  # noqa: F401  (fixtures)
from tests.test_inbox_stats import book


def booking_at(url, conversation_id, start, zone="Europe/London", name="Alex Example"):
    from booking.availability import Slot
    from booking.contact import Contact

    return BookingStore(url).book(
        conversation_id,
        "socketio",
        Slot(start, start + timedelta(minutes=45)),
        name,
        Contact("email", "alex@example.com"),
        "Left knee, stairs.",
        zone,
    )


def test_bookings_list_in_the_bookings_time_zone_and_order(inbox):
    url = inbox.config.app_db_url
    # Far in the future, so they stay upcoming. 2099-07-01 09:00 UTC is 10:00 in London (summer
    # time); 2099-01-10 09:00 UTC is 04:00 in New York (winter).
    later = booking_at(url, "c-later", datetime(2099, 7, 1, 9, 0, tzinfo=timezone.utc))
    sooner = booking_at(url, "c-sooner", datetime(2099, 1, 10, 9, 0, tzinfo=timezone.utc), zone="America/New_York")
    gone = booking_at(url, "c-gone", datetime(2099, 3, 1, 9, 0, tzinfo=timezone.utc), name="Cancelled Person")
    BookingStore(url).cancel_by_trainer(gone["id"])
    session = inbox.login()
    page = session.get(inbox.url + "/bookings").text
    upcoming = page.split('id="upcoming-heading"')[1].split('id="cancelled-heading"')[0]
    cancelled = page.split('id="cancelled-heading"')[1].split('id="past-heading"')[0]
    assert "Upcoming (2)" in page and "Cancelled (1)" in page
    assert upcoming.index("Sat 10 Jan 2099, 04:00–04:45 (America/New_York)") < upcoming.index(
        "Wed 1 Jul 2099, 10:00–10:45 (Europe/London)"
    )
    assert later["reference"] in upcoming and sooner["reference"] in upcoming
    assert "Cancelled Person" in cancelled and "Cancel booking" not in cancelled
    assert upcoming.count("Cancel booking") == 2
    assert "cancelled by you" in cancelled


def test_new_bookings_show_on_needs_attention_until_seen(inbox):
    created = book(inbox.config.app_db_url, "c-new", days_ahead=2)
    session = inbox.login()
    index = session.get(inbox.url + "/").text
    assert "New bookings (1)" in index and created["reference"] in index
    assert 'href="/conversations/c-new"' in index
    page = session.get(inbox.url + "/bookings").text
    assert 'badge-new">new' in page  # flagged the first time it is shown
    assert BookingStore(inbox.config.app_db_url).get(created["id"])["seen"] is True
    assert "New bookings (0)" in session.get(inbox.url + "/").text
    assert 'badge-new">new' not in session.get(inbox.url + "/bookings").text
    # The conversation page of a booking (no handoff) shows it.
    conversation = session.get(inbox.url + "/conversations/c-new").text
    assert created["reference"] in conversation


def test_trainer_cancels_a_booking(inbox):
    created = book(inbox.config.app_db_url, "c-cancel", days_ahead=2)
    session = inbox.login()
    page = session.get(inbox.url + "/bookings").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert f'action="/bookings/{created["id"]}/cancel"' in page
    cancel_url = inbox.url + f"/bookings/{created['id']}/cancel"
    assert session.post(cancel_url, data={}, allow_redirects=False).status_code == 403
    assert BookingStore(inbox.config.app_db_url).get(created["id"])["status"] == "confirmed"
    response = session.post(cancel_url, data={"csrf_token": token}, allow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"] == "/bookings?notice=cancelled"
    stored = BookingStore(inbox.config.app_db_url).get(created["id"])
    assert stored["status"] == "cancelled" and stored["cancelled_by"] == "trainer"
    page = session.get(inbox.url + response.headers["Location"]).text
    assert "Booking cancelled." in page and "Upcoming (0)" in page and "Cancelled (1)" in page
    # the person is told in their chat, on their channel
    [told] = inbox.fake.posted_events("c-cancel")
    assert told.query.get("output_channel") == created["channel"]
    assert "cancel your session" in str(told.body) and created["reference"] in str(told.body)
    # cancelling again does not tell them twice
    session.post(cancel_url, data={"csrf_token": token}, allow_redirects=False)
    assert len(inbox.fake.posted_events("c-cancel")) == 1
    missing = session.post(inbox.url + "/bookings/9999/cancel", data={"csrf_token": token}, allow_redirects=False)
    assert missing.status_code == 404
