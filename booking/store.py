"""Bookings in the assistant's database (SQLAlchemy 2.0-style API on 1.4).

Works on SQLite and PostgreSQL by changing only the URL. The database itself
refuses overlapping bookings (see booking.schema), so two people confirming
the same slot at the same moment, from two threads or two processes, get one
booking and one SlotTaken.

SQLite specifics, set up in `make_engine`:

* a busy timeout, so a writer waits for another instead of failing with
  "database is locked";
* write transactions start with BEGIN IMMEDIATE: a transaction that reads and
  then writes (cancel, reschedule) would otherwise hold a read lock while
  waiting for the write lock, and SQLite fails such a transaction at once
  instead of waiting;
* WAL journal mode for file databases, so readers (the inbox) never wait for
  a writer.
"""
from __future__ import annotations

import logging
import math
import secrets
import time as time_module
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy import create_engine, delete, event, insert, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from booking.availability import Slot
from booking.contact import Contact
from booking.schema import CLAIM_MINUTES, Booking, BookingTimeClaim
from records.schema import Base

logger = logging.getLogger(__name__)

CONFIRMED = "confirmed"
CANCELLED = "cancelled"
SQLITE_BUSY_TIMEOUT_SECONDS = 30
REFERENCE_PREFIX = "KB-"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_WRITE_OPTION = "booking_write_transaction"


class SlotTaken(Exception):
    """Another confirmed booking already holds (part of) this time."""


class BookingNotFound(Exception):
    """No such booking, or not one this conversation may change."""


# --- engine --------------------------------------------------------------------------


def make_engine(url: str) -> Engine:
    """A new engine for url, with every table created (use `shared_engine` normally)."""
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS} if is_sqlite else {}
    engine = create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)
    if is_sqlite:
        _explicit_sqlite_transactions(engine)
    _create_tables(engine)
    if is_sqlite and make_url(url).database not in (None, "", ":memory:"):
        _use_wal(engine)
    return engine


@lru_cache(maxsize=8)
def shared_engine(url: str) -> Engine:
    """One engine (and connection pool) per URL for the whole process."""
    return make_engine(url)


def _explicit_sqlite_transactions(engine: Engine) -> None:
    # SQLAlchemy's documented recipe: let us emit BEGIN ourselves instead of pysqlite.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        writing = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _create_tables(engine: Engine) -> None:
    # Several processes may start at once on a new database; the losers of the
    # CREATE TABLE race see "already exists" and simply try again.
    for attempt in range(5):
        try:
            Base.metadata.create_all(engine)
            return
        except DBAPIError:
            if attempt == 4:
                raise
            time_module.sleep(0.1 * (attempt + 1))


def _use_wal(engine: Engine) -> None:
    # Outside any transaction (SQLite refuses the switch inside one): the raw, autocommit connection.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
    except OperationalError as error:  # another process is switching it right now; it persists in the file
        logger.debug("could not switch SQLite to WAL: %s", error)
    finally:
        connection.close()


# --- store ---------------------------------------------------------------------------


