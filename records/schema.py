"""Tables of the assistant's records. Portable SQL only: SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base

Base: Any = declarative_base()  # Any: mypy cannot see declarative classes without a plugin
ONE_PER_CONVERSATION = "uq_consultations_conversation"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Consultation(Base):
    """A conversation's consultation: what the person said, and what the assistant concluded.

    One row per conversation (a unique index): a consultation finished again,
    or corrected, updates it, so the inbox counts each person once.
    """

    __tablename__ = "consultations"
    __table_args__ = (Index(ONE_PER_CONVERSATION, "conversation_id", unique=True),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), index=True, nullable=False)
    channel = Column(String(64), nullable=False, default="rest")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    triage_level = Column(String(32), nullable=False)
    triage_reasons = Column(JSON, nullable=False, default=list)
    profile = Column(String(32))  # ankle | hip | both | unclear; None when triage stopped it
    intake = Column(JSON, nullable=False, default=dict)
    exercises = Column(JSON, nullable=False, default=list)
    summary = Column(Text, nullable=False, default="")
    consent_given = Column(Boolean, nullable=False)
