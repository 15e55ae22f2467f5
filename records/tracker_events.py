"""Read-only queries on Rasa's tracker store (its `events` table), for the inbox's stats.

The table is Rasa's: it is described here without metadata so nothing of it is ever
created or changed here, and the inbox only runs SELECT statements. The one index the
stats need (`ensure_index`: user messages by time, with the sender, so the last days
are read from the index alone instead of scanning every event ever stored) is added
by our tracker store when Rasa starts (bot/stores.py); without it the query still
works, by a full scan.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import List, Tuple

import logging

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import column, table

log = logging.getLogger(__name__)
EVENTS = table("events", column("sender_id"), column("type_name"), column("timestamp"))
USER_MESSAGES_INDEX = "ix_events_type_timestamp_sender"


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    # Not records.store's engine: that one creates the records tables in whatever database it opens.
    return create_engine(url, future=True, pool_pre_ping=True)


def load_user_events(tracker_store_url: str, since: datetime) -> List[Tuple[str, float]]:
    """(sender_id, timestamp) of user messages since `since`, from Rasa's `events` table.

    An empty list when the tracker store has no `events` table yet (Rasa never ran).
    """
    query = (
        select(EVENTS.c.sender_id, EVENTS.c.timestamp)
        .where(EVENTS.c.type_name == "user", EVENTS.c.timestamp >= since.timestamp())
        .distinct()
    )
    try:
        with _engine(tracker_store_url).connect() as connection:
            return [(row[0], row[1]) for row in connection.execute(query)]
    except SQLAlchemyError:
        return []


def ensure_index(engine: Engine) -> bool:
    """Add the stats' index to Rasa's `events` table if it is missing (SQLite, PostgreSQL); False if it can't.

    For the tracker store that owns the table, right after Rasa created it. An existing
    large table takes a while once (PostgreSQL holds writes back meanwhile).
    """
    statement = f"CREATE INDEX IF NOT EXISTS {USER_MESSAGES_INDEX} ON events (type_name, timestamp, sender_id)"
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
        return True
    except SQLAlchemyError as error:  # the stats still work without it, only slower
        log.warning("could not add the index %s to the tracker store: %s", USER_MESSAGES_INDEX, error)
        return False
