"""Handoffs to the trainer, and the trainer's replies, in the shared records database.

The action server opens a handoff (and pauses the conversation) when a person
asks for a human, when the assistant keeps failing, or when a consultation
escalates. A conversation has at most one active (open or replied) handoff: a
partial unique index says so in the database, and asking again refreshes the
active one. The trainer's inbox lists the handoffs, records the trainer's
replies with their delivery status, and closes a handoff when the trainer hands
the conversation back to the assistant.

Both processes write straight to the database named by APP_DB_URL, so nothing
is lost while one of them is down. SQLAlchemy 2.0-style code on 1.4; portable
SQL only (SQLite and PostgreSQL, chosen by URL).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Text, delete, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.clock import from_db
from records.notifications import HANDOFF, TrainerNotification, queue
from records.schema import Base, utcnow
from records.store import _engine

HANDOFF_STATUSES = ("open", "replied", "closed")
ACTIVE_STATUSES = ("open", "replied")
REPLY_STATUSES = ("pending", "sent", "failed")
KNOWN_REASONS = ("asked_for_human", "not_understood", "escalation")  # others are allowed too
ONE_ACTIVE_PER_CONVERSATION = "uq_handoffs_one_active"
_ACTIVE_SQL = "status IN ('open', 'replied')"  # ACTIVE_STATUSES, for the partial index


class Handoff(Base):
    """A conversation handed to the trainer (the assistant is paused while it is open)."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status_created", "status", "created_at"),)  # the inbox's list

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), index=True, nullable=False)
    channel = Column(String(64), nullable=False, default="rest")
    reason = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False, default="open", index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    summary = Column(Text, nullable=False, default="")
    # [{"who": "person"|"assistant"|"trainer", "text": str, "at": ISO str}]
    transcript = Column(JSON, nullable=False, default=list)
    triage_level = Column(String(32))


