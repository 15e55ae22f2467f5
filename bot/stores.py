"""Tracker and lock stores configured by one URL each (see settings.py).

Rasa's SQL tracker store takes the URL in pieces (dialect, host, db, ...);
these wrappers let a trainer move from SQLite to PostgreSQL, and from one
server to several replicas with Redis locks, by changing one variable.
"""
from __future__ import annotations

import os
from typing import Any, Optional

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import delete
from sqlalchemy.engine import make_url

import settings
from bot.erasure import ERASURE_SLOT


class ConfiguredTrackerStore(SQLTrackerStore):
    def __init__(self, domain=None, host: Optional[str] = None, event_broker=None, **kwargs: Any) -> None:
        url = make_url(settings.TRACKER_STORE_URL)
        if url.get_backend_name() == "sqlite" and url.database:
            os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            password=url.password,
            query=dict(url.query),
            event_broker=event_broker,
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker; on a data-deletion request, erase the conversation first.

        Everything up to and including the deletion marker goes, so the
        person's messages, slots and the request itself are no longer stored.
        """
        marker = _last_erasure_marker(tracker)
        if marker is None:
            return await super().save(tracker)
        with self.session_scope() as session:
            session.execute(delete(self.SQLEvent).where(self.SQLEvent.sender_id == tracker.sender_id))
            session.commit()
        remaining = list(tracker.events)[marker + 1:]
        fresh = DialogueStateTracker.from_events(tracker.sender_id, remaining, slots=self.domain.slots)
        await super().save(fresh)


def _last_erasure_marker(tracker: DialogueStateTracker) -> Optional[int]:
    found = None
    for index, event in enumerate(tracker.events):
        if isinstance(event, SlotSet) and event.key == ERASURE_SLOT and event.value:
            found = index
    return found


class ConfiguredLockStore(LockStore):
    """Factory disguised as a class (Rasa loads custom lock stores by class path)."""

    def __new__(cls, endpoint_config=None, **_: Any) -> LockStore:  # type: ignore[misc]
        if not settings.LOCK_STORE_URL:
            return InMemoryLockStore()
        url = make_url(settings.LOCK_STORE_URL)
        return RedisLockStore(
            host=url.host or "localhost",
            port=url.port or 6379,
            db=int(url.database or 1),
            username=url.username,
            password=url.password,
            use_ssl=url.drivername == "rediss",
        )
