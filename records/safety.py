"""Warning signs on record, per conversation: the safety net's memory.

A row per sign or screening answer, never the message text. Rows are written
before consent too: forgetting a red flag is the one thing the assistant must
not do (the README's data section says so), and they are erased with
everything else on "delete my data". A row is closed (cleared_at) only when
the person takes the sign back and the assistant has confirmed it.

When the database can't be written, the safety advice has already been sent;
the record then goes to a journal file (SAFETY_JOURNAL) that the trainer's
inbox shows until a later message saves it.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from records import pages
from records.schema import Base, utcnow
from records.store import _engine

log = logging.getLogger(__name__)
SIGN, ANSWER = "sign", "answer"


class SafetyFlag(Base):
    __tablename__ = "safety_flags"
    __table_args__ = (
        UniqueConstraint("conversation_id", "kind", "name", name="one_row_per_flag"),
        # The inbox's list: conversations with signs still on record, latest first (covers the grouping).
        Index("ix_safety_flags_open", "cleared_at", "conversation_id", "recorded_at"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), index=True, nullable=False)
    kind = Column(String(16), nullable=False)  # sign | answer
    name = Column(String(64), nullable=False)  # a sign id, or an rf_* slot
    value = Column(JSON)  # an answer's value (True / False / "unknown"); None for signs
    level = Column(String(32), nullable=False)  # the level when it was recorded
    channel = Column(String(64), nullable=False, default="rest")
    recorded_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    cleared_at = Column(DateTime(timezone=True))


# The safety advice is sent only when the action that records the sign returns, so a locked
# database must not hold it up for the busy timeout the other stores wait: after this long
# the record goes to the journal instead (and is saved by a later message).
SAFETY_WRITE_WAIT_SECONDS = 2.0


def _quick_writer(url: str, engine: Engine) -> Engine:
    if engine.dialect.name != "sqlite":
        return engine
    quick = create_engine(url, future=True, connect_args={"timeout": SAFETY_WRITE_WAIT_SECONDS})

    @event.listens_for(quick, "connect")
    def _short_wait(dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(SAFETY_WRITE_WAIT_SECONDS * 1000)}")

    return quick


class SafetyRecordStore:
    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        self.write_engine = _quick_writer(url, self.engine)

    def open_flags(self, conversation_id: str) -> Tuple[frozenset, Dict[str, Any]]:
        """(signs, answers) still on record for a conversation."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(SafetyFlag).where(SafetyFlag.conversation_id == conversation_id, SafetyFlag.cleared_at.is_(None))
            ).all()
        signs = frozenset(r.name for r in rows if r.kind == SIGN)
        answers = {r.name: r.value for r in rows if r.kind == ANSWER}
        return signs, answers

    def record(
        self,
        conversation_id: str,
        signs,
        answers: Mapping[str, Any],
        level: str,
        channel: str = "rest",
        cleared_signs=(),
        cleared_answers=(),
    ) -> None:
        """Bring the record in line with the conversation's state, in one transaction."""
        wanted = {(SIGN, s): None for s in signs} | {(ANSWER, k): v for k, v in answers.items()}
        closing = {(SIGN, s) for s in cleared_signs} | {(ANSWER, k) for k in cleared_answers}
        now = utcnow()
        with Session(self.write_engine) as session, session.begin():
            rows = {
                (r.kind, r.name): r
                for r in session.scalars(select(SafetyFlag).where(SafetyFlag.conversation_id == conversation_id))
            }
            for key, value in wanted.items():
                row = rows.get(key)
                if row is None:
                    session.add(
                        SafetyFlag(
                            conversation_id=conversation_id,
                            kind=key[0],
                            name=key[1],
                            value=value,
                            level=level,
                            channel=channel,
                            recorded_at=now,
                        )
                    )
                elif row.cleared_at is not None or row.value != value:
                    row.cleared_at, row.value, row.level, row.recorded_at = None, value, level, now
            for key in closing - set(wanted):
                if key in rows and rows[key].cleared_at is None:
                    rows[key].cleared_at = now

    def conversations_with_open_flags(self, limit: int = 200) -> List[Dict[str, Any]]:
        """For the inbox: the most recent conversations with a sign still on record."""
        return self.open_flag_page(1, limit).items

    def open_flag_page(self, number: int, size: int) -> pages.Page:
        """One page of the conversations with anything still on record, latest record first.

        Each item: the conversation, the channel, time and level of its latest record, and its signs
        (latest first). Grouped in the database (index ix_safety_flags_open), then only the page's rows read.
        """
        latest = func.max(SafetyFlag.recorded_at).label("latest")
        open_now = SafetyFlag.cleared_at.is_(None)
        query = (
            select(SafetyFlag.conversation_id, latest)
            .where(open_now)
            .group_by(SafetyFlag.conversation_id)
            .order_by(latest.desc(), SafetyFlag.conversation_id)
        )
        with Session(self.engine) as session:
            total = session.scalar(select(func.count(SafetyFlag.conversation_id.distinct())).where(open_now)) or 0
            page = pages.fetch(session, query, number, size, lambda row: {"conversation_id": row[0]}, total=total)
            wanted = [item["conversation_id"] for item in page.items]
            rows = session.scalars(
                select(SafetyFlag)
                .where(open_now, SafetyFlag.conversation_id.in_(wanted))
                .order_by(SafetyFlag.recorded_at.desc(), SafetyFlag.id.desc())
            ).all()
        grouped: Dict[str, Dict[str, Any]] = {}
        for row in rows:
            item = grouped.setdefault(
                row.conversation_id,
                {
                    "conversation_id": row.conversation_id,
                    "channel": row.channel,
                    "recorded_at": row.recorded_at,
                    "level": row.level,
                    "signs": [],
                },
            )
            if row.kind == SIGN:
                item["signs"].append(row.name)
        items = [grouped[cid] for cid in wanted if cid in grouped]  # one erased meanwhile is left out
        return pages.Page(items, page.number, page.size, total)

    def delete_conversation_data(self, conversation_id: str) -> int:
        with Session(self.engine) as session, session.begin():
            result = session.execute(delete(SafetyFlag).where(SafetyFlag.conversation_id == conversation_id))
            return result.rowcount or 0


