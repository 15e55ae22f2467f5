"""Retention: old records and conversations are purged, recent and upcoming ones stay (SQLite in tmp_path)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from booking.contact import Contact
from booking.schema import Booking, BookingTimeClaim
from booking.slot_types import Slot
from booking.store import BookingStore
from records import erasure, retention
from records.channel_identities import ButtonPayload, ChannelAddress, ChannelStore, FailedDelivery
from records.channel_options import NumberedOptions
from records.erasure import ErasureNotice
from records.handoffs import Handoff, HandoffStore, TrainerReply
from records.safety import SafetyFlag, SafetyJournal, SafetyRecordStore
from records.schema import Consultation
from records.store import RecordStore

UTC = timezone.utc
NOW = datetime.now(UTC).replace(microsecond=0)  # rows made in the test carry the real time
OLD = NOW - timedelta(days=400)
RECENT = NOW - timedelta(days=10)
DAYS = 365


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'assistant.db'}"


def backdate(url: str, table, conversation: str, **columns) -> None:
    with Session(erasure.engine_for(url)) as session, session.begin():
        session.execute(update(table).where(table.conversation_id == conversation).values(**columns))


def seed(url: str, conversation: str, when: datetime, *, booking_at: datetime) -> None:
    RecordStore(url).save_consultation(
        conversation, channel="rest", triage_level="soon", triage_reasons=[], intake={"age_years": 30}
    )
    SafetyRecordStore(url).record(conversation, {"calf_swelling"}, {}, "same_day")
    handoffs = HandoffStore(url)
    handoffs.open_handoff(conversation, "rest", "asked_for_human", "s", [])
    handoffs.record_reply(conversation, "hello")
    BookingStore(url).book(
        conversation,
        "rest",
        Slot(booking_at, booking_at + timedelta(hours=1)),
        "Sam",
        Contact("email", "sam@example.com"),
        "",
        "Europe/London",
    )
    channels = ChannelStore(url)
    channels.remember(conversation, "telegram", f"chat-{conversation}")
    channels.token_for_payload(conversation, "/affirm")
    channels.record_failure(conversation, "telegram", "x", "y")
    for table, column in (
        (Consultation, "created_at"),
        (SafetyFlag, "recorded_at"),
        (Handoff, "created_at"),
        (Handoff, "updated_at"),
        (TrainerReply, "created_at"),
        (Booking, "created_at"),
        (Booking, "updated_at"),
        (ChannelAddress, "last_inbound_at"),
        (FailedDelivery, "created_at"),
    ):
        backdate(url, table, conversation, **{column: when})


def rows(url: str, table, conversation: str) -> int:
    with Session(erasure.engine_for(url)) as session:
        return len(session.scalars(select(table).where(table.conversation_id == conversation)).all())


TABLES = (Consultation, SafetyFlag, Handoff, TrainerReply, Booking, ChannelAddress, ButtonPayload, FailedDelivery)


def test_purge_removes_exactly_the_old_records(url):
    seed(url, "old", OLD, booking_at=OLD)
    seed(url, "new", RECENT, booking_at=RECENT)
    seed(url, "booked_ahead", OLD, booking_at=NOW + timedelta(days=20))  # made long ago, session still to come
    with Session(erasure.engine_for(url)) as session, session.begin():
        session.add_all(
            [
                ErasureNotice(conversation_id="gone", outcome="erased", at=OLD),
                ErasureNotice(conversation_id="gone2", outcome="erased", at=RECENT),
            ]
        )

    counts = retention.purge_records(url, retention.cutoff_for(DAYS, NOW))

    assert {table.__tablename__: rows(url, table, "old") for table in TABLES} == {
        table.__tablename__: 0 for table in TABLES
    }
    assert all(rows(url, table, "new") == 1 for table in TABLES)
    assert rows(url, Booking, "booked_ahead") == 1  # the trainer still expects them
    assert rows(url, Consultation, "booked_ahead") == 0
    with Session(erasure.engine_for(url)) as session:
        assert [n.conversation_id for n in session.scalars(select(ErasureNotice))] == ["gone2"]
        claimed = {c.booking_id for c in session.scalars(select(BookingTimeClaim))}
        assert claimed == {b.id for b in session.scalars(select(Booking))}  # no claim left without its booking
    assert counts["consultations"] == 2 and counts["bookings"] == 1 and counts["erasure_notices"] == 1


def test_a_long_cancelled_booking_goes_even_if_its_date_is_ahead(url):
    seed(url, "c", OLD, booking_at=NOW + timedelta(days=30))
    BookingStore(url).cancel("c")
    backdate(url, Booking, "c", updated_at=OLD)
    retention.purge_records(url, retention.cutoff_for(DAYS, NOW))
    assert rows(url, Booking, "c") == 0


def test_numbered_options_and_the_journal_age_out(url, tmp_path):
    from records.channel_options import OptionStore

    OptionStore(url).offer("old", ["/a"])
    OptionStore(url).offer("new", ["/b"])
    backdate(url, NumberedOptions, "old", offered_at=OLD)
    journal = SafetyJournal(tmp_path / "journal.jsonl")
    journal.add("old", "soon", {"x"}, "e")
    journal.add("new", "soon", {"y"}, "e")
    lines = journal.path.read_text().splitlines()
    journal.path.write_text(
        lines[0].replace(lines[0].split('"at": "')[1].split('"')[0], OLD.isoformat()) + "\n" + lines[1] + "\n"
    )
    counts = retention.purge(url, None, DAYS, journal=journal, now=NOW)
    assert OptionStore(url).peek("old") is None and OptionStore(url).peek("new") == ["/b"]
    assert [e["conversation_id"] for e in journal.entries()] == ["new"] and counts["journal_entries"] == 1


def tracker_db(tmp_path, events):
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), type_name VARCHAR(255), "
            "timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
        )
        conn.executemany("INSERT INTO events (sender_id, type_name, timestamp) VALUES (?, 'user', ?)", events)
    return path


def test_conversations_whose_last_event_is_old_are_purged_from_rasas_store(tmp_path, url):
    path = tracker_db(
        tmp_path,
        [
            ("quiet", OLD.timestamp()),
            ("quiet", (OLD + timedelta(days=1)).timestamp()),
            ("woke_up", OLD.timestamp()),
            ("woke_up", RECENT.timestamp()),
            ("active", RECENT.timestamp()),
        ],
    )
    counts = retention.purge(url, f"sqlite:///{path}", DAYS, now=NOW)
    with sqlite3.connect(path) as conn:
        left = conn.execute("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id ORDER BY sender_id").fetchall()
    assert left == [("active", 1), ("woke_up", 2)] and counts["conversations"] == 1


def test_a_tracker_store_rasa_never_used_is_fine(tmp_path, url):
    assert retention.purge(url, f"sqlite:///{tmp_path / 'empty.db'}", DAYS, now=NOW)["conversations"] == 0


def test_retention_must_be_at_least_a_day():
    with pytest.raises(ValueError):
        retention.cutoff_for(0)


def test_describe_names_what_went():
    assert retention.describe({"consultations": 2, "bookings": 0}) == "deleted 2 consultations"
    assert retention.describe({"bookings": 0}) == "nothing was old enough to delete"
