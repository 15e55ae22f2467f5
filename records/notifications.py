"""The trainer's notification emails, kept until sent: an outbox in the records database.

A handoff (or booking) is saved first; its email is queued in the same
database (for a handoff, in the same transaction) and tried at once in the
background. An email that fails (SMTP down) stays queued and is tried again
later by `deliver_due`, which `./assistant run` runs every
NOTIFY_RETRY_SECONDS (ops/supervisor.py's Job): after 1, 2, 4 ... retry
intervals, at most an hour apart, until the server takes it. Several
processes may deliver at once: each row is claimed before it is sent, so an
email goes out once.

Rows hold only what to send (kind and the id of the handoff or booking), no
personal data; the email is composed at sending time from the row it names,
and a handoff or booking erased meanwhile is simply not sent.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional

from sqlalchemy import Column, DateTime, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Session

from records.schema import Base, utcnow

logger = logging.getLogger(__name__)

HANDOFF, BOOKING = "handoff", "booking"
PENDING, SENT, DROPPED = "pending", "sent", "dropped"
CLAIM = timedelta(minutes=5)  # a sender that died mid-send frees its rows after this
LONGEST_WAIT = timedelta(hours=1)


class TrainerNotification(Base):
    __tablename__ = "trainer_notifications"

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)
    ref_id = Column(Integer, nullable=False)  # the handoff's or booking's id
    status = Column(String(16), nullable=False, default=PENDING, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_until = Column(DateTime(timezone=True))
    sent_at = Column(DateTime(timezone=True))
    last_error = Column(Text)


def queue(session: Session, kind: str, ref_id: int) -> TrainerNotification:
    """Queue an email inside the caller's transaction (the handoff and its email are saved together)."""
    row = TrainerNotification(
        kind=kind, ref_id=ref_id, status=PENDING, attempts=0, created_at=utcnow(), next_attempt_at=utcnow()
    )
    session.add(row)
    return row


class Outbox:
    def __init__(self, url: str) -> None:
        from records.store import _engine

        self.engine = _engine(url)

    def add(self, kind: str, ref_id: int) -> int:
        with Session(self.engine) as session, session.begin():
            row = queue(session, kind, ref_id)
            session.flush()
            return row.id

    def claim(self, ids: Optional[List[int]] = None, now: Optional[datetime] = None, limit: int = 20) -> List[Dict]:
        """Due pending rows (or those of `ids`, due or not), each now claimed by this caller."""
        now = now or utcnow()
        free = or_(TrainerNotification.claimed_until.is_(None), TrainerNotification.claimed_until < now)
        query = select(TrainerNotification.id).where(TrainerNotification.status == PENDING, free)
        if ids is None:
            query = query.where(TrainerNotification.next_attempt_at <= now)
        else:
            query = query.where(TrainerNotification.id.in_(ids))
        claimed = []
        with Session(self.engine) as session, session.begin():
            for row_id in session.scalars(query.order_by(TrainerNotification.id).limit(limit)).all():
                taken = session.execute(
                    update(TrainerNotification)
                    .where(TrainerNotification.id == row_id, TrainerNotification.status == PENDING, free)
                    .values(claimed_until=now + CLAIM)
                )
                if taken.rowcount == 1:  # another sender may have claimed it between the two statements
                    claimed.append(row_id)
            rows = session.scalars(select(TrainerNotification).where(TrainerNotification.id.in_(claimed))).all()
            return [_as_dict(row) for row in rows]

    def finish(self, row_id: int, status: str, error: str = "", every: float = 60, now: Optional[datetime] = None):
        """Sent or dropped; or (status PENDING) failed once more, to be tried after a growing wait."""
        now = now or utcnow()
        with Session(self.engine) as session, session.begin():
            row = session.get(TrainerNotification, row_id)
            row.claimed_until = None
            row.attempts += 1
            row.status = status
            row.last_error = error[:500] or None
            if status == SENT:
                row.sent_at = now
            elif status == PENDING:
                wait = timedelta(seconds=every * 2 ** min(row.attempts - 1, 16))
                row.next_attempt_at = now + min(wait, LONGEST_WAIT)

    def rows(self, status: Optional[str] = None) -> List[Dict[str, Any]]:
        query = select(TrainerNotification).order_by(TrainerNotification.id)
        if status:
            query = query.where(TrainerNotification.status == status)
        with Session(self.engine) as session:
            return [_as_dict(row) for row in session.scalars(query).all()]


def deliver_due(
    outbox: Outbox, send: Callable[[Dict], bool], every: float = 60, ids: Optional[List[int]] = None
) -> Dict[str, int]:
    """Send what is due (or the rows `ids`); send(row) is True when sent, False when there is nothing to send."""
    counts = {SENT: 0, DROPPED: 0, "failed": 0}
    for row in outbox.claim(ids):
        try:
            status = SENT if send(row) else DROPPED
        except Exception as error:  # noqa: BLE001 - any failure: keep it, try again later
            logger.warning(
                "trainer %s email %s not sent (attempt %d): %s", row["kind"], row["id"], row["attempts"] + 1, error
            )
            outbox.finish(row["id"], PENDING, f"{type(error).__name__}: {error}", every)
            counts["failed"] += 1
            continue
        outbox.finish(row["id"], status, "" if status == SENT else "nothing to send", every)
        counts[status] += 1
    return counts


# --- configured from settings: what the action server and `./assistant run` call --------------------


def email_configured() -> bool:
    import settings

    return bool(settings.SMTP_HOST and settings.TRAINER_EMAIL)


def send_from_settings(row: Dict) -> bool:
    """Compose and send the email a row names; False when its handoff or booking is gone (erased)."""
    import settings
    from booking.configured import email_settings, store_from_settings
    from booking.invite import calendar_invite
    from booking.notify import email_trainer_about_booking, email_trainer_about_handoff
    from records.handoffs import HandoffStore

    if row["kind"] == HANDOFF:
        handoff = HandoffStore(settings.APP_DB_URL).get(row["ref_id"])
        return handoff is not None and email_trainer_about_handoff(
            handoff, inbox_url=settings.PUBLIC_INBOX_URL, **email_settings()
        )
    if row["kind"] == BOOKING:
        booking = store_from_settings().get(row["ref_id"])
        return booking is not None and email_trainer_about_booking(
            booking, **email_settings(), invite=calendar_invite(booking, settings.TRAINER_NAME)
        )
    return False


def deliver_pending_from_settings(ids: Optional[List[int]] = None) -> Dict[str, int]:
    import settings

    if not email_configured():
        return {}
    return deliver_due(Outbox(settings.APP_DB_URL), send_from_settings, settings.NOTIFY_RETRY_SECONDS, ids)


def send_soon(row_id: int) -> None:
    """Try one queued email now, in the background: a slow mail server never holds up the person's answer."""
    threading.Thread(target=_send_one, args=(row_id,), name="trainer-email", daemon=True).start()


def _send_one(row_id: int) -> None:
    try:
        deliver_pending_from_settings([row_id])
    except Exception:  # noqa: BLE001 - stays queued; `./assistant run` tries again
        logger.exception("could not try trainer email %s", row_id)


def _as_dict(row: TrainerNotification) -> Dict[str, Any]:
    return {column.name: getattr(row, column.name) for column in TrainerNotification.__table__.columns}
