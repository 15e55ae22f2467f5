"""How many open bookings one conversation may hold, checked inside the booking's own transaction.

An open booking is confirmed and has not ended yet. The count and the new
booking share one transaction, and that transaction is serialised per
conversation, so two confirmations at the same moment cannot both pass a count
of "one below the limit":

* SQLite: booking writes start with BEGIN IMMEDIATE (booking/database.py), so
  one write transaction runs at a time anyway;
* PostgreSQL: a transaction-scoped advisory lock keyed by the conversation id,
  taken before counting and released at commit or rollback. Under READ
  COMMITTED the count that follows the lock sees every booking committed before.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from booking.schema import Booking
from common.clock import require_aware

DEFAULT_MAX_OPEN_PER_CONVERSATION = 3  # settings.MAX_OPEN_BOOKINGS_PER_CONVERSATION
_OPEN_STATUS = "confirmed"  # booking.store.CONFIRMED (imported there from here would be circular)


class TooManyOpenBookings(Exception):
    """The conversation already holds the most open bookings allowed; nothing new was booked."""

    def __init__(self, open_count: int, limit: int) -> None:
        super().__init__(f"{open_count} open bookings; at most {limit} per conversation")
        self.open_count = open_count
        self.limit = limit


def make_room(session: Session, conversation_id: str, limit: int, now: datetime) -> None:
    """Raise TooManyOpenBookings when one more booking would pass `limit` (0 or less: no limit).

    Call it inside the transaction that then adds the booking.
    """
    if limit <= 0:
        return
    _lock_conversation(session, conversation_id)
    count = open_count(session, conversation_id, now)
    if count >= limit:
        raise TooManyOpenBookings(count, limit)


def open_count(session: Session, conversation_id: str, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.conversation_id == conversation_id,
                Booking.status == _OPEN_STATUS,
                Booking.ends_at > require_aware(now),
            )
        )
        or 0
    )


def _lock_conversation(session: Session, conversation_id: str) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already serialises every booking write
    key = int.from_bytes(hashlib.sha256(f"open-bookings:{conversation_id}".encode()).digest()[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
