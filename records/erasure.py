"""Erasing one conversation's records in one transaction, and the notices the trainer sees about it.

Everything the assistant keeps about a conversation is in the records database
(APP_DB_URL): the consultation, warning signs on record, handoffs and the
trainer's replies, bookings, and what the messaging channels remember.
`erase_conversation` removes all of it in one transaction: if any statement
fails, nothing is erased and ErasureFailed says so. Bookings are not deleted but
cancelled (a future one frees its time) and stripped of everything personal,
so the trainer still sees that a session was cancelled.

The channel address (a Telegram chat id, a phone number) can be kept for a
moment (`keep_reply_address`): it is how the confirmation reaches the person.
The tracker store removes it right after that reply has gone
(`forget_reply_address`, bot/stores.py).

The trainer's inbox is told when a conversation that was waiting for them is
erased, and when an erasure failed: `erasure_notices` holds only the
conversation id, the outcome and the time, and expires with retention.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, List, Optional

from sqlalchemy import Column, DateTime, Index, Integer, String, delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from booking import claims
from booking.database import shared_engine, writer
from booking.schema import Booking
from common.clock import from_db, utc_now
from records.channel_identities import ButtonPayload, ChannelAddress, FailedDelivery
from records.channel_options import NumberedOptions
from records.handoffs import ACTIVE_STATUSES, Handoff, TrainerReply
from records.safety import SafetyFlag
from records.schema import Base, Consultation

log = logging.getLogger(__name__)

ERASED, FAILED = "erased", "failed"
# A cleared booking keeps no link to anyone: no conversation can have an empty id
# (the REST channel refuses one, the others make their own ids).
NO_CONVERSATION = ""
ERASED_NAME = "(erased at the person's request)"
CANCELLED_BY_ERASURE = "erasure"


class ErasureNotice(Base):
    """For the trainer: a conversation was erased while waiting for them, or an erasure failed."""

    __tablename__ = "erasure_notices"
    __table_args__ = (Index("ix_erasure_notices_outcome_at", "outcome", "at"),)  # the inbox's two lists

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), index=True, nullable=False)
    outcome = Column(String(16), nullable=False)  # erased | failed
    at = Column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)


class ErasureFailed(Exception):
    """The transaction was rolled back: nothing was erased."""


@dataclass(frozen=True)
class ErasureSummary:
    consultations: int = 0
    warning_signs: int = 0
    handoffs: int = 0
    trainer_replies: int = 0
    bookings_cancelled: int = 0  # future bookings, now cancelled and their time free
    bookings_cleared: int = 0  # every booking whose name and contact were removed
    channel_rows: int = 0
    was_with_trainer: bool = False  # a handoff was open: the trainer gets a notice

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """The records database, every table created (bookings' engine: SQLite writers wait, not fail)."""
    engine = shared_engine(url)
    Base.metadata.create_all(engine)  # tables of modules imported after the engine was first made
    return engine


def _delete(session: Session, table, conversation_id: str) -> int:
    return session.execute(delete(table).where(table.conversation_id == conversation_id)).rowcount or 0


def _clear_bookings(session: Session, conversation_id: str, now: datetime) -> tuple:
    cancelled = cleared = 0
    for booking in session.scalars(select(Booking).where(Booking.conversation_id == conversation_id)).all():
        ends = from_db(booking.ends_at)
        if booking.status == "confirmed" and ends is not None and ends > now:
            booking.status, booking.cancelled_at, booking.cancelled_by = "cancelled", now, CANCELLED_BY_ERASURE
            claims.release(session, booking.id)
            cancelled += 1
        booking.name, booking.contact, booking.contact_kind = ERASED_NAME, "", ""
        booking.intake_summary, booking.conversation_id = "", NO_CONVERSATION
        booking.invite_token = secrets.token_urlsafe(24)  # the old calendar link (with the name) stops working
        booking.updated_at = now
        cleared += 1
    return cancelled, cleared


def erase_conversation(
    url: str,
    conversation_id: str,
    *,
    keep_reply_address: bool = False,
    journal: Any = None,
    now: Optional[datetime] = None,
) -> ErasureSummary:
    """Erase every record of one conversation, all or nothing; raises ErasureFailed.

    `journal` (records.safety.SafetyJournal) is a file and cannot join the
    transaction: it is cleaned last, before the commit, so a failure there
    still rolls the database back.
    """
    if not conversation_id:
        raise ValueError("conversation_id is required")
    now = now or utc_now()
    try:
        with Session(writer(engine_for(url))) as session, session.begin():
            with_trainer = (
                session.scalar(
                    select(func.count())
                    .select_from(Handoff)
                    .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(ACTIVE_STATUSES))
                )
                or 0
            )
            consultations = _delete(session, Consultation, conversation_id)
            warning_signs = _delete(session, SafetyFlag, conversation_id)
            replies = _delete(session, TrainerReply, conversation_id)  # before their handoffs (foreign key)
            handoffs = _delete(session, Handoff, conversation_id)
            cancelled, cleared = _clear_bookings(session, conversation_id, now)
            channel_tables = [ButtonPayload, FailedDelivery, NumberedOptions]
            if not keep_reply_address:
                channel_tables.append(ChannelAddress)
            channel_rows = sum(_delete(session, table, conversation_id) for table in channel_tables)
            # An earlier failed attempt is resolved now; a notice that it was erased replaces it.
            session.execute(
                delete(ErasureNotice).where(
                    ErasureNotice.conversation_id == conversation_id, ErasureNotice.outcome == FAILED
                )
            )
            if with_trainer:
                session.add(ErasureNotice(conversation_id=conversation_id, outcome=ERASED, at=now))
            if journal is not None:
                journal.forget(conversation_id)
    except (SQLAlchemyError, OSError) as error:
        raise ErasureFailed(f"erasure rolled back ({error.__class__.__name__})") from error
    return ErasureSummary(
        consultations=consultations,
        warning_signs=warning_signs,
        handoffs=handoffs,
        trainer_replies=replies,
        bookings_cancelled=cancelled,
        bookings_cleared=cleared,
        channel_rows=channel_rows,
        was_with_trainer=bool(with_trainer),
    )


def forget_reply_address(url: str, conversation_id: str) -> int:
    """The channel's last rows for a conversation, once the confirmation has been sent (the address, and
    anything sending it wrote: numbered choices, a failed delivery)."""
    with Session(writer(engine_for(url))) as session, session.begin():
        return sum(
            _delete(session, table, conversation_id)
            for table in (ChannelAddress, ButtonPayload, FailedDelivery, NumberedOptions)
        )


def note_failure(url: str, conversation_id: str, now: Optional[datetime] = None) -> bool:
    """Tell the trainer an erasure failed (best effort: the database may be what failed)."""
    try:
        with Session(writer(engine_for(url))) as session, session.begin():
            session.add(ErasureNotice(conversation_id=conversation_id, outcome=FAILED, at=now or utc_now()))
        return True
    except SQLAlchemyError:
        log.exception("could not record that an erasure failed")
        return False


def notices(url: str, limit: int = 200) -> List[Dict[str, Any]]:
    """The trainer's notices, newest first."""
    with Session(engine_for(url)) as session:
        rows = session.scalars(
            select(ErasureNotice).order_by(ErasureNotice.at.desc(), ErasureNotice.id.desc()).limit(limit)
        ).all()
        return [{"conversation_id": r.conversation_id, "outcome": r.outcome, "at": from_db(r.at)} for r in rows]
