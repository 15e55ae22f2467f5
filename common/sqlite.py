"""SQLite set up alike for every database of ours: WAL, and a writer that waits for another.

* WAL journal mode (file databases; it is kept in the file): readers (the
  inbox, the actions) never wait for a writer, nor a writer for readers.
* A busy timeout (SQLITE_BUSY_TIMEOUT_SECONDS): a writer waits that long for
  another writer instead of failing at once with "database is locked".

`prepare(engine)` does both for one engine (records/store.py,
booking/database.py); `prepare_every_engine()` for every SQLAlchemy engine a
process makes, which is how bot/serve.py reaches the engine Rasa's SQL
tracker store creates for itself. Other databases (PostgreSQL) are left as they are.
"""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)


def busy_timeout_seconds() -> float:
    import settings  # late: reading settings may create var/ and its secrets

    return settings.SQLITE_BUSY_TIMEOUT_SECONDS


def connect_args(url) -> dict:
    """create_engine's connect_args: the driver's own busy timeout, on SQLite."""
    from sqlalchemy.engine import make_url

    return {"timeout": busy_timeout_seconds()} if make_url(url).get_backend_name() == "sqlite" else {}


def set_up_connection(dbapi_connection, _record=None) -> None:
    """Busy timeout and WAL on one new SQLite connection (anything else is left alone)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds() * 1000)}")
        # In-memory databases answer "memory" and stay as they are.
        cursor.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError as error:  # another process is switching it right now; it persists
        logger.debug("could not switch SQLite to WAL: %s", error)
    finally:
        cursor.close()


def prepare(engine: Engine) -> Engine:
    """Every connection `engine` opens from now on gets the busy timeout and WAL."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", set_up_connection)
    return engine


def prepare_every_engine() -> None:
    """The same for every engine this process creates (idempotent)."""
    if not event.contains(Engine, "connect", set_up_connection):
        event.listen(Engine, "connect", set_up_connection)
