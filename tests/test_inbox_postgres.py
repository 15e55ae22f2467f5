"""The inbox on PostgreSQL: every list's query page by page, the indexes, and the pages over HTTP.

The same checks as on SQLite (tests/test_inbox_pagination.py), each on a fresh
database from `postgres_database` (tests/datastore_fixtures.py); the inbox runs
in this process against it, with the fake Rasa of tests/test_inbox_fakes.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from benchmarks.inbox_seed import RASA_EVENTS_DDL
from booking import database
from booking.schema import Booking
from records import erasure, inbox_lists, store, tracker_events
from records.handoffs import Handoff
from tests.test_inbox_fakes import fake_rasa, loop_thread, start_inbox  # noqa: F401  (fixtures)
from tests.test_inbox_pagination import (
    CHECKS,
    NEW_INDEXES,
    NOW,
    SIZE,
    booking,
    check_needs_attention_over_http,
    handoff,
    index_names,
    insert,
)


@pytest.fixture
def pg_url(postgres_database) -> str:
    url = str(postgres_database)
    yield url
    # The stores keep one engine per URL for the process: give this database's connections back.
    for cached in (store._engine, database.shared_engine, erasure.engine_for, inbox_lists._engine):
        cached(url).dispose()
    tracker_events._engine(url).dispose()


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_lists_page_through_every_row_once_in_order_on_postgres(pg_url, check):
    check(pg_url)


def test_the_lists_indexes_on_postgres(pg_url):
    inbox_lists.warm_up(pg_url)
    for table, names in NEW_INDEXES.items():
        assert names <= index_names(pg_url, table), table
    engine = create_engine(pg_url)
    try:
        with engine.begin() as connection:  # as older code left it, then started again: the index comes back
            connection.execute(text("DROP INDEX ix_handoffs_status_created"))
    finally:
        engine.dispose()
    from records.schema import ensure_indexes

    ensure_indexes(inbox_lists._engine(pg_url))
    ensure_indexes(inbox_lists._engine(pg_url))  # again: nothing to do, no error
    assert "ix_handoffs_status_created" in index_names(pg_url, "handoffs")


def test_needs_attention_pages_over_http_on_postgres(start_inbox, pg_url):
    check_needs_attention_over_http(start_inbox(app_db_url=pg_url, page_size=SIZE))


def test_bookings_stats_and_a_conversation_on_postgres(start_inbox, pg_url):
    inbox = start_inbox(app_db_url=pg_url, tracker_store_url=pg_url, page_size=SIZE)
    insert(pg_url, Booking, [booking(i, NOW + timedelta(days=1 + i), "confirmed", False) for i in range(4)])
    insert(pg_url, Booking, [booking(9, NOW - timedelta(days=2), "confirmed", True)])
    insert(pg_url, Handoff, [handoff("b1", NOW, "open")])
    engine = create_engine(pg_url)
    try:
        with engine.begin() as connection:  # Rasa's events table, with the index our tracker store adds
            for statement in RASA_EVENTS_DDL:
                connection.execute(text(statement.format(serial="SERIAL")))
            for sender, kind in [("p1", "user"), ("p1", "user"), ("p2", "user"), ("p3", "bot")]:
                connection.execute(
                    text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :k, :t, '{}')"),
                    {"s": sender, "k": kind, "t": NOW.timestamp()},
                )
        assert tracker_events.ensure_index(engine) and tracker_events.ensure_index(engine)
    finally:
        engine.dispose()
    session = inbox.login()
    page = session.get(inbox.url + "/bookings").text
    assert "Upcoming (4)" in page and "Past (1)" in page and 'data-param="upcoming_page" data-pages="2"' in page
    second = session.get(inbox.url + "/bookings?upcoming_page=2").text
    assert "KB-3" in second and "KB-0" not in second  # soonest first: the fourth is on page 2
    assert inbox_lists.new_bookings(pg_url, 1, 50).total == 0  # both pages shown: none is new any more
    stats = session.get(inbox.url + "/stats")
    assert stats.status_code == 200 and "2 different people wrote" in stats.text
    conversation = session.get(inbox.url + "/conversations/b1")
    assert conversation.status_code == 200 and "KB-1" in conversation.text
    assert session.get(inbox.url + "/data-requests?erased_page=-3").status_code == 200
