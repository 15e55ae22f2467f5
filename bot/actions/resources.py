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
