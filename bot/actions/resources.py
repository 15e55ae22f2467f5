"""Connections the actions share, one per action-server process."""
from __future__ import annotations

from functools import lru_cache

import settings
from knowledge import KnowledgeBase
from records import RecordStore


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    return KnowledgeBase(settings.KNOWLEDGE_DB_URL)


@lru_cache(maxsize=1)
def record_store() -> RecordStore:
    return RecordStore(settings.APP_DB_URL)


@lru_cache(maxsize=1)
def safety_store():
    from records.safety import SafetyRecordStore

    return SafetyRecordStore(settings.APP_DB_URL)


@lru_cache(maxsize=1)
def booking_store():
    from booking.configured import store_from_settings

    return store_from_settings()


@lru_cache(maxsize=1)
def handoff_store():
    from records.handoffs import HandoffStore

    return HandoffStore(settings.APP_DB_URL)


@lru_cache(maxsize=1)
def channel_store():
    from records.channel_identities import ChannelStore

    return ChannelStore(settings.APP_DB_URL)


@lru_cache(maxsize=1)
def channel_options_store():
    from records.channel_options import OptionStore

    return OptionStore(settings.APP_DB_URL)


def availability():
    """Read on each use (it is small): the trainer's edits apply without a restart."""
    from booking.configured import availability_from_settings

    return availability_from_settings()
