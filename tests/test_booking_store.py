"""Bookings in the database: rules, privacy, and no double booking under concurrency.

Every store test runs on SQLite (a file under tmp_path) and on PostgreSQL. For
PostgreSQL they use the session's throwaway server (tests/datastore_fixtures.py:
skipped on a developer's machine without PostgreSQL, failed under CI=true), or
BOOKING_TEST_POSTGRES_URL (a database the tests may fill).

(Over 300 lines: the store's guarantees, double booking above all, each with its own setup.)
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator, List

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from booking.availability import Slot
from booking.contact import Contact
from booking.schema import Booking, BookingTimeClaim
from booking.claims import claim_minutes as _claim_minutes
from booking.database import make_engine
from booking.store import BookingNotFound, BookingStore, SlotTaken
from records.schema import Base

UTC = timezone.utc
EMAIL = Contact("email", "sam@example.com")
RACE_THREADS = 12
RACE_PROCESSES = 4


def slot(day: int, hour: int, minute: int = 0, minutes: int = 60) -> Slot:
    start = datetime(2030, 1, day, hour, minute, tzinfo=UTC)
    return Slot(start, start + timedelta(minutes=minutes))


def book(store: BookingStore, conversation: str, the_slot: Slot, **kwargs):
    return store.book(
        conversation, "rest", the_slot, "Sam Jones", EMAIL, "left knee, stiff ankle", "Europe/London", **kwargs
    )


# --- databases ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_database_factory(postgres_server) -> Iterator[Callable[[], str]]:
    """Makes a fresh, empty PostgreSQL database per call and returns its URL.

    The server is the session's throwaway PostgreSQL (tests/datastore_fixtures.py),
    or BOOKING_TEST_POSTGRES_URL (a database the tests may fill).
    """
    given = os.environ.get("BOOKING_TEST_POSTGRES_URL")
    yield (lambda: given) if given else postgres_server.create_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assistant.db'}"
    return request.getfixturevalue("postgres_database_factory")()


@pytest.fixture
def store(db_url) -> Iterator[BookingStore]:
    engine = make_engine(db_url)
    yield BookingStore(db_url, engine=engine)
    engine.dispose()


def confirmed_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Booking).where(Booking.status == "confirmed"))
    finally:
        engine.dispose()


def claim_count(store: BookingStore) -> int:
    with Session(store.engine) as session:
        return session.scalar(select(func.count()).select_from(BookingTimeClaim))


# --- booking ---------------------------------------------------------------------------


def test_book_returns_the_whole_booking_with_utc_times(store, db_url):
    booked = book(store, "conv-1", slot(8, 10))
    assert set(booked) >= {
        "id",
        "reference",
        "conversation_id",
        "channel",
        "starts_at",
        "ends_at",
        "time_zone",
        "name",
        "contact",
        "contact_kind",
        "status",
        "intake_summary",
        "created_at",
        "cancelled_at",
        "invite_token",
        "seen",
    }
    assert booked["reference"].startswith("KB-") and len(booked["reference"]) == 9
    assert booked["status"] == "confirmed" and booked["seen"] is False and booked["cancelled_at"] is None
    assert (booked["contact"], booked["contact_kind"], booked["name"]) == ("sam@example.com", "email", "Sam Jones")
    assert len(booked["invite_token"]) >= 32
    # Read back through a new engine: SQLite hands back naive values, the store makes them UTC.
    other = BookingStore(db_url, engine=make_engine(db_url))
    again = other.get(booked["id"])
    assert again == booked
    assert again["starts_at"] == datetime(2030, 1, 8, 10, tzinfo=UTC) and again["starts_at"].tzinfo == UTC
    assert again["created_at"].tzinfo == UTC
    other.engine.dispose()


def test_references_and_tokens_are_unique(store):
    bookings = [book(store, f"conv-{i}", slot(8 + i // 8, 9 + i % 8)) for i in range(24)]
    assert len({b["reference"] for b in bookings}) == 24
    assert len({b["invite_token"] for b in bookings}) == 24


def test_the_same_slot_cannot_be_booked_twice(store, db_url):
    book(store, "conv-1", slot(8, 10))
    with pytest.raises(SlotTaken):
        book(store, "conv-2", slot(8, 10))
    with pytest.raises(SlotTaken):  # not even by the same person
        book(store, "conv-1", slot(8, 10))
    assert confirmed_count(db_url) == 1


@pytest.mark.parametrize("hour, minute", [(10, 30), (9, 30), (10, 59), (9, 1)])
def test_an_overlapping_slot_is_taken_too(store, hour, minute):
    book(store, "conv-1", slot(8, 10))
    with pytest.raises(SlotTaken):
        book(store, "conv-2", slot(8, hour, minute))


def test_back_to_back_slots_are_fine_and_the_buffer_is_held_when_asked(store):
    book(store, "conv-1", slot(8, 10))
    book(store, "conv-2", slot(8, 11))  # starts when the other ends
    book(store, "conv-3", slot(9, 10), buffer_minutes=15)
    with pytest.raises(SlotTaken):
        book(store, "conv-4", slot(9, 11))  # inside conv-3's 15-minute buffer
    book(store, "conv-4", slot(9, 11, 15))


def test_taken_lists_confirmed_overlapping_bookings_in_utc(store):
    book(store, "conv-1", slot(8, 10))
    book(store, "conv-2", slot(8, 14))
    book(store, "conv-3", slot(20, 10))
    store.cancel("conv-2")
    window = store.taken(datetime(2030, 1, 8, tzinfo=UTC), datetime(2030, 1, 9, tzinfo=UTC))
    assert window == [(datetime(2030, 1, 8, 10, tzinfo=UTC), datetime(2030, 1, 8, 11, tzinfo=UTC))]


# --- cancelling ------------------------------------------------------------------------


def test_only_the_same_conversation_can_cancel(store):
    booked = book(store, "conv-1", slot(8, 10))
    with pytest.raises(BookingNotFound):
        store.cancel("conv-2")
    with pytest.raises(BookingNotFound):
        store.cancel("conv-2", booked["id"])
    assert store.get(booked["id"])["status"] == "confirmed"

    cancelled = store.cancel("conv-1", booked["id"])
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_by"] == "client"
    assert cancelled["cancelled_at"].tzinfo == UTC
    with pytest.raises(BookingNotFound):
        store.cancel("conv-1")
    assert claim_count(store) == 0
    book(store, "conv-2", slot(8, 10))  # the time is free again


def test_cancel_without_id_cancels_the_soonest_upcoming_booking(store):
    later = book(store, "conv-1", slot(20, 10))
    sooner = book(store, "conv-1", slot(8, 10))
    assert store.active_booking("conv-1")["id"] == sooner["id"]
    assert store.cancel("conv-1")["id"] == sooner["id"]
    assert store.active_booking("conv-1")["id"] == later["id"]
    # A booking that has already happened is no longer active.
    assert store.active_booking("conv-1", now=datetime(2030, 1, 20, 11, 30, tzinfo=UTC)) is None
    assert store.active_booking("nobody") is None


def test_the_trainer_can_cancel_any_booking_once(store):
    booked = book(store, "conv-1", slot(8, 10))
    cancelled = store.cancel_by_trainer(booked["id"])
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_by"] == "trainer"
    assert store.cancel_by_trainer(booked["id"])["cancelled_at"] == cancelled["cancelled_at"]  # harmless again
    with pytest.raises(BookingNotFound):
        store.cancel_by_trainer(999_999)
    book(store, "conv-2", slot(8, 10))


# --- rescheduling ----------------------------------------------------------------------


def test_reschedule_moves_the_booking_and_frees_the_old_time(store):
    booked = book(store, "conv-1", slot(8, 10), buffer_minutes=15)
    moved = store.reschedule("conv-1", slot(9, 14), buffer_minutes=15)
    assert (moved["id"], moved["reference"], moved["invite_token"]) == (
        booked["id"],
        booked["reference"],
        booked["invite_token"],
    )
    assert moved["starts_at"] == datetime(2030, 1, 9, 14, tzinfo=UTC)
    assert moved["sequence"] == 1 and moved["seen"] is False
    book(store, "conv-2", slot(8, 10))  # old time free
    with pytest.raises(SlotTaken):
        book(store, "conv-3", slot(9, 14, 30))  # new time held
    assert claim_count(store) == len(_claim_minutes(slot(9, 14).start, slot(9, 14).end + timedelta(minutes=15))) + 12


def test_reschedule_into_a_taken_slot_leaves_the_old_booking_intact(store):
    mine = book(store, "conv-1", slot(8, 10))
    book(store, "conv-2", slot(8, 12))
    claims_before = claim_count(store)
    with pytest.raises(SlotTaken):
        store.reschedule("conv-1", slot(8, 12, 30))
    assert store.get(mine["id"]) == mine  # times, sequence, status unchanged
    assert claim_count(store) == claims_before
    with pytest.raises(SlotTaken):
        book(store, "conv-3", slot(8, 10))  # still held by conv-1


def test_reschedule_to_an_overlapping_time_of_ones_own_booking(store):
    book(store, "conv-1", slot(8, 10))
    moved = store.reschedule("conv-1", slot(8, 10, 30))
    assert moved["starts_at"] == datetime(2030, 1, 8, 10, 30, tzinfo=UTC)
    book(store, "conv-2", slot(8, 9, 30))  # 09:30-10:30 is free now
    with pytest.raises(SlotTaken):
        book(store, "conv-3", slot(8, 11))


def test_reschedule_without_a_booking(store):
    with pytest.raises(BookingNotFound):
        store.reschedule("conv-1", slot(8, 10))


# --- inbox and privacy -------------------------------------------------------------------


def test_list_get_token_and_seen(store):
    first = book(store, "conv-1", slot(8, 10))
    second = book(store, "conv-2", slot(8, 12))
    store.cancel("conv-1")
    assert [b["id"] for b in store.list_bookings()] == [second["id"], first["id"]]  # newest first
    assert [b["id"] for b in store.list_bookings("cancelled")] == [first["id"]]
    assert [b["id"] for b in store.list_bookings(status="confirmed")] == [second["id"]]
    assert store.by_invite_token(second["invite_token"])["id"] == second["id"]
    assert store.by_invite_token("not-a-token") is None and store.by_invite_token("") is None
    assert store.mark_seen(second["id"])["seen"] is True
    assert store.get(second["id"])["seen"] is True
    assert store.get(999_999) is None
    with pytest.raises(BookingNotFound):
        store.mark_seen(999_999)


def test_delete_conversation_data_erases_only_that_person_and_frees_their_time(store):
    book(store, "conv-1", slot(8, 10))
    book(store, "conv-1", slot(9, 10))
    kept = book(store, "conv-2", slot(10, 10))
    assert store.delete_conversation_data("conv-1") == 2
    assert [b["id"] for b in store.list_bookings()] == [kept["id"]]
    assert store.active_booking("conv-1") is None
    book(store, "conv-3", slot(8, 10))
    assert store.delete_conversation_data("conv-1") == 0


def test_booking_tables_live_on_the_records_base(store):
    assert Booking.__table__ is Base.metadata.tables["bookings"]
    tables = set(inspect(store.engine).get_table_names())
    assert {"consultations", "bookings", "booking_time_claims"} <= tables


# --- concurrency ---------------------------------------------------------------------------


def _race_in_threads(url: str, slots: List[Slot]) -> List[str]:
    """Each thread has its own engine; all confirm at the same moment (a barrier)."""
    make_engine(url).dispose()  # tables exist before the race
    barrier = threading.Barrier(len(slots))
    outcomes: List[str] = [""] * len(slots)

    def contender(index: int) -> None:
        engine = make_engine(url)
        try:
            store = BookingStore(url, engine=engine)
            store.taken(slots[0].start, slots[0].end)  # connected before the race starts
            barrier.wait(timeout=30)
            book(store, f"racer-{index}", slots[index])
            outcomes[index] = "booked"
        except SlotTaken:
            outcomes[index] = "taken"
        except Exception as error:  # anything else ("database is locked") fails the test below
            outcomes[index] = repr(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(len(slots))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("overlapping", [False, True], ids=["same-slot", "overlapping-slots"])
def test_threads_confirming_at_once_get_exactly_one_booking(db_url, overlapping):
    slots = [slot(8, 10, 30 if overlapping and i % 2 else 0) for i in range(RACE_THREADS)]
    started = time.perf_counter()
    outcomes = _race_in_threads(db_url, slots)
    elapsed = time.perf_counter() - started
    backend = make_url(db_url).get_backend_name()
    print(
        f"\n[{backend}] {RACE_THREADS} threads ({'overlapping' if overlapping else 'same'} slot): "
        f"{outcomes.count('booked')} booked, {outcomes.count('taken')} SlotTaken, "
        f"{len(outcomes) - outcomes.count('booked') - outcomes.count('taken')} other, in {elapsed:.2f} s"
    )
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("taken") == RACE_THREADS - 1, outcomes
    assert confirmed_count(db_url) == 1


def _book_in_process(url: str, index: int, barrier, results) -> None:
    """Runs in a spawned process: its own interpreter, engine and connections."""
    engine = make_engine(url)
    try:
        store = BookingStore(url, engine=engine)
        store.taken(slot(8, 10).start, slot(8, 10).end)
        barrier.wait(timeout=60)
        book(store, f"process-{index}", slot(8, 10))
        results.put((index, "booked"))
    except SlotTaken:
        results.put((index, "taken"))
    except Exception as error:
        results.put((index, repr(error)))
    finally:
        engine.dispose()


def test_processes_confirming_at_once_get_exactly_one_booking(db_url):
    make_engine(db_url).dispose()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(RACE_PROCESSES), context.Queue()
    processes = [
        context.Process(target=_book_in_process, args=(db_url, i, barrier, results)) for i in range(RACE_PROCESSES)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120)[1] for _ in processes]
    for process in processes:
        process.join(timeout=60)
    elapsed = time.perf_counter() - started
    print(
        f"\n[{make_url(db_url).get_backend_name()}] {RACE_PROCESSES} processes: "
        f"{outcomes.count('booked')} booked, {outcomes.count('taken')} SlotTaken, in {elapsed:.2f} s (incl. start-up)"
    )
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("taken") == RACE_PROCESSES - 1, outcomes
    assert confirmed_count(db_url) == 1


def test_cancel_and_rebook_race_leaves_no_orphan_claims(db_url):
    """One person cancels while others grab the freed slot: never two confirmed, never a stuck slot."""
    setup = BookingStore(db_url, engine=make_engine(db_url))
    book(setup, "owner", slot(8, 10))
    barrier = threading.Barrier(5)
    outcomes: List[str] = []

    def cancel() -> None:
        store = BookingStore(db_url, engine=make_engine(db_url))
        barrier.wait(timeout=30)
        store.cancel("owner")
        outcomes.append("cancelled")
        store.engine.dispose()

    def grab(index: int) -> None:
        store = BookingStore(db_url, engine=make_engine(db_url))
        barrier.wait(timeout=30)
        for _ in range(40):  # keep trying until the owner's cancel lands
            try:
                book(store, f"grabber-{index}", slot(8, 10))
                outcomes.append("booked")
                break
            except SlotTaken:
                time.sleep(0.01)
        store.engine.dispose()

    threads = [threading.Thread(target=cancel)] + [threading.Thread(target=grab, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("cancelled") == 1
    assert outcomes.count("booked") == 1, outcomes
    assert confirmed_count(db_url) == 1
    with Session(setup.engine) as session:
        holders = set(session.scalars(select(BookingTimeClaim.booking_id)))
    assert holders == {setup.list_bookings("confirmed")[0]["id"]}
    setup.engine.dispose()
