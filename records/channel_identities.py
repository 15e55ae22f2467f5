"""What the messaging channels (Telegram, WhatsApp) must remember, and nothing more.

* the address behind a conversation (a Telegram chat id, a phone number): the
  conversation id itself is a keyed hash of it, so trackers, records and the inbox
  never hold the raw number; replies look the address up here;
* when the person last wrote (WhatsApp's 24-hour window);
* which provider update / message ids were processed (providers retry: each is
  processed once, across restarts and replicas; the ids alone say nothing about anyone);
* long button payloads behind short tokens (Telegram's callback_data is 64 bytes);
* messages that finally failed to go out, so the inbox can show them.

Everything tied to a conversation is erased with the conversation on "delete my data".
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import Column, DateTime, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.clock import from_db, utc_now
from records.schema import Base
from records.store import _engine

PREFIXES = {"telegram": "tg", "whatsapp": "wa"}


def conversation_id_for(channel: str, address: str, key: str) -> str:
    """A stable conversation id for a provider address that does not reveal it (HMAC-SHA256)."""
    digest = hmac.new(key.encode(), f"{channel}:{address}".encode(), hashlib.sha256).hexdigest()
    return f"{PREFIXES.get(channel, channel)}-{digest[:32]}"


class ChannelAddress(Base):
    __tablename__ = "channel_addresses"

    conversation_id = Column(String(255), primary_key=True)
    channel = Column(String(32), nullable=False)
    address = Column(String(255), nullable=False)
    last_inbound_at = Column(DateTime(timezone=True))


class ProcessedUpdate(Base):
    __tablename__ = "channel_processed_updates"
    __table_args__ = (UniqueConstraint("channel", "update_key", name="one_row_per_update"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    update_key = Column(String(191), nullable=False)  # a provider's id: says nothing about the person
    received_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)


class ButtonPayload(Base):
    __tablename__ = "channel_button_payloads"
    __table_args__ = (UniqueConstraint("conversation_id", "token", name="one_row_per_button"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), index=True, nullable=False)
    token = Column(String(32), nullable=False)
    payload = Column(Text, nullable=False)


class FailedDelivery(Base):
    __tablename__ = "channel_failed_deliveries"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), index=True, nullable=False)
    channel = Column(String(32), nullable=False)
    text = Column(Text, nullable=False)
    error = Column(String(500), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)


class ChannelStore:
    def __init__(self, url: str) -> None:
        self.engine = _engine(url)

    # --- addresses ---------------------------------------------------------------------
    def remember(self, conversation_id: str, channel: str, address: str, inbound: bool = True) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(ChannelAddress, conversation_id)
            if row is None:
                row = ChannelAddress(conversation_id=conversation_id, channel=channel, address=address)
                session.add(row)
            row.address = address
            if inbound:
                row.last_inbound_at = utc_now()

    def address(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        with Session(self.engine) as session:
            row = session.get(ChannelAddress, conversation_id)
            if row is None:
                return None
            return {"channel": row.channel, "address": row.address, "last_inbound_at": from_db(row.last_inbound_at)}

    # --- updates processed once --------------------------------------------------------
    def claim_update(self, channel: str, update_key: str) -> bool:
        """True the first time an update is seen; False for a provider's retry of it."""
        try:
            with Session(self.engine) as session, session.begin():
                session.add(ProcessedUpdate(channel=channel, update_key=update_key[:191]))
        except IntegrityError:
            return False
        return True

    def release_update(self, channel: str, update_key: str) -> None:
        """Processing failed: let the provider's retry through."""
        with Session(self.engine) as session, session.begin():
            session.execute(
                delete(ProcessedUpdate).where(
                    ProcessedUpdate.channel == channel, ProcessedUpdate.update_key == update_key[:191]
                )
            )

    # --- button payloads ---------------------------------------------------------------
    def token_for_payload(self, conversation_id: str, payload: str) -> str:
        token = hashlib.sha256(payload.encode()).hexdigest()[:24]
        try:
            with Session(self.engine) as session, session.begin():
                session.add(ButtonPayload(conversation_id=conversation_id, token=token, payload=payload))
        except IntegrityError:
            pass  # the same button was offered before
        return token

    def payload_for_token(self, conversation_id: str, token: str) -> Optional[str]:
        with Session(self.engine) as session:
            return session.execute(
                select(ButtonPayload.payload).where(
                    ButtonPayload.conversation_id == conversation_id, ButtonPayload.token == token
                )
            ).scalar()

    # --- deliveries that failed --------------------------------------------------------
    def record_failure(self, conversation_id: str, channel: str, text: str, error: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.add(
                FailedDelivery(conversation_id=conversation_id, channel=channel, text=text[:4000], error=error[:500])
            )

    def failures(self, conversation_id: str) -> List[Dict[str, Any]]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(FailedDelivery)
                .where(FailedDelivery.conversation_id == conversation_id)
                .order_by(FailedDelivery.id)
            ).scalars()
            return [{"text": r.text, "error": r.error, "at": from_db(r.created_at)} for r in rows]

    # --- erasure -----------------------------------------------------------------------
    def delete_conversation_data(self, conversation_id: str) -> int:
        removed = 0
        with Session(self.engine) as session, session.begin():
            for table in (ChannelAddress, ButtonPayload, FailedDelivery):
                removed += session.execute(delete(table).where(table.conversation_id == conversation_id)).rowcount or 0
        return removed


def last_inbound(store: ChannelStore, conversation_id: str) -> Optional[datetime]:
    found = store.address(conversation_id)
    return found["last_inbound_at"] if found else None
