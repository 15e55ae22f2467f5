"""Tracker and lock stores configured by one URL each (see settings.py), and the person's data requests.

Rasa's SQL tracker store takes the URL in pieces (dialect, host, db, ...);
these wrappers let a trainer move from SQLite to PostgreSQL, and from one
server to several replicas with Redis locks, by changing one variable.

The tracker store is also where "delete my data" ends (the action's marker
makes it erase the stored conversation) and where such a request is noticed
while the conversation is with the trainer: see `answer_while_paused`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Optional, Set

from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import delete
from sqlalchemy.engine import make_url

import settings
from bot.erasure import ACTIONS_WHILE_PAUSED, DELETE_INTENT, ERASURE_SLOT
from bot.redis_lock import AtomicRedisLockStore
from records import tracker_events
from records.erasure import forget_reply_address, note_failure

logger = logging.getLogger(__name__)


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
        tracker_events.ensure_index(self.engine)  # the inbox's stats read user messages by time

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker; on a data-deletion request, erase the conversation first.

        Everything up to and including the deletion marker goes, so the
        person's messages, slots and the request itself are no longer stored.
        A data request made while paused is answered just after (`answer_while_paused`).
        """
        marker = _last_erasure_marker(tracker)
        if marker is None:
            await super().save(tracker)
            action = requested_while_paused(tracker)
            if action is not None:
                answer_while_paused(tracker.sender_id, action)
            return
        with self.session_scope() as session:
            session.execute(delete(self.SQLEvent).where(self.SQLEvent.sender_id == tracker.sender_id))
            session.commit()
        remaining = list(tracker.events)[marker + 1 :]
        fresh = DialogueStateTracker.from_events(tracker.sender_id, remaining, slots=self.domain.slots)
        await super().save(fresh)
        # The records went in the action's transaction, all but the channel address: the
        # confirmation has been sent on it by now (Rasa sends before it saves), so it goes too.
        try:
            await asyncio.to_thread(forget_reply_address, settings.APP_DB_URL, tracker.sender_id)
        except Exception:  # noqa: BLE001 - the conversation is erased; retention removes a left-over address
            logger.exception("could not remove the channel address of an erased conversation")


def _last_erasure_marker(tracker: DialogueStateTracker) -> Optional[int]:
    found = None
    for index, event in enumerate(tracker.events):
        if isinstance(event, SlotSet) and event.key == ERASURE_SLOT and event.value:
            found = index
    return found


# --- "delete / export my data" while the conversation is with the trainer ---------------------------
# Rasa predicts and runs no action while a conversation is paused (rasa/core/processor.py
# `_should_handle_message`), and the message is stored here right after. So when the person's
# newest message asks to delete or export their data, the tracker store runs that action itself,
# as Rasa's HTTP API `POST /conversations/<id>/execute` would (rasa/server.py): under the
# conversation's lock, with the output channel of the channel they wrote on, through the agent of
# this Rasa server. In-process rather than through the HTTP API: no token, port or API switch to
# configure, and the same code path. It runs after the current turn (the lock is still held now);
# the conversation is not resumed: an erasure removes the pause with everything else, an export
# or a failed erasure leaves it with the trainer. The REST channel has nobody listening after its
# request ended, so there the answer is only in the conversation (as the trainer's replies are).
_PENDING: Set[str] = set()
_TASKS: Set[asyncio.Task] = set()


def requested_while_paused(tracker: DialogueStateTracker) -> Optional[str]:
    """The action for a "delete / export my data" the person sent while paused and nothing has answered yet."""
    if not tracker.is_paused():
        return None
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            return None  # answered already
        if isinstance(event, UserUttered):
            return ACTIONS_WHILE_PAUSED.get(event.intent_name or "")
    return None


def answer_while_paused(sender_id: str, action: str) -> None:
    if sender_id in _PENDING:
        return
    _PENDING.add(sender_id)
    task = asyncio.get_running_loop().create_task(_answer(sender_id, action))
    _TASKS.add(task)  # keep a reference until it is done
    task.add_done_callback(_TASKS.discard)


async def _answer(sender_id: str, action: str) -> None:
    try:
        agent, channels = _rasa_server()
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.tracker_store.retrieve(sender_id)
            if tracker is None or requested_while_paused(tracker) != action:
                return  # answered or erased meanwhile
            output = output_channel(channels, tracker.get_latest_input_channel())
            after = await agent.execute_action(sender_id, action, output, None, None)
        if action == ACTIONS_WHILE_PAUSED[DELETE_INTENT] and not _answered(after):
            # The action itself failed (the action server is down): nobody told the person, so tell the trainer.
            await asyncio.to_thread(note_failure, settings.APP_DB_URL, sender_id)
    except Exception:  # noqa: BLE001 - a background task: log, never raise into the event loop
        logger.exception("a data request made while the conversation was with the trainer failed")
    finally:
        _PENDING.discard(sender_id)


def _answered(tracker: Optional[DialogueStateTracker]) -> bool:
    if tracker is None or _last_erasure_marker(tracker) is not None:
        return True
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if isinstance(e, UserUttered)), default=-1)
    return any(e.type_name == "bot" for e in events[last_user + 1 :])


def _rasa_server():
    """This process's Rasa agent and input channels (the Sanic app `rasa run` made, with or without the API)."""
    from sanic import Sanic
    from sanic.exceptions import SanicException

    for name in ("rasa_server", "rasa_core_no_api"):
        try:
            app = Sanic.get_app(name)
        except SanicException:
            continue
        if getattr(app.ctx, "agent", None) is not None:
            return app.ctx.agent, getattr(app.ctx, "input_channels", None) or []
    raise RuntimeError("no Rasa server runs in this process")


def output_channel(channels, name: Optional[str]) -> OutputChannel:
    """Where to send: the channel the person used (as rasa/server.py `_get_output_channel` picks it)."""
    for channel in channels:
        if channel.name() == name:
            found = channel.get_output_channel()
            if found is not None:
                return found
    return CollectingOutputChannel()


class ConfiguredLockStore(LockStore):
    """Factory disguised as a class (Rasa loads custom lock stores by class path).

    Redis: Rasa's lock store with atomic ticket changes (bot/redis_lock.py), for several replicas.
    """

    def __new__(cls, endpoint_config=None, **_: Any) -> LockStore:  # type: ignore[misc]
        if not settings.LOCK_STORE_URL:
            return InMemoryLockStore()
        url = make_url(settings.LOCK_STORE_URL)
        return AtomicRedisLockStore(
            host=url.host or "localhost",
            port=url.port or 6379,
            db=int(url.database or 1),
            username=url.username,
            password=url.password,
            use_ssl=url.drivername == "rediss",
        )