class SafetyJournal:
    """A file of safety records the database refused: appended to, shown by the inbox."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def add(self, conversation_id: str, level: str, signs, error: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "conversation_id": conversation_id,
            "level": level,
            "signs": sorted(signs),
            "error": error[:300],
            "at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        with self.path.open("a", encoding="utf-8") as journal:
            journal.write(json.dumps(entry) + "\n")

    def entries(self, limit: int = 200) -> List[Dict[str, Any]]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out = []
        for line in lines[-limit:]:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a half-written line from a crash: skip it, keep the rest
        return out

    def forget(self, conversation_id: str) -> None:
        """Drop a conversation's entries (it was saved later, or erased on request)."""
        kept = [e for e in self.entries(limit=100_000) if e.get("conversation_id") != conversation_id]
        if self.path.exists():
            self.path.write_text("".join(json.dumps(e) + "\n" for e in kept), encoding="utf-8")

    def drop_older_than(self, cutoff: datetime) -> int:
        """Retention: drop entries written before `cutoff` (aware). Returns how many went."""
        entries = self.entries(limit=100_000)
        kept = [e for e in entries if not _written_before(e, cutoff)]
        if len(kept) != len(entries):
            self.path.write_text("".join(json.dumps(e) + "\n" for e in kept), encoding="utf-8")
        return len(entries) - len(kept)


def _written_before(entry: Dict[str, Any], cutoff: datetime) -> bool:
    try:
        written = datetime.fromisoformat(str(entry.get("at")))
    except ValueError:
        return False  # unreadable time: keep it, the trainer still sees it
    return written.tzinfo is not None and written < cutoff


def journal_from_settings() -> SafetyJournal:
    import settings

    return SafetyJournal(settings.SAFETY_JOURNAL)


def load_open_flags(store: Optional[SafetyRecordStore], conversation_id: str) -> Tuple[frozenset, Dict[str, Any]]:
    """The record, or nothing if the database can't be read (the tracker's copy still counts)."""
    if store is None:
        return frozenset(), {}
    try:
        return store.open_flags(conversation_id)
    except Exception:  # noqa: BLE001 - a broken database must never stop the safety advice
        log.exception("could not read the safety record of a conversation")
        return frozenset(), {}
