"""Tables of the assistant's records. Portable SQL only: SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Index, Integer, String, Text, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import declarative_base
from sqlalchemy.schema import CreateIndex

log = logging.getLogger(__name__)
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
    __table_args__ = (
        Index(ONE_PER_CONVERSATION, "conversation_id", unique=True),
        # The inbox: red flags of the last days, newest first, and the stats' count per level.
        Index("ix_consultations_triage_created", "triage_level", "created_at"),
        Index("ix_consultations_created", "created_at"),  # retention, newest first
    )

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


def ensure_indexes(engine: Engine) -> None:
    """Every non-unique index declared on the tables, on a database made before it was declared.

    `create_all` adds the indexes of the tables it creates, never of tables that
    already exist. The catalogue is read first, so a start with nothing missing
    takes no lock (PostgreSQL locks the table even for a CREATE INDEX that turns
    out to exist); each missing one goes in its own transaction with IF NOT EXISTS,
    so processes starting together do not trip over each other, and one that still
    fails is only logged: an index makes the inbox fast, not correct. Unique
    indexes are left to their owners, which first remove duplicates (records.store).
    """
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        wanted = sorted((index for index in table.indexes if not index.unique), key=lambda index: str(index.name))
        if not wanted or not inspector.has_table(table.name):
            continue
        existing = {found["name"] for found in inspector.get_indexes(table.name)}
        for index in wanted:
            if index.name in existing:
                continue
            try:
                with engine.begin() as connection:
                    connection.execute(CreateIndex(index, if_not_exists=True))
            except DBAPIError as error:
                log.info("could not create index %s: %s", index.name, error)
