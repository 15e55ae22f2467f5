"""Connections the actions share, one per action-server process.

Actions run in worker threads (bot/actions/off_loop.py): each is made once,
under a lock, even when two threads ask for it at the same moment (two first
engines on a new SQLite file would race to create its tables).
"""

from __future__ import annotations

import functools
import threading

import settings
from knowledge import KnowledgeBase
from records import RecordStore

_MAKING = threading.RLock()


def _shared(factory):
    cached = functools.lru_cache(maxsize=1)(factory)

    @functools.wraps(factory)
    def get():
        with _MAKING:
            return cached()

    get.cache_clear = cached.cache_clear
    return get


@_shared
def knowledge_base() -> KnowledgeBase:
    return KnowledgeBase(settings.KNOWLEDGE_DB_URL)


@_shared
def record_store() -> RecordStore:
    return RecordStore(settings.APP_DB_URL)


@_shared
def safety_store():
    from records.safety import SafetyRecordStore

    return SafetyRecordStore(settings.APP_DB_URL)


@_shared
def booking_store():
    from booking.configured import store_from_settings

    return store_from_settings()


@_shared
def handoff_store():
    from records.handoffs import HandoffStore

    return HandoffStore(settings.APP_DB_URL)


@_shared
def channel_store():
    from records.channel_identities import ChannelStore

    return ChannelStore(settings.APP_DB_URL)


@_shared
def channel_options_store():
    from records.channel_options import OptionStore

    return OptionStore(settings.APP_DB_URL)


def availability():
    """Read on each use (it is small): the trainer's edits apply without a restart."""
    from booking.configured import availability_from_settings

    return availability_from_settings()
