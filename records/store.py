"""Reading and writing the assistant's records through SQLAlchemy (2.0-style API)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from common import sqlite
from common.clock import from_db
from records import pages
from records.schema import ONE_PER_CONVERSATION, Base, Consultation, ensure_indexes


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    # Every records table, whichever process opens the database first.
    import records.handoffs  # noqa: F401
    import records.notifications  # noqa: F401
    import records.channel_identities  # noqa: F401
    import records.channel_options  # noqa: F401
    import records.safety  # noqa: F401

    # SQLite: WAL and a busy timeout (common/sqlite.py), so the inbox and the actions never trip over each other.
    engine = sqlite.prepare(create_engine(url, future=True, pool_pre_ping=True, connect_args=sqlite.connect_args(url)))
    Base.metadata.create_all(engine)
    _one_consultation_per_conversation(engine)
    ensure_indexes(engine)  # indexes declared since the database was made (the inbox's lists)
    return engine


def _one_consultation_per_conversation(engine: Engine) -> None:
    """Databases from before the unique index: keep each conversation's newest record, then add the index."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "DELETE FROM consultations WHERE id NOT IN "
                "(SELECT keep FROM (SELECT MAX(id) AS keep FROM consultations GROUP BY conversation_id) AS newest)"
            )
        )
        connection.execute(
            text(f"CREATE UNIQUE INDEX IF NOT EXISTS {ONE_PER_CONVERSATION} ON consultations (conversation_id)")
        )


class RecordStore:
    def __init__(self, url: str) -> None:
        self.engine = _engine(url)

    def save_consultation(
        self,
        conversation_id: str,
        *,
        channel: str,
        triage_level: str,
        triage_reasons: List[Dict[str, Any]],
        intake: Dict[str, Any],
        profile: Optional[str] = None,
        exercises: Optional[List[str]] = None,
        summary: str = "",
    ) -> int:
        """The conversation's one record, created or brought up to date; returns its id."""
        values = dict(
            channel=channel,
            triage_level=triage_level,
            triage_reasons=triage_reasons,
            intake=intake,
            profile=profile,
            exercises=exercises or [],
            summary=summary,
            consent_given=True,  # records are only ever written after consent
        )
        for _ in range(2):  # a concurrent first save wins the insert; this one then updates it
            try:
                with Session(self.engine) as session, session.begin():
                    record = session.scalars(
                        select(Consultation).where(Consultation.conversation_id == conversation_id)
                    ).first()
                    if record is None:
                        record = Consultation(conversation_id=conversation_id, **values)
                        session.add(record)
                    else:
                        for name, value in values.items():
                            setattr(record, name, value)
                    session.flush()
                    return record.id
            except IntegrityError:
                continue
        raise RuntimeError(f"could not save the consultation of {conversation_id!r}")

    def consultations(self, conversation_id: str) -> List[Dict[str, Any]]:
        with Session(self.engine) as session:
            rows = session.scalars(
                select(Consultation).where(Consultation.conversation_id == conversation_id).order_by(Consultation.id)
            ).all()
            return [_as_dict(row) for row in rows]

    def flagged_page(self, levels: Iterable[str], since: datetime, number: int, size: int) -> pages.Page:
        """A page of the consultations at one of `levels` recorded since `since`, newest first (the inbox's
        red flags; index ix_consultations_triage_created)."""
        query = (
            select(*_FLAGGED_COLUMNS)
            .where(Consultation.triage_level.in_(list(levels)), Consultation.created_at >= since)
            .order_by(Consultation.created_at.desc(), Consultation.id.desc())
        )
        with Session(self.engine) as session:
            return pages.fetch(session, query, number, size, _flagged)

    def triage_counts(self) -> Dict[Optional[str], int]:
        """How many consultations there are at each triage level (the inbox's stats; from the index)."""
        query = select(Consultation.triage_level, func.count()).group_by(Consultation.triage_level)
        with Session(self.engine) as session:
            return {level: count for level, count in session.execute(query)}

    def delete_conversation_data(self, conversation_id: str) -> int:
        """Erase everything stored about one person (their conversation id). Returns rows deleted."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(delete(Consultation).where(Consultation.conversation_id == conversation_id))
            return result.rowcount or 0


_FLAGGED_COLUMNS = (
    Consultation.id,
    Consultation.conversation_id,
    Consultation.channel,
    Consultation.created_at,
    Consultation.triage_level,
    Consultation.summary,
)


def _flagged(row: Any) -> Dict[str, Any]:
    return dict(row._mapping, created_at=from_db(row.created_at))


def _as_dict(row: Consultation) -> Dict[str, Any]:
    return {column.name: getattr(row, column.name) for column in Consultation.__table__.columns}