class BookingStore:
    def __init__(self, url: str, *, engine: Optional[Engine] = None) -> None:
        self.engine = engine if engine is not None else shared_engine(url)
        # Same pool; transactions through it are write transactions (BEGIN IMMEDIATE on SQLite).
        self._writer = self.engine.execution_options(**{_WRITE_OPTION: True})

    # -- booking ---------------------------------------------------------------------

    def book(
        self,
        conversation_id: str,
        channel: str,
        slot: Slot,
        name: str,
        contact: Contact,
        intake_summary: str,
        time_zone: str,
        *,
        buffer_minutes: int = 0,
    ) -> Dict[str, Any]:
        """Confirm a booking; SlotTaken if a confirmed booking overlaps it.

        buffer_minutes extends the time held after the session, so two bookings
        made at once also keep the trainer's gap between them.
        """
        if not conversation_id:
            raise ValueError("conversation_id is required")
        if not name or not name.strip():
            raise ValueError("name is required")
        held_until = slot.end + timedelta(minutes=buffer_minutes)
        for _ in range(5):  # a new reference can clash with an old one (1 in 16 million)
            try:
                with Session(self._writer) as session, session.begin():
                    now = _utcnow()
                    booking = Booking(
                        reference=_new_reference(),
                        conversation_id=conversation_id,
                        channel=channel or "unknown",
                        starts_at=slot.start,
                        ends_at=slot.end,
                        time_zone=time_zone,
                        name=name.strip(),
                        contact=contact.value,
                        contact_kind=contact.kind,
                        status=CONFIRMED,
                        intake_summary=intake_summary or "",
                        created_at=now,
                        updated_at=now,
                        invite_token=secrets.token_urlsafe(24),
                        seen=False,
                        sequence=0,
                    )
                    session.add(booking)
                    try:
                        session.flush()
                    except IntegrityError as error:
                        raise _ReferenceClash() from error
                    _claim(session, booking.id, _claim_minutes(slot.start, held_until))
                    return _as_dict(booking)
            except _ReferenceClash:
                continue
        raise RuntimeError("could not generate a unique booking reference")

    def reschedule(
        self,
        conversation_id: str,
        new_slot: Slot,
        *,
        buffer_minutes: int = 0,
        now: Optional[datetime] = None,
    ) -> Dict[str, Any]:
        """Move this conversation's active booking to new_slot, atomically.

        The new time is claimed before the old one is released, in one
        transaction: on SlotTaken nothing changes and the old booking stands.
        The booking keeps its id, reference and invite token; its calendar
        sequence goes up and the trainer sees it as unread again.
        """
        with Session(self._writer) as session, session.begin():
            booking = self._active_row(session, conversation_id, now, for_update=True)
            if booking is None:
                raise BookingNotFound(f"no active booking for conversation {conversation_id!r}")
            held = set(session.scalars(select(BookingTimeClaim.minute).where(BookingTimeClaim.booking_id == booking.id)))
            wanted = set(_claim_minutes(new_slot.start, new_slot.end + timedelta(minutes=buffer_minutes)))
            _claim(session, booking.id, sorted(wanted - held))  # blocks its own old time only: fine
            released = sorted(held - wanted)
            if released:
                session.execute(
                    delete(BookingTimeClaim).where(
                        BookingTimeClaim.booking_id == booking.id, BookingTimeClaim.minute.in_(released)
                    )
                )
            booking.starts_at = new_slot.start
            booking.ends_at = new_slot.end
            booking.sequence = (booking.sequence or 0) + 1
            booking.seen = False
            booking.updated_at = _utcnow()
            session.flush()
            return _as_dict(booking)

    # -- cancelling -----------------------------------------------------------------

    def cancel(
        self, conversation_id: str, booking_id: Optional[int] = None, *, now: Optional[datetime] = None
    ) -> Dict[str, Any]:
        """Cancel this conversation's booking (the given one, or its active one).

        Only the conversation that made a booking can cancel it this way; any
        other conversation gets BookingNotFound, exactly as if it did not exist.
        """
        with Session(self._writer) as session, session.begin():
            if booking_id is None:
                booking = self._active_row(session, conversation_id, now, for_update=True)
            else:
                booking = session.scalars(
                    select(Booking)
                    .where(
                        Booking.id == booking_id,
                        Booking.conversation_id == conversation_id,
                        Booking.status == CONFIRMED,
                    )
                    .with_for_update()
                ).first()
            if booking is None:
                raise BookingNotFound(f"no confirmed booking to cancel for conversation {conversation_id!r}")
            _release(session, booking, cancelled_by="client")
            return _as_dict(booking)

    def cancel_by_trainer(self, booking_id: int) -> Dict[str, Any]:
        """Cancel any booking (from the trainer's inbox); cancelling twice is harmless."""
        with Session(self._writer) as session, session.begin():
            booking = session.scalars(select(Booking).where(Booking.id == booking_id).with_for_update()).first()
            if booking is None:
                raise BookingNotFound(f"no booking {booking_id}")
            if booking.status == CONFIRMED:
                _release(session, booking, cancelled_by="trainer")
            return _as_dict(booking)

    # -- reading --------------------------------------------------------------------

    def active_booking(self, conversation_id: str, *, now: Optional[datetime] = None) -> Optional[Dict[str, Any]]:
        """The conversation's soonest confirmed booking that has not ended yet."""
        with Session(self.engine) as session:
            booking = self._active_row(session, conversation_id, now)
            return _as_dict(booking) if booking else None

    def taken(self, start: datetime, end: datetime) -> List[Tuple[datetime, datetime]]:
        """(start, end) in UTC of confirmed bookings overlapping [start, end).

        Ask for a range a little wider than the slots considered (a day either
        side is plenty), so bookings just outside still keep their buffer.
        """
        with Session(self.engine) as session:
            rows = session.execute(
                select(Booking.starts_at, Booking.ends_at)
                .where(Booking.status == CONFIRMED, Booking.starts_at < _utc(end), Booking.ends_at > _utc(start))
                .order_by(Booking.starts_at)
            ).all()
            return [(_from_db(row.starts_at), _from_db(row.ends_at)) for row in rows]

    def list_bookings(self, status: Optional[str] = None, *, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """Bookings newest first (by when they were made), optionally only one status."""
        query = select(Booking).order_by(Booking.created_at.desc(), Booking.id.desc())
        if status is not None:
            query = query.where(Booking.status == status)
        if limit is not None:
            query = query.limit(limit)
        with Session(self.engine) as session:
            return [_as_dict(row) for row in session.scalars(query)]

    def get(self, booking_id: int) -> Optional[Dict[str, Any]]:
        with Session(self.engine) as session:
            booking = session.get(Booking, booking_id)
            return _as_dict(booking) if booking else None

    def by_invite_token(self, token: str) -> Optional[Dict[str, Any]]:
        if not token:
            return None
        with Session(self.engine) as session:
            booking = session.scalars(select(Booking).where(Booking.invite_token == token)).first()
            return _as_dict(booking) if booking else None

    # -- trainer and privacy ----------------------------------------------------------

    def mark_seen(self, booking_id: int) -> Dict[str, Any]:
        with Session(self._writer) as session, session.begin():
            booking = session.get(Booking, booking_id)
            if booking is None:
                raise BookingNotFound(f"no booking {booking_id}")
            booking.seen = True
            session.flush()
            return _as_dict(booking)

    def delete_conversation_data(self, conversation_id: str) -> int:
        """Erase every booking of one person (their conversation id), freeing the time. Returns bookings deleted."""
        with Session(self._writer) as session, session.begin():
            ids = select(Booking.id).where(Booking.conversation_id == conversation_id)
            session.execute(
                delete(BookingTimeClaim)
                .where(BookingTimeClaim.booking_id.in_(ids))
                .execution_options(synchronize_session=False)  # no claim objects are loaded in this session
            )
            result = session.execute(delete(Booking).where(Booking.conversation_id == conversation_id))
            return result.rowcount or 0

    # -- helpers ------------------------------------------------------------------

    @staticmethod
    def _active_row(
        session: Session, conversation_id: str, now: Optional[datetime], for_update: bool = False
    ) -> Optional[Booking]:
        query = (
            select(Booking)
            .where(
                Booking.conversation_id == conversation_id,
                Booking.status == CONFIRMED,
                Booking.ends_at > _utc(now or _utcnow()),
            )
            .order_by(Booking.starts_at)
            .limit(1)
        )
        if for_update:  # PostgreSQL locks the row; SQLite is already serialised by BEGIN IMMEDIATE
            query = query.with_for_update()
        return session.scalars(query).first()


class _ReferenceClash(Exception):
    pass


def _claim(session: Session, booking_id: int, minutes: Iterable[int]) -> None:
    rows = [{"minute": minute, "booking_id": booking_id} for minute in minutes]
    if not rows:
        return
    try:
        session.execute(insert(BookingTimeClaim), rows)
    except IntegrityError as error:
        raise SlotTaken("that time is already booked") from error


def _release(session: Session, booking: Booking, *, cancelled_by: str) -> None:
    now = _utcnow()
    booking.status = CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = cancelled_by
    booking.updated_at = now
    session.execute(delete(BookingTimeClaim).where(BookingTimeClaim.booking_id == booking.id))
    session.flush()


def _claim_minutes(start: datetime, end: datetime) -> List[int]:
    """The CLAIM_MINUTES blocks [start, end) touches, as minutes since the epoch."""
    first = math.floor((_utc(start) - _EPOCH).total_seconds() / 60 / CLAIM_MINUTES) * CLAIM_MINUTES
    last = math.ceil((_utc(end) - _EPOCH).total_seconds() / 60 / CLAIM_MINUTES) * CLAIM_MINUTES
    return list(range(first, last, CLAIM_MINUTES))


def _new_reference() -> str:
    return REFERENCE_PREFIX + secrets.token_hex(3).upper()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"datetime must be timezone-aware: {moment!r}")
    return moment.astimezone(timezone.utc)


def _from_db(moment: Optional[datetime]) -> Optional[datetime]:
    # SQLite gives back the naive UTC value that was stored; PostgreSQL an aware one.
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


_DATETIME_COLUMNS = ("starts_at", "ends_at", "created_at", "updated_at", "cancelled_at")


def _as_dict(booking: Booking) -> Dict[str, Any]:
    row = {column.name: getattr(booking, column.name) for column in Booking.__table__.columns}
    for name in _DATETIME_COLUMNS:
        row[name] = _from_db(row[name])
    row["seen"] = bool(row["seen"])
    return row
