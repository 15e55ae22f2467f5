"""The trainer's inbox's lists, a page at a time, each served by an index.

| list | order | index |
| --- | --- | --- |
| handoffs waiting (open, replied) | newest first | ix_handoffs_status_created |
| new (unseen) bookings | newest first | ix_bookings_seen_created |
| upcoming / past / cancelled bookings | by start | ix_bookings_status_starts |
| erasure notices, failed / erased | newest first | ix_erasure_notices_outcome_at |

Red-flag consultations are `RecordStore.flagged_page` and warning signs on record
`SafetyRecordStore.open_flag_page`. Every list orders by a time and then the id,
so a page boundary never splits rows of the same time differently twice. Rows
are read without the columns the lists never show (a handoff's transcript).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import exists, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from booking.database import writer
from booking.schema import Booking
from common.clock import from_db, require_aware
from records import pages
from records.erasure import ErasureNotice, engine_for
from records.handoffs import ACTIVE_STATUSES, Handoff
from records.schema import Consultation, ensure_indexes
from records.store import RecordStore

CONFIRMED, CANCELLED = "confirmed", "cancelled"
UPCOMING, PAST = "upcoming", "past"
BOOKING_LISTS = (UPCOMING, CANCELLED, PAST)

_HANDOFF_COLUMNS = (
    Handoff.id,
    Handoff.conversation_id,
    Handoff.channel,
    Handoff.reason,
    Handoff.status,
    Handoff.created_at,
    Handoff.updated_at,
    Handoff.summary,
    Handoff.triage_level,
)
_DATETIMES = ("created_at", "updated_at", "starts_at", "ends_at", "cancelled_at", "at")


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    RecordStore(url)  # the records' tables, their unique index and their indexes
    engine = engine_for(url)  # every table (bookings, notices) on the bookings' engine
    ensure_indexes(engine)  # and theirs, on a database made before they were declared
    return engine


def warm_up(url: str) -> None:
    """Make the tables and indexes now (the inbox's start), not on the first page someone opens."""
    _engine(url)


def _plain(row: Any) -> Dict[str, Any]:
    values = dict(row._mapping)
    for name in _DATETIMES:
        if isinstance(values.get(name), datetime):
            values[name] = from_db(values[name])
    return values


def _booking(row: Any) -> Dict[str, Any]:
    values = {column.name: getattr(row, column.name) for column in Booking.__table__.columns}
    for name in _DATETIMES:
        if isinstance(values.get(name), datetime):
            values[name] = from_db(values[name])
    values["seen"] = bool(values["seen"])
    return values


def _booking_page(session: Session, query, number: int, size: int) -> pages.Page:
    return pages.fetch(session, query, number, size, lambda row: _booking(row[0]))


# --- needs attention -------------------------------------------------------------------------------
def active_handoffs(url: str, number: int, size: int) -> pages.Page:
    """Handoffs waiting for the trainer (open or replied), newest first."""
    query = (
        select(*_HANDOFF_COLUMNS)
        .where(Handoff.status.in_(ACTIVE_STATUSES))
        .order_by(Handoff.created_at.desc(), Handoff.id.desc())
    )
    with Session(_engine(url)) as session:
        return pages.fetch(session, query, number, size, _plain)


def new_bookings(url: str, number: int, size: int) -> pages.Page:
    """Bookings the trainer has not been shown on the bookings page yet, newest first."""
    query = select(Booking).where(Booking.seen.is_(False)).order_by(Booking.created_at.desc(), Booking.id.desc())
    with Session(_engine(url)) as session:
        return _booking_page(session, query, number, size)


# --- bookings ----------------------------------------------------------------------------------------
def bookings(url: str, which: str, now: datetime, number: int, size: int) -> pages.Page:
    """Upcoming (soonest first), past or cancelled (latest start first) bookings."""
    now = require_aware(now)
    if which == UPCOMING:
        where = [Booking.status == CONFIRMED, Booking.starts_at >= now]
        order = [Booking.starts_at, Booking.id]
    elif which == PAST:
        where = [Booking.status == CONFIRMED, Booking.starts_at < now]
        order = [Booking.starts_at.desc(), Booking.id.desc()]
    elif which == CANCELLED:
        where = [Booking.status == CANCELLED]
        order = [Booking.starts_at.desc(), Booking.id.desc()]
    else:
        raise ValueError(f"unknown list of bookings {which!r}; expected one of {BOOKING_LISTS}")
    with Session(_engine(url)) as session:
        return _booking_page(session, select(Booking).where(*where).order_by(*order), number, size)


def conversation_bookings(url: str, conversation_id: str) -> List[Dict[str, Any]]:
    """One conversation's bookings, newest first."""
    query = (
        select(Booking)
        .where(Booking.conversation_id == conversation_id)
        .order_by(Booking.created_at.desc(), Booking.id.desc())
    )
    with Session(_engine(url)) as session:
        return [_booking(row) for row in session.scalars(query)]


def mark_seen(url: str, booking_ids: Sequence[int]) -> int:
    """The bookings just shown are no longer new, in one statement. Returns how many changed."""
    if not booking_ids:
        return 0
    statement = (
        update(Booking)
        .where(Booking.id.in_(list(booking_ids)), Booking.seen.is_(False))
        .values(seen=True)
        .execution_options(synchronize_session=False)
    )
    with Session(writer(_engine(url))) as session, session.begin():
        return session.execute(statement).rowcount or 0


# --- data requests and stats -------------------------------------------------------------------------
def erasure_notices(url: str, outcome: str, number: int, size: int) -> pages.Page:
    """The trainer's notices with one outcome (erased, failed), newest first."""
    query = (
        select(ErasureNotice.id, ErasureNotice.conversation_id, ErasureNotice.outcome, ErasureNotice.at)
        .where(ErasureNotice.outcome == outcome)
        .order_by(ErasureNotice.at.desc(), ErasureNotice.id.desc())
    )
    with Session(_engine(url)) as session:
        return pages.fetch(session, query, number, size, _plain)


def consulted_and_booked(url: str) -> Dict[str, Optional[int]]:
    """How many conversations had a consultation, and how many of those have a confirmed booking.

    Counted in the database: one consultation per conversation (a unique index), and
    for each an index look-up in ix_bookings_conversation_status.
    """
    booked = exists().where(Booking.conversation_id == Consultation.conversation_id, Booking.status == CONFIRMED)
    with Session(_engine(url)) as session:
        consulted = session.scalar(select(func.count()).select_from(Consultation)) or 0
        with_booking = session.scalar(select(func.count()).select_from(Consultation).where(booked)) or 0
    return {"consulted": consulted, "booked": with_booking}
