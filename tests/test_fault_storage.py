"""Saving under strain: SQLite in WAL with a busy timeout, database work off the event loop, a busy
database tried again, and a booking saved exactly once even when its first save fails."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import settings
from booking.availability import free_slots
from booking.configured import availability_from_settings
from booking.database import make_engine
from booking.store import BookingStore
from bot.actions import booking as booking_actions
from bot.actions.off_loop import OffLoopAction, is_busy, when_busy_retry
from common.clock import utc_now
from records.store import RecordStore, _engine


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'assistant.db'}"


def locked() -> OperationalError:
    return OperationalError("INSERT INTO bookings ...", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize("engine_for", [lambda url: _engine(url), make_engine], ids=["records", "bookings"])
def test_our_sqlite_engines_use_wal_and_wait_for_a_writer(url, engine_for, monkeypatch):
    monkeypatch.setattr(settings, "SQLITE_BUSY_TIMEOUT_SECONDS", 7.5)
    engine = engine_for(url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 7500


def test_a_write_waits_for_a_lock_held_a_moment_instead_of_failing(url):
    store = RecordStore(url)
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(1.0, lambda: holder.execute("COMMIT")).start()
    started = time.monotonic()
    store.save_consultation("waits", channel="rest", triage_level="self_care", triage_reasons=[], intake={})
    assert time.monotonic() - started >= 0.9
    assert len(store.consultations("waits")) == 1


def test_a_busy_database_is_tried_again_and_other_errors_are_not():
    calls, pauses = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise locked()
        return "saved"

    assert when_busy_retry(flaky, sleep=pauses.append) == "saved" and pauses == [0.5, 1.0]
    with pytest.raises(OperationalError):
        when_busy_retry(lambda: (_ for _ in ()).throw(locked()), attempts=2, sleep=lambda _: None)
    broken = OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: bookings"))
    assert not is_busy(broken)
    calls.clear()

    def missing_table():
        calls.append(1)
        raise broken

    with pytest.raises(OperationalError):
        when_busy_retry(missing_table, sleep=lambda _: None)
    assert len(calls) == 1


# --- a booking whose first save fails -----------------------------------------------------------


@pytest.fixture
def confirming(url, monkeypatch):
    """ActionConfirmBooking on a temporary database, and a tracker that has just said yes."""
    store = BookingStore(url)
    monkeypatch.setattr(booking_actions, "booking_store", lambda: store)
    monkeypatch.setattr(booking_actions, "record_store", lambda: RecordStore(url))
    monkeypatch.setattr(settings, "SMTP_HOST", "")  # no email here
    slot = free_slots(availability_from_settings(), [], utc_now(), limit=1)[0]
    slots = {
        "booking_confirmed": True,
        "booking_slot": slot.key,
        "booking_name": "Sam Smith",
        "booking_contact": {"kind": "email", "value": "sam@example.com"},
        "booking_action": "new",
    }
    tracker = Tracker(
        "booker", slots, {"text": "yes", "intent": {"name": "affirm"}}, [], False, None, {}, "action_listen"
    )
    return store, tracker


def confirm(tracker):
    dispatcher = CollectingDispatcher()
    booking_actions.ActionConfirmBooking().run(dispatcher, tracker, {})
    return " ".join(m["text"] for m in dispatcher.messages)


@pytest.mark.parametrize("saved_before_failing", [False, True], ids=["failed-before-saving", "saved-then-failed"])
def test_a_booking_whose_first_save_fails_is_saved_exactly_once(confirming, monkeypatch, saved_before_failing):
    store, tracker = confirming
    real_book, attempts = store.book, []

    def book_failing_once(*args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            if saved_before_failing:
                real_book(*args, **kwargs)  # committed, but the caller hears "locked"
            raise locked()
        return real_book(*args, **kwargs)

    monkeypatch.setattr(store, "book", book_failing_once)
    monkeypatch.setattr("bot.actions.off_loop.time.sleep", lambda _: None)
    reply = confirm(tracker)
    (booking,) = store.list_bookings()
    assert booking["reference"] in reply and "booked" in reply
    assert confirm(tracker) and len(store.list_bookings()) == 1  # the same "yes" again: still one


# --- off the event loop ---------------------------------------------------------------------------


class Sleepy(OffLoopAction):
    def name(self):
        return "sleepy"

    def work(self, dispatcher, tracker, domain):
        time.sleep(0.3)  # a slow database call
        return [{"event": "slot", "name": "thread", "value": threading.current_thread().name}]


def test_an_action_called_by_rasa_sdk_works_in_a_thread_and_the_loop_stays_free():
    async def scenario():
        ticks = []

        async def ticker():
            for _ in range(5):
                ticks.append(time.monotonic())
                await asyncio.sleep(0.05)

        events, _ = await asyncio.gather(Sleepy().run(CollectingDispatcher(), None, {}), ticker())
        return events, ticks

    events, ticks = asyncio.run(scenario())
    assert events[0]["value"] != threading.current_thread().name
    assert len(ticks) == 5 and ticks[-1] - ticks[0] < 0.3  # the loop ran while the action slept


def test_called_from_plain_code_an_action_simply_returns_its_events():
    assert Sleepy().run(CollectingDispatcher(), None, {})[0]["event"] == "slot"


def test_rasa_sdk_registers_the_actions_but_not_their_base():
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("bot.actions")
    assert "action_confirm_booking" in executor.actions and "action_session_start" in executor.actions
    assert isinstance(executor.actions["action_confirm_booking"].__self__, OffLoopAction)  # base never instantiated
