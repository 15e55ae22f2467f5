"""At most a few open bookings per conversation, counted by the store inside the booking's transaction.

Runs on SQLite and PostgreSQL, with the fixtures of tests/test_booking_store.py.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import List

import pytest

from booking.caps import DEFAULT_MAX_OPEN_PER_CONVERSATION
from booking.database import make_engine
from booking.store import BookingStore, TooManyOpenBookings
from tests.test_booking_store import (  # noqa: F401  (fixtures)
    book,
    confirmed_count,
    db_url,
    postgres_database_factory,
    slot,
    store,
)

RACERS = 8


def test_the_default_limit_is_three_and_the_setting_says_so():
    import settings

    assert DEFAULT_MAX_OPEN_PER_CONVERSATION == 3
    assert settings.MAX_OPEN_BOOKINGS_PER_CONVERSATION == 3  # no MAX_OPEN_BOOKINGS_PER_CONVERSATION in tests


def test_a_fourth_open_booking_is_refused_and_nothing_is_stored(store, db_url):
    for day in (1, 2, 3):
        book(store, "c1", slot(day, 10))
    with pytest.raises(TooManyOpenBookings) as refused:
        book(store, "c1", slot(4, 10))
    assert (refused.value.open_count, refused.value.limit) == (3, 3)
    assert confirmed_count(db_url) == 3
    # the refused time was not held: someone else can have it, and other people have their own limit
    assert book(store, "c2", slot(4, 10))["status"] == "confirmed"


def test_cancelled_and_past_bookings_do_not_count(store):
    first = book(store, "c1", slot(1, 10))
    book(store, "c1", slot(2, 10))
    book(store, "c1", slot(3, 10))
    store.cancel("c1", first["id"])
    book(store, "c1", slot(5, 10))  # a cancelled booking frees its place
    with pytest.raises(TooManyOpenBookings):
        book(store, "c1", slot(6, 10))
    after_the_second = datetime(2030, 1, 2, 12, 0, tzinfo=timezone.utc)
    assert book(store, "c1", slot(6, 10), now=after_the_second)["status"] == "confirmed"  # one has ended


def test_the_limit_is_the_stores_and_zero_means_none(db_url):
    engine = make_engine(db_url)
    try:
        one = BookingStore(db_url, engine=engine, max_open_per_conversation=1)
        book(one, "c1", slot(1, 10))
        with pytest.raises(TooManyOpenBookings):
            book(one, "c1", slot(2, 10))
        unlimited = BookingStore(db_url, engine=engine, max_open_per_conversation=0)
        for day in range(2, 7):
            book(unlimited, "c1", slot(day, 10))
    finally:
        engine.dispose()


def test_one_conversation_confirming_many_times_at_once_gets_at_most_the_limit(db_url):
    """Threads with their own engines confirm different free times for one conversation at the same moment."""
    make_engine(db_url).dispose()  # tables exist before the race
    barrier = threading.Barrier(RACERS)
    outcomes: List[str] = [""] * RACERS

    def contender(index: int) -> None:
        engine = make_engine(db_url)
        try:
            racer = BookingStore(db_url, engine=engine)
            racer.active_booking("same-person")  # connected before the race starts
            barrier.wait(timeout=30)
            book(racer, "same-person", slot(10 + index, 10))
            outcomes[index] = "booked"
        except TooManyOpenBookings:
            outcomes[index] = "refused"
        except Exception as error:  # anything else ("database is locked", a deadlock) fails below
            outcomes[index] = repr(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("booked") == 3, outcomes
    assert outcomes.count("refused") == RACERS - 3, outcomes
    assert confirmed_count(db_url) == 3


def test_the_reply_says_how_many_and_offers_a_way_out():
    from coaching.booking_requests import too_many_open

    reply = too_many_open(3, "Sam")
    assert (
        reply["text"].startswith("You already have 3 upcoming sessions booked") and "ask Sam directly" in reply["text"]
    )
    assert [b["payload"] for b in reply["buttons"]] == ["/cancel_booking", "/request_human"]
    assert "1 upcoming session booked" in too_many_open(1, "Sam")["text"]
