"""Seeding the inbox's databases with many conversations, fast, for benchmarks/inbox_scale.py.

Proportions (per conversation, spread over the retention year, ids growing with time):
a consultation for 55% (triage: 86% self-care, 7% soon, 4% same day, 2% A&E,
1% emergency), warning signs on record for 12% (a fifth of them cleared), a
handoff to the trainer for 8% (older ones closed; of the last 30 days' a third
open and a third replied; 3% of older ones left open), one or two trainer replies
per handoff, a booking for 18% (12% of them cancelled; unseen when made in the
last 2 days), a channel address for the Telegram and WhatsApp ones, an erasure
notice for 0.5% (a tenth of them failed), and Rasa's events: `--events` per
conversation in the tracker store's `events` table, as Rasa creates it, with the
index our tracker store adds (bot/stores.py, records/tracker_events.py).

Rows go in with executemany (SQLAlchemy Core), Rasa's events with COPY on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import random
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from records import tracker_events

CHANNELS = [("socketio", 0.60), ("whatsapp", 0.25), ("telegram", 0.15)]
LEVELS = [("self_care", 0.86), ("soon", 0.07), ("same_day", 0.04), ("a_and_e", 0.02), ("emergency", 0.01)]
SIGNS = ["calf", "locking", "fever", "trauma_swelling", "night_pain"]
REASONS = ["asked_for_human", "not_understood", "escalation"]
BATCH = 5000


def pick(rng: random.Random, weighted) -> str:
    point, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if point < total:
            return value
    return weighted[-1][0]


def _insert(engine: Engine, table, rows: List[Dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(table.insert(), rows[start : start + BATCH])


def _reset_sequences(engine: Engine, tables) -> None:
    """PostgreSQL: rows went in with their ids, so move each id sequence past them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in tables:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                )
            )


def seed_records(url: str, conversations: int, now: datetime, seed: int = 18) -> Dict[str, Any]:
    """Every records table the inbox reads. Returns the counts and a busy conversation's id."""
    from booking.schema import Booking
    from records.channel_identities import ChannelAddress
    from records.erasure import ErasureNotice, engine_for
    from records.handoffs import Handoff, TrainerReply
    from records.safety import SafetyFlag
    from records.schema import Consultation
    from records.store import RecordStore

    RecordStore(url)  # the records' own engine: tables, the unique index, the inbox's indexes
    engine = engine_for(url)  # and the bookings' tables
    rng = random.Random(seed)
    rows: Dict[str, List[Dict[str, Any]]] = {
        name: [] for name in ("consultations", "flags", "handoffs", "replies", "bookings", "addresses", "notices")
    }
    starts = sorted(now - timedelta(seconds=rng.uniform(60, 365 * 86400)) for _ in range(conversations))
    busy = None
    for number, started in enumerate(starts, start=1):
        channel = pick(rng, CHANNELS)
        prefix = {"whatsapp": "wa-", "telegram": "tg-"}.get(channel, "web-")
        cid = prefix + secrets.token_hex(16)
        level = pick(rng, LEVELS)
        summary = f"Left knee, {rng.randint(2, 8)}/10, stairs and running for {rng.randint(1, 12)} weeks."
        if rng.random() < 0.55:
            rows["consultations"].append(
                dict(conversation_id=cid, channel=channel, created_at=started + timedelta(minutes=6),
                     triage_level=level, triage_reasons=[], profile=rng.choice(["ankle", "hip", "both"]),
                     intake={"side": "left", "pain_score": 4, "activities": ["stairs", "running"]},
                     exercises=["glute_bridge", "dorsiflexion_knee_to_wall"], summary=summary, consent_given=True)
            )  # fmt: skip
        if rng.random() < 0.12:
            cleared = started + timedelta(minutes=9) if rng.random() < 0.2 else None
            for name in rng.sample(SIGNS, rng.randint(1, 2)):
                rows["flags"].append(
                    dict(conversation_id=cid, kind="sign", name=name, value=None, level=rng.choice(LEVELS[1:])[0],
                         channel=channel, recorded_at=started + timedelta(minutes=2), cleared_at=cleared)
                )  # fmt: skip
        if rng.random() < 0.08:
            recent = now - started < timedelta(days=30)
            status = (
                rng.choice(["open", "replied", "closed"]) if recent else ("open" if rng.random() < 0.03 else "closed")
            )
            handoff_id = len(rows["handoffs"]) + 1
            transcript = [{"who": "person" if i % 2 == 0 else "assistant", "text": f"Message {i} about the knee.",
                           "at": (started + timedelta(seconds=20 * i)).isoformat()} for i in range(12)]  # fmt: skip
            rows["handoffs"].append(
                dict(id=handoff_id, conversation_id=cid, channel=channel, reason=rng.choice(REASONS), status=status,
                     created_at=started + timedelta(minutes=5), updated_at=started + timedelta(hours=2),
                     summary="Triage: " + level + ". " + summary, transcript=transcript, triage_level=level)
            )  # fmt: skip
            for index in range(rng.randint(0 if status == "open" else 1, 2)):
                rows["replies"].append(
                    dict(conversation_id=cid, handoff_id=handoff_id, text="Hi, it's Sam. How is the knee today?",
                         status="sent", created_at=started + timedelta(hours=1, minutes=index),
                         sent_at=started + timedelta(hours=1, minutes=index))
                )  # fmt: skip
            busy = cid
        if rng.random() < 0.18:
            session_start = (started + timedelta(days=rng.randint(1, 14))).replace(minute=0, second=0, microsecond=0)
            cancelled = rng.random() < 0.12
            rows["bookings"].append(
                dict(reference=f"KB-{number:06X}", conversation_id=cid, channel=channel, starts_at=session_start,
                     ends_at=session_start + timedelta(minutes=45), time_zone="Europe/London", name="Alex Example",
                     contact="alex@example.com", contact_kind="email", status="cancelled" if cancelled else "confirmed",
                     intake_summary=summary, created_at=started + timedelta(minutes=8),
                     updated_at=started + timedelta(minutes=8), cancelled_at=started if cancelled else None,
                     cancelled_by="client" if cancelled else None, invite_token=secrets.token_urlsafe(24),
                     seen=now - started > timedelta(days=2), sequence=0)
            )  # fmt: skip
        if channel != "socketio":
            rows["addresses"].append(
                dict(conversation_id=cid, channel=channel, address=str(rng.randint(10**9, 10**10)),
                     last_inbound_at=started + timedelta(minutes=10))
            )  # fmt: skip
        if rng.random() < 0.005:
            outcome = "failed" if rng.random() < 0.1 else "erased"
            rows["notices"].append(dict(conversation_id=cid, outcome=outcome, at=started + timedelta(days=1)))
    tables = {
        "consultations": Consultation.__table__,
        "flags": SafetyFlag.__table__,
        "handoffs": Handoff.__table__,
        "replies": TrainerReply.__table__,
        "bookings": Booking.__table__,
        "addresses": ChannelAddress.__table__,
        "notices": ErasureNotice.__table__,
    }
    for name, table in tables.items():
        _insert(engine, table, rows[name])
    _reset_sequences(engine, [Handoff.__table__])
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    counts = {name: len(found) for name, found in rows.items()}
    counts["conversations"] = conversations
    return {"counts": counts, "busy_conversation": busy, "ids": [row["conversation_id"] for row in rows["handoffs"]]}


