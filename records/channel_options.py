"""Choices offered as numbered text, so a number typed back can stand for its button.

A channel that cannot show every button (WhatsApp: more than 10, or a template
outside the 24-hour window) lists them as "1. …" lines. The payloads are kept per
conversation until the person's next message, which consumes them: a "2" typed
later in answer to another question is not read as an old choice. Erased with the
conversation.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from sqlalchemy import JSON, Column, DateTime, String, delete
from sqlalchemy.orm import Session

from common.clock import utc_now
from records.schema import Base
from records.store import _engine


class NumberedOptions(Base):
    __tablename__ = "channel_numbered_options"

    conversation_id = Column(String(255), primary_key=True)
    payloads = Column(JSON, nullable=False)
    offered_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)


class OptionStore:
    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        # The engine may have been made (and its tables created) before this module was imported.
        NumberedOptions.__table__.create(self.engine, checkfirst=True)

    def offer(self, conversation_id: str, payloads: Sequence[str]) -> None:
        """These payloads, in order, are what "1", "2", … now mean (replacing any earlier offer)."""
        with Session(self.engine) as session, session.begin():
            row = session.get(NumberedOptions, conversation_id)
            if row is None:
                session.add(NumberedOptions(conversation_id=conversation_id, payloads=list(payloads)))
            else:
                row.payloads, row.offered_at = list(payloads), utc_now()

    def take(self, conversation_id: str) -> List[str]:
        """The payloads on offer, removed: one answer per offer."""
        with Session(self.engine) as session, session.begin():
            row = session.get(NumberedOptions, conversation_id)
            if row is None:
                return []
            payloads = [str(p) for p in row.payloads or []]
            session.delete(row)
            return payloads

    def clear(self, conversation_id: str) -> None:
        self.delete_conversation_data(conversation_id)

    def delete_conversation_data(self, conversation_id: str) -> int:
        with Session(self.engine) as session, session.begin():
            return (
                session.execute(
                    delete(NumberedOptions).where(NumberedOptions.conversation_id == conversation_id)
                ).rowcount
                or 0
            )

    def peek(self, conversation_id: str) -> Optional[List[str]]:
        with Session(self.engine) as session:
            row = session.get(NumberedOptions, conversation_id)
            return [str(p) for p in row.payloads] if row is not None else None
