"""Bookings in the assistant's database (SQLAlchemy 2.0-style API on 1.4): making, moving, cancelling, reading.

The database itself refuses overlapping bookings (see booking.claims), so two
people confirming the same slot at the same moment, from two threads or two
processes, get one booking and one SlotTaken. One conversation holds at most a
few open bookings (booking.caps: TooManyOpenBookings), counted in the booking's
own transaction. The engine and its SQLite set-up are booking.database.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple, cast

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking import caps, claims
from booking.caps import TooManyOpenBookings
from booking.claims import SlotTaken
from booking.contact import Contact
from booking.database import shared_engine, writer
from booking.schema import Booking
from booking.slot_types import Slot
from common.clock import from_db, require_aware, utc_now

__all__ = ["BookingNotFound", "BookingStore", "SlotTaken", "TooManyOpenBookings", "CONFIRMED", "CANCELLED"]

CONFIRMED = "confirmed"
CANCELLED = "cancelled"
REFERENCE_PREFIX = "KB-"


class BookingNotFound(Exception):
    """No such booking, or not one this conversation may change."""


class BookingStore:
    def __init__(
        self,
        url: str,
        *,
        engine: Optional[Engine] = None,
        max_open_per_conversation: int = caps.DEFAULT_MAX_OPEN_PER_CONVERSATION,
    ) -> None:
        """max_open_per_conversation: open (confirmed, not ended) bookings one conversation may hold; 0: no limit."""
        self.engine = engine if engine is not None else shared_engine(url)
        self._writer = writer(self.engine)
        self.max_open_per_conversation = max_open_per_conversation

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
        now: Optional[datetime] = None,
    ) -> Dict[str, Any]:
        """Confirm a booking; SlotTaken if a confirmed booking overlaps it, TooManyOpenBookings
        if the conversation already holds max_open_per_conversation open ones (nothing is stored).

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
                    caps.make_room(session, conversation_id, self.max_open_per_conversation, now or utc_now())
                    made_at = utc_now()
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
                        created_at=made_at,
                        updated_at=made_at,
                        invite_token=secrets.token_urlsafe(24),
                        seen=False,
                        sequence=0,
                    )
                    session.add(booking)
                    try:
                        session.flush()
                    except IntegrityError as error:
                        raise _ReferenceClash() from error
                    claims.hold(session, booking.id, slot.start, held_until)
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
            claims.move(session, booking.id, new_slot.start, new_slot.end + timedelta(minutes=buffer_minutes))
            booking.starts_at = new_slot.start
            booking.ends_at = new_slot.end
            booking.sequence = (booking.sequence or 0) + 1
            booking.seen = False
            booking.updated_at = utc_now()
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
                .where(
                    Booking.status == CONFIRMED,
                    Booking.starts_at < require_aware(end),
                    Booking.ends_at > require_aware(start),
                )
                .order_by(Booking.starts_at)
            ).all()
            # both columns are NOT NULL, so from_db never gives None here
            return [(cast(datetime, from_db(row.starts_at)), cast(datetime, from_db(row.ends_at))) for row in rows]

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
            claims.release_all(session, select(Booking.id).where(Booking.conversation_id == conversation_id))
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
                Booking.ends_at > require_aware(now or utc_now()),
            )
            .order_by(Booking.starts_at)
            .limit(1)
        )
        if for_update:  # PostgreSQL locks the row; SQLite is already serialised by BEGIN IMMEDIATE
            query = query.with_for_update()
        return session.scalars(query).first()


class _ReferenceClash(Exception):
    pass


def _release(session: Session, booking: Booking, *, cancelled_by: str) -> None:
    now = utc_now()
    booking.status = CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = cancelled_by
    booking.updated_at = now
    claims.release(session, booking.id)
    session.flush()


def _new_reference() -> str:
    return REFERENCE_PREFIX + secrets.token_hex(3).upper()


_DATETIME_COLUMNS = ("starts_at", "ends_at", "created_at", "updated_at", "cancelled_at")


def _as_dict(booking: Booking) -> Dict[str, Any]:
    row = {column.name: getattr(booking, column.name) for column in Booking.__table__.columns}
    for name in _DATETIME_COLUMNS:
        row[name] = from_db(row[name])
    row["seen"] = bool(row["seen"])
    return row
