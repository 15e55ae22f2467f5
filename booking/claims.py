"""Holding the trainer's time: the claim blocks a booking occupies, taken and given back.

Each function works inside the caller's transaction. Taking a block another
booking holds fails on the primary key (see booking.schema), which is raised as
SlotTaken: the database, not a check in Python, refuses the double booking.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Iterable, List

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.schema import CLAIM_MINUTES, BookingTimeClaim
from common.clock import UTC, require_aware

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SlotTaken(Exception):
    """Another confirmed booking already holds (part of) this time."""


def claim_minutes(start: datetime, end: datetime) -> List[int]:
    """The CLAIM_MINUTES blocks [start, end) touches, as minutes since the epoch."""
    first = math.floor((require_aware(start) - _EPOCH).total_seconds() / 60 / CLAIM_MINUTES) * CLAIM_MINUTES
    last = math.ceil((require_aware(end) - _EPOCH).total_seconds() / 60 / CLAIM_MINUTES) * CLAIM_MINUTES
    return list(range(first, last, CLAIM_MINUTES))


def hold(session: Session, booking_id: int, start: datetime, end: datetime) -> None:
    """Claim [start, end) for a booking; SlotTaken if any of it is held already."""
    _insert(session, booking_id, claim_minutes(start, end))


def move(session: Session, booking_id: int, start: datetime, end: datetime) -> None:
    """Hold [start, end) instead of what the booking held: the new time is claimed before the old is given back."""
    held = set(session.scalars(select(BookingTimeClaim.minute).where(BookingTimeClaim.booking_id == booking_id)))
    wanted = set(claim_minutes(start, end))
    _insert(session, booking_id, sorted(wanted - held))  # blocks its own old time only: fine
    released = sorted(held - wanted)
    if released:
        session.execute(
            delete(BookingTimeClaim).where(
                BookingTimeClaim.booking_id == booking_id, BookingTimeClaim.minute.in_(released)
            )
        )


def release(session: Session, booking_id: int) -> None:
    session.execute(delete(BookingTimeClaim).where(BookingTimeClaim.booking_id == booking_id))


def release_all(session: Session, booking_ids) -> None:
    """Give back the time of every booking a query of ids selects."""
    session.execute(
        delete(BookingTimeClaim)
        .where(BookingTimeClaim.booking_id.in_(booking_ids))
        .execution_options(synchronize_session=False)  # no claim objects are loaded in this session
    )


def _insert(session: Session, booking_id: int, minutes: Iterable[int]) -> None:
    rows = [{"minute": minute, "booking_id": booking_id} for minute in minutes]
    if not rows:
        return
    try:
        session.execute(insert(BookingTimeClaim), rows)
    except IntegrityError as error:
        raise SlotTaken("that time is already booked") from error