RASA_EVENTS_DDL = [
    "CREATE TABLE IF NOT EXISTS events (id {serial} PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)",
    "CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id)",
]


def _events(conversations: int, per_conversation: int, now: datetime, seed: int) -> Iterator[tuple]:
    """Rasa's events in the order Rasa stores them (ids growing with time): user, action, bot, action_listen..."""
    rng = random.Random(seed)
    starts = sorted(now.timestamp() - rng.uniform(60, 365 * 86400) for _ in range(conversations))
    for started in starts:
        sender = "web-" + secrets.token_hex(16)
        for index in range(per_conversation):
            moment = started + index * 7.0
            kind = ("user", "action", "bot", "action")[index % 4]
            intent = "describe_pain" if kind == "user" else None
            action = "utter_ask_duration" if kind == "action" and index % 8 == 1 else None
            body: Dict[str, Any] = {"event": kind, "timestamp": moment}
            if kind == "user":
                body.update(text="my left knee hurts on the stairs", input_channel="socketio",
                            parse_data={"intent": {"name": intent, "confidence": 0.93}, "entities": []})  # fmt: skip
            elif kind == "bot":
                body.update(text="Thanks. How long has it hurt?", data={}, metadata={})
            else:
                body.update(name=action or "action_listen", policy="RulePolicy", confidence=1.0)
            yield (
                sender,
                kind,
                moment,
                intent,
                action or (None if kind != "action" else "action_listen"),
                json.dumps(body),
            )


def seed_tracker(url: str, conversations: int, per_conversation: int, now: datetime, seed: int = 5) -> int:
    """Rasa's `events` table (created as Rasa 3.6 creates it). Returns the number of events."""
    engine = create_engine(url, future=True)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        for statement in RASA_EVENTS_DDL:
            connection.execute(text(statement.format(serial="SERIAL" if postgres else "INTEGER")))
    rows = _events(conversations, per_conversation, now, seed)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if postgres:
            _copy_rows(cursor, rows)
        else:
            insert = "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?, ?, ?, ?, ?, ?)"
            cursor.executemany(insert, rows)
        cursor.execute("ANALYZE events")
        raw.commit()
    finally:
        raw.close()
    tracker_events.ensure_index(engine)  # as our tracker store does when Rasa starts (bot/stores.py)
    engine.dispose()
    return conversations * per_conversation


def _copy_rows(cursor, rows: Iterator[tuple], chunk: int = 200_000) -> None:
    columns = "(sender_id, type_name, timestamp, intent_name, action_name, data)"
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def write() -> None:
        buffer.seek(0)
        cursor.copy_expert(f"COPY events {columns} FROM STDIN WITH (FORMAT csv)", buffer)
        buffer.seek(0)
        buffer.truncate()

    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % chunk == 0:
            write()
    write()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
