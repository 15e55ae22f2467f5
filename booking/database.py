"""The bookings database engine: one per URL, every table created, SQLite set up for concurrent writers.

Works on SQLite and PostgreSQL by changing only the URL. SQLite specifics:

* a busy timeout (SQLITE_BUSY_TIMEOUT_SECONDS, common/sqlite.py), so a writer
  waits for another instead of failing with "database is locked";
* write transactions start with BEGIN IMMEDIATE: a transaction that reads and
  then writes (cancel, reschedule) would otherwise hold a read lock while
  waiting for the write lock, and SQLite fails such a transaction at once
  instead of waiting;
* WAL journal mode for file databases (common/sqlite.py), so readers (the
  inbox) never wait for a writer.
"""

from __future__ import annotations

import time
from functools import lru_cache

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

import booking.schema  # noqa: F401  (its tables join Base's metadata before create_all)
from common import sqlite
from records.schema import Base

# An execution option: transactions on an engine carrying it are write transactions.
WRITE_TRANSACTION = "booking_write_transaction"


def make_engine(url: str) -> Engine:
    """A new engine for url, with every table created (use `shared_engine` normally)."""
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    engine = sqlite.prepare(create_engine(url, future=True, pool_pre_ping=True, connect_args=sqlite.connect_args(url)))
    if is_sqlite:
        _explicit_sqlite_transactions(engine)
    _create_tables(engine)
    return engine


@lru_cache(maxsize=8)
def shared_engine(url: str) -> Engine:
    """One engine (and connection pool) per URL for the whole process."""
    return make_engine(url)


def writer(engine: Engine) -> Engine:
    """The same engine and pool, whose transactions are write transactions (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(**{WRITE_TRANSACTION: True})


def _explicit_sqlite_transactions(engine: Engine) -> None:
    # SQLAlchemy's documented recipe: let us emit BEGIN ourselves instead of pysqlite.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        writing = connection.get_execution_options().get(WRITE_TRANSACTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _create_tables(engine: Engine) -> None:
    # Several processes may start at once on a new database; the losers of the
    # CREATE TABLE race see "already exists" and simply try again.
    for attempt in range(5):
        try:
            Base.metadata.create_all(engine)
            return
        except DBAPIError:
            if attempt == 4:
                raise
            time.sleep(0.1 * (attempt + 1))
