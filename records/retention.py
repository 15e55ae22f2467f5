"""Retention: records and conversations older than RETENTION_DAYS are deleted, once a day.

What goes, by the time that says how old a row is:

* consultations (saved), warning signs on record (recorded, and cleared if they were),
  handoffs (last change) with the trainer's replies, erasure notices;
* bookings whose session ended before the cutoff, and cancelled ones last changed before it
  (upcoming bookings are never purged: the trainer still expects the person);
* what the channels keep: addresses of people who last wrote before the cutoff, failed
  deliveries, processed update ids, numbered choices, and button payloads nobody can use any more;
* the safety journal's entries (red flags the database once refused);
* Rasa's stored conversations (its `events` table) whose last event is older than the cutoff.

The records go in one transaction; Rasa's table is a different database, purged after.
`./assistant purge` runs it once; `./assistant run` runs it at start and every 24 hours
(a job of its supervisor, manage.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Dict, List, Optional

from sqlalchemy import and_, create_engine, delete, func, or_, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table

from booking.database import writer
from booking.schema import Booking, BookingTimeClaim
from common.clock import utc_now
from records.channel_identities import ButtonPayload, ChannelAddress, FailedDelivery, ProcessedUpdate
from records.channel_options import NumberedOptions
from records.erasure import ErasureNotice, engine_for
from records.handoffs import Handoff, TrainerReply
from records.safety import SafetyFlag
from records.schema import Consultation

# Rasa's table, described without metadata so nothing of Rasa's is ever created here.
EVENTS = table("events", column("sender_id"), column("timestamp"))
CHUNK = 500  # conversation ids per DELETE (SQLite's limit on bound parameters)


def cutoff_for(days: int, now: Optional[datetime] = None) -> datetime:
    if days < 1:
        raise ValueError("RETENTION_DAYS must be at least 1")
    return (now or utc_now()) - timedelta(days=days)


def _count_delete(session: Session, statement) -> int:
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0


def purge_records(url: str, cutoff: datetime) -> Dict[str, int]:
    """Delete every records row older than `cutoff`, in one transaction. Returns counts by kind."""
    counts: Dict[str, int] = {}
    with Session(writer(engine_for(url))) as session, session.begin():
        counts["consultations"] = _count_delete(session, delete(Consultation).where(Consultation.created_at < cutoff))
        counts["warning_signs"] = _count_delete(
            session,
            delete(SafetyFlag).where(
                SafetyFlag.recorded_at < cutoff, or_(SafetyFlag.cleared_at.is_(None), SafetyFlag.cleared_at < cutoff)
            ),
        )
        old_handoffs = select(Handoff.id).where(Handoff.updated_at < cutoff)
        counts["trainer_replies"] = _count_delete(
            session,
            delete(TrainerReply).where(
                or_(TrainerReply.created_at < cutoff, TrainerReply.handoff_id.in_(old_handoffs))
            ),
        )
        counts["handoffs"] = _count_delete(session, delete(Handoff).where(Handoff.updated_at < cutoff))
        old_bookings = select(Booking.id).where(
            or_(Booking.ends_at < cutoff, and_(Booking.status == "cancelled", Booking.updated_at < cutoff))
        )
        _count_delete(session, delete(BookingTimeClaim).where(BookingTimeClaim.booking_id.in_(old_bookings)))
        counts["bookings"] = _count_delete(session, delete(Booking).where(Booking.id.in_(old_bookings)))
        counts["channel_addresses"] = _count_delete(
            session, delete(ChannelAddress).where(ChannelAddress.last_inbound_at < cutoff)
        )
        counts["channel_other"] = sum(
            _count_delete(session, statement)
            for statement in (
                delete(FailedDelivery).where(FailedDelivery.created_at < cutoff),
                delete(ProcessedUpdate).where(ProcessedUpdate.received_at < cutoff),
                delete(NumberedOptions).where(NumberedOptions.offered_at < cutoff),
                # Button payloads carry no time: they go with the conversation's address.
                delete(ButtonPayload).where(
                    ButtonPayload.conversation_id.not_in(select(ChannelAddress.conversation_id))
                ),
            )
        )
        counts["erasure_notices"] = _count_delete(session, delete(ErasureNotice).where(ErasureNotice.at < cutoff))
    return counts


@lru_cache(maxsize=4)
def _tracker_engine(url: str) -> Engine:
    # Not the records engine: that one would create the records tables in Rasa's database.
    sqlite = make_url(url).get_backend_name() == "sqlite"
    return create_engine(url, future=True, pool_pre_ping=True, connect_args={"timeout": 30} if sqlite else {})


def stale_conversations(tracker_store_url: str, cutoff: datetime) -> List[str]:
    """Conversation ids in Rasa's tracker store whose newest event is older than `cutoff`."""
    query = (
        select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(func.max(EVENTS.c.timestamp) < cutoff.timestamp())
    )
    try:
        with _tracker_engine(tracker_store_url).connect() as connection:
            return [row[0] for row in connection.execute(query)]
    except SQLAlchemyError as error:
        if "events" in str(error) and ("no such table" in str(error) or "does not exist" in str(error)):
            return []  # Rasa never ran against this database
        raise


def purge_trackers(tracker_store_url: str, cutoff: datetime) -> int:
    """Delete the stored conversations (all their events) whose last event is older than `cutoff`."""
    stale = stale_conversations(tracker_store_url, cutoff)
    with _tracker_engine(tracker_store_url).begin() as connection:
        for start in range(0, len(stale), CHUNK):
            ids = stale[start : start + CHUNK]
            # Checked again inside the delete: a conversation that woke up since is kept.
            connection.execute(
                delete(EVENTS).where(
                    EVENTS.c.sender_id.in_(ids),
                    EVENTS.c.sender_id.not_in(
                        select(EVENTS.c.sender_id).where(EVENTS.c.timestamp >= cutoff.timestamp())
                    ),
                )
            )
    return len(stale)


def purge(
    app_db_url: str,
    tracker_store_url: Optional[str],
    days: int,
    *,
    journal: Any = None,
    now: Optional[datetime] = None,
) -> Dict[str, int]:
    """Everything older than `days`: the records, the safety journal, Rasa's conversations."""
    cutoff = cutoff_for(days, now)
    counts = purge_records(app_db_url, cutoff)
    if journal is not None:
        counts["journal_entries"] = journal.drop_older_than(cutoff)
    if tracker_store_url:
        counts["conversations"] = purge_trackers(tracker_store_url, cutoff)
    return counts


def purge_from_settings(now: Optional[datetime] = None) -> Dict[str, int]:
    import settings  # late: reading settings may create var/ and its secrets
    from records.safety import journal_from_settings

    return purge(
        settings.APP_DB_URL,
        settings.TRACKER_STORE_URL,
        settings.RETENTION_DAYS,
        journal=journal_from_settings(),
        now=now,
    )


def describe(counts: Dict[str, int]) -> str:
    gone = {name: n for name, n in counts.items() if n}
    if not gone:
        return "nothing was old enough to delete"
    return "deleted " + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in gone.items())