class TrainerReply(Base):
    """One message the trainer wrote, and whether it reached the person."""

    __tablename__ = "trainer_replies"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), index=True, nullable=False)
    handoff_id = Column(Integer, ForeignKey("handoffs.id", ondelete="SET NULL"), nullable=True)
    text = Column(Text, nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    error = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at = Column(DateTime(timezone=True))


_TABLES = [Handoff.__table__, TrainerReply.__table__, TrainerNotification.__table__]
_READY: set = set()


def _ready_engine(url: str) -> Engine:
    engine = _engine(url)
    # records.store creates Base's tables when it first makes the engine; this
    # module may have been imported after that, so make sure ours exist too.
    if url not in _READY:
        Base.metadata.create_all(engine, tables=_TABLES)
        _one_active_handoff_per_conversation(engine)
        _READY.add(url)
    return engine


def _one_active_handoff_per_conversation(engine: Engine) -> None:
    """The partial unique index: at most one active handoff per conversation, so two requests at once
    can't open two. Databases from before it keep each conversation's newest active handoff."""
    with engine.begin() as connection:
        connection.execute(
            text(
                f"UPDATE handoffs SET status = 'closed' WHERE {_ACTIVE_SQL} AND id NOT IN "
                f"(SELECT keep FROM (SELECT MAX(id) AS keep FROM handoffs WHERE {_ACTIVE_SQL} "
                "GROUP BY conversation_id) AS newest)"
            )
        )
        connection.execute(
            text(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {ONE_ACTIVE_PER_CONVERSATION} "
                f"ON handoffs (conversation_id) WHERE {_ACTIVE_SQL}"
            )
        )


def _as_dict(row: Any) -> Dict[str, Any]:
    result = {}
    for column in row.__table__.columns:
        value = getattr(row, column.name)
        result[column.name] = from_db(value) if isinstance(value, datetime) else value
    if "transcript" in result and result["transcript"] is None:
        result["transcript"] = []
    return result


def _clean_transcript(transcript: Optional[Iterable[Dict[str, Any]]]) -> List[Dict[str, Any]]:
    cleaned = []
    for entry in transcript or []:
        cleaned.append(
            {
                "who": str(entry.get("who", "person")),
                "text": "" if entry.get("text") is None else str(entry.get("text")),
                "at": "" if entry.get("at") is None else str(entry.get("at")),
            }
        )
    return cleaned


class HandoffStore:
    def __init__(self, url: str) -> None:
        self.engine = _ready_engine(url)

    # --- handoffs ---------------------------------------------------------------
    def open_handoff(
        self,
        conversation_id: str,
        channel: str,
        reason: str,
        summary: str,
        transcript: Optional[List[Dict[str, Any]]],
        triage_level: Optional[str] = None,
        notify: bool = False,
    ) -> Dict[str, Any]:
        """Open a handoff, or refresh the conversation's active (open/replied) one.

        The result's "already_open" says which: True when the conversation was with the
        trainer already (the same row, refreshed; never a second active one).
        notify: a new handoff's email to the trainer is queued in the same transaction
        (records/notifications.py); its row id is returned as "notification_id" (None for a refresh).
        """
        for attempt in (1, 2):
            try:
                return self._open_or_refresh(
                    conversation_id, channel, reason, summary, transcript, triage_level, notify
                )
            except IntegrityError:
                # Another process opened one between our read and our insert (the unique index
                # refused the second): the next attempt refreshes that one instead.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _open_or_refresh(self, conversation_id, channel, reason, summary, transcript, triage_level, notify):
        now = utcnow()
        notification = None
        with Session(self.engine) as session, session.begin():
            row = session.scalars(
                select(Handoff)
                .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(ACTIVE_STATUSES))
                .order_by(Handoff.id.desc())
                .limit(1)
            ).first()
            already_open = row is not None
            if row is None:
                row = Handoff(
                    conversation_id=conversation_id,
                    channel=channel or "rest",
                    reason=reason,
                    status="open",
                    created_at=now,
                    updated_at=now,
                    summary=summary or "",
                    transcript=_clean_transcript(transcript),
                    triage_level=triage_level,
                )
                session.add(row)
                if notify:
                    session.flush()  # the handoff's id, for its email
                    notification = queue(session, HANDOFF, row.id)
            else:
                row.reason = reason
                row.summary = summary or ""
                row.transcript = _clean_transcript(transcript)
                if channel:
                    row.channel = channel
                if triage_level is not None:
                    row.triage_level = triage_level
                row.updated_at = now
            session.flush()
            result = _as_dict(row)
            result["already_open"] = already_open
            if notify:
                result["notification_id"] = notification.id if notification is not None else None
            return result

    def get(self, handoff_id: int) -> Optional[Dict[str, Any]]:
        with Session(self.engine) as session:
            row = session.get(Handoff, handoff_id)
            return _as_dict(row) if row is not None else None

    def for_conversation(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        """The conversation's latest handoff (any status), or None."""
        with Session(self.engine) as session:
            row = session.scalars(
                select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id.desc()).limit(1)
            ).first()
            return _as_dict(row) if row is not None else None

    def list_handoffs(self, status: Union[None, str, Sequence[str]] = None) -> List[Dict[str, Any]]:
        """Handoffs newest first; `status` filters by one status (or a list of them)."""
        query = select(Handoff)
        if isinstance(status, str):
            query = query.where(Handoff.status == status)
        elif status is not None:
            query = query.where(Handoff.status.in_(list(status)))
        query = query.order_by(Handoff.created_at.desc(), Handoff.id.desc())
        with Session(self.engine) as session:
            return [_as_dict(row) for row in session.scalars(query).all()]

    def close(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        """Close the conversation's active handoff(s); returns the latest one closed, or None."""
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            rows = session.scalars(
                select(Handoff)
                .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(ACTIVE_STATUSES))
                .order_by(Handoff.id)
            ).all()
            for row in rows:
                row.status = "closed"
                row.updated_at = now
            session.flush()
            return _as_dict(rows[-1]) if rows else None

    # --- trainer replies --------------------------------------------------------
    def record_reply(self, conversation_id: str, text: str) -> Dict[str, Any]:
        """Store a reply before sending it (status 'pending'), linked to the latest handoff."""
        with Session(self.engine) as session, session.begin():
            handoff_id = session.scalars(
                select(Handoff.id)
                .where(Handoff.conversation_id == conversation_id)
                .order_by(Handoff.id.desc())
                .limit(1)
            ).first()
            row = TrainerReply(
                conversation_id=conversation_id,
                handoff_id=handoff_id,
                text=text,
                status="pending",
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            return _as_dict(row)

    def mark_reply(self, reply_id: int, status: str, error: Optional[str] = None) -> Dict[str, Any]:
        """Set a reply's delivery status. A sent reply marks its open handoff 'replied'."""
        if status not in REPLY_STATUSES:
            raise ValueError(f"unknown reply status {status!r}; expected one of {REPLY_STATUSES}")
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            row = session.get(TrainerReply, reply_id)
            if row is None:
                raise KeyError(f"no trainer reply with id {reply_id}")
            row.status = status
            row.error = error if status == "failed" else None
            row.sent_at = now if status == "sent" else None
            if status == "sent":
                session.execute(
                    update(Handoff)
                    .where(Handoff.conversation_id == row.conversation_id, Handoff.status == "open")
                    .values(status="replied", updated_at=now)
                )
            session.flush()
            return _as_dict(row)

    def fail_stale_replies(self, older_than: timedelta = timedelta(minutes=2), error: str = "") -> int:
        """Mark replies stuck in 'pending' (the inbox stopped mid-send) as failed, so they can be retried."""
        cutoff = utcnow() - older_than
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(TrainerReply)
                .where(TrainerReply.status == "pending", TrainerReply.created_at < cutoff)
                .values(status="failed", error=error or "The inbox stopped before delivery was confirmed.")
            )
            return result.rowcount or 0

    def get_reply(self, reply_id: int) -> Optional[Dict[str, Any]]:
        with Session(self.engine) as session:
            row = session.get(TrainerReply, reply_id)
            return _as_dict(row) if row is not None else None

    def replies(self, conversation_id: str) -> List[Dict[str, Any]]:
        """The trainer's replies in this conversation, oldest first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(TrainerReply).where(TrainerReply.conversation_id == conversation_id).order_by(TrainerReply.id)
            ).all()
            return [_as_dict(row) for row in rows]

    # --- people's data ------------------------------------------------------------
    def delete_conversation_data(self, conversation_id: str) -> int:
        """Erase the conversation's handoffs and replies. Returns rows deleted."""
        with Session(self.engine) as session, session.begin():
            replies = session.execute(delete(TrainerReply).where(TrainerReply.conversation_id == conversation_id))
            handoffs = session.execute(delete(Handoff).where(Handoff.conversation_id == conversation_id))
            return (replies.rowcount or 0) + (handoffs.rowcount or 0)
