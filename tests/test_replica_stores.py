"""The stores that let several Rasa replicas share conversations: real Redis and PostgreSQL.

Two store objects stand for two replicas: each has its own connection, as
two processes would. (tests/test_e2e_replicas.py proves the same through
real Rasa servers behind nginx.)
"""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import settings
from bot.stores import ConfiguredLockStore, ConfiguredTrackerStore

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  knee_side:
    type: text
    mappings: [{type: custom}]
"""
)


def test_without_a_url_the_lock_store_is_in_process(monkeypatch):
    monkeypatch.setattr(settings, "LOCK_STORE_URL", "")
    assert isinstance(ConfiguredLockStore(), InMemoryLockStore)


def replicas_lock_stores(monkeypatch, redis_server, count=2):
    monkeypatch.setattr(settings, "LOCK_STORE_URL", redis_server.url)
    stores = [ConfiguredLockStore() for _ in range(count)]
    assert all(isinstance(store, RedisLockStore) for store in stores)
    return stores


def test_two_replicas_process_one_conversations_messages_one_at_a_time_in_arrival_order(monkeypatch, redis_server):
    stores = replicas_lock_stores(monkeypatch, redis_server)
    conversation = f"lock-{time.monotonic_ns()}"
    timeline = []

    async def handle(message: int) -> None:
        store = stores[message % 2]  # alternate replicas, as round-robin would
        async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.01):
            timeline.append(("start", message))
            await asyncio.sleep(0.03)  # the "processing" another message must not overlap
            timeline.append(("end", message))

    async def arrive() -> None:
        tasks = []
        for message in range(12):
            tasks.append(asyncio.create_task(handle(message)))
            await asyncio.sleep(0.005)  # each message arrives a little after the previous one
        await asyncio.gather(*tasks)

    asyncio.run(arrive())
    expected = [event for message in range(12) for event in (("start", message), ("end", message))]
    assert timeline == expected
    # the tickets are cleaned up: the conversation's lock is gone from Redis
    leftover = stores[0].get_lock(conversation)
    assert leftover is None or not leftover.tickets


def test_different_conversations_do_not_wait_for_each_other(monkeypatch, redis_server):
    stores = replicas_lock_stores(monkeypatch, redis_server)

    async def handle(index: int) -> float:
        started = time.monotonic()
        async with stores[index % 2].lock(f"parallel-{index}-{time.monotonic_ns()}", wait_time_in_seconds=0.01):
            await asyncio.sleep(0.2)
        return time.monotonic() - started

    async def run_all():
        return await asyncio.gather(*(handle(index) for index in range(8)))

    started = time.monotonic()
    asyncio.run(run_all())
    assert time.monotonic() - started < 1.0  # eight 0.2 s holds at once, not one after another (1.6 s)


@pytest.fixture
def two_tracker_stores(monkeypatch, postgres_database):
    monkeypatch.setattr(settings, "TRACKER_STORE_URL", postgres_database)
    return ConfiguredTrackerStore(domain=DOMAIN), ConfiguredTrackerStore(domain=DOMAIN)


def test_a_conversation_saved_by_one_replica_continues_on_the_other(two_tracker_stores):
    first, second = two_tracker_stores
    assert first.engine.dialect.name == "postgresql"
    sender = "replica-conversation"
    tracker = DialogueStateTracker.from_events(
        sender, [ActionExecuted("action_listen"), UserUttered("my left knee hurts")], slots=DOMAIN.slots
    )
    asyncio.run(first.save(tracker))

    continued = asyncio.run(second.retrieve(sender))
    assert continued is not None and continued.latest_message.text == "my left knee hurts"
    continued.update(SlotSet("knee_side", "left"))
    asyncio.run(second.save(continued))

    seen_by_first = asyncio.run(first.retrieve(sender))
    assert seen_by_first.get_slot("knee_side") == "left"
    types = [event.type_name for event in seen_by_first.events]
    assert types == ["action", "user", "slot"]  # every event once, in order
    assert asyncio.run(first.keys()) == asyncio.run(second.keys()) == [sender]
