"""Read-only queries on Rasa's tracker store (its `events` table), for the inbox's stats.

The table is Rasa's: it is described here without metadata so nothing is ever created
or changed, and only SELECT statements are run.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import List, Tuple

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import column, table

EVENTS = table("events", column("sender_id"), column("type_name"), column("timestamp"))


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
