"""The inbox's lists a page at a time (SQLite): boundaries, order, empty and bad pages, the indexes.

The `check_*` functions take a database URL and are run against PostgreSQL too
(tests/test_inbox_postgres.py). Rows are written with explicit times, several
sharing one, so that the order's tie-break (the id) is what decides the pages.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from typing import Callable, List

import pytest
from sqlalchemy import create_engine, inspect, text

from booking.schema import Booking
from records import inbox_lists, tracker_events
from records.erasure import ErasureNotice
from records.handoffs import Handoff
from records.pages import Page
from records.safety import SafetyFlag, SafetyRecordStore
from records.schema import Base, Consultation
from records.store import RecordStore
from tests.test_inbox_fakes import fake_rasa, loop_thread, start_inbox  # noqa: F401  (fixtures)
from tests.test_inbox_stats import make_tracker_db
from trainer_inbox.stats import RED_FLAG_LEVELS

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SIZE = 3


def insert(url: str, table, rows: List[dict]) -> None:
    engine = inbox_lists._engine(url)  # every table, as the inbox makes them
    with engine.begin() as connection:
        connection.execute(table.__table__.insert(), rows)


def walk(fetch: Callable[[int], Page]) -> List[list]:
    """Every page from the first until the one past the end (which must be empty); the ids of each."""
    seen, number = [], 1
    while True:
        page = fetch(number)
        if not page.items:
            assert number == page.pages + 1 or page.total == 0
            return seen
        assert page.number == number and page.pages == -(-page.total // SIZE)
        assert page.has_previous == (number > 1) and page.has_next == (number < page.pages)
        seen.append([item.get("id", item.get("conversation_id")) for item in page.items])
        number += 1


def assert_pages(pages: List[list], expected: list) -> None:
    flat = [item for page in pages for item in page]
    assert flat == expected  # the whole order: nothing lost, nothing twice
    assert all(len(page) == SIZE for page in pages[:-1]) and 0 < len(pages[-1]) <= SIZE


# --- the lists, against any database -------------------------------------------------------------------
def check_handoff_pages(url: str) -> None:
    times = [NOW - timedelta(minutes=minutes) for minutes in (5, 5, 5, 9, 1, 3, 3, 30)]
    insert(url, Handoff, [handoff(f"h{i}", at, "open" if i % 2 else "replied") for i, at in enumerate(times)])
    insert(url, Handoff, [handoff("closed", NOW, "closed")])  # never listed
    with inbox_lists._engine(url).connect() as connection:
        rows = connection.execute(text("SELECT id, created_at FROM handoffs WHERE status <> 'closed'")).all()
    expected = [row.id for row in sorted(rows, key=lambda row: (row.created_at, row.id), reverse=True)]
    assert_pages(walk(lambda number: inbox_lists.active_handoffs(url, number, SIZE)), expected)
    first = inbox_lists.active_handoffs(url, 1, SIZE)
    assert first.total == 8 and "transcript" not in first.items[0]  # the list never reads transcripts
    assert first.items[0]["created_at"].tzinfo is not None


def handoff(conversation_id: str, at: datetime, status: str) -> dict:
    return dict(
        conversation_id=conversation_id, channel="telegram", reason="asked_for_human", status=status,
        created_at=at, updated_at=at, summary="Knee.", transcript=[{"who": "person", "text": "hi", "at": ""}],
    )  # fmt: skip


def check_red_flag_pages(url: str) -> None:
    rows = []
    for i, (level, days) in enumerate([("emergency", 1), ("soon", 2), ("self_care", 0), ("same_day", 2),
                                       ("soon", 40), ("a_and_e", 3), ("soon", 0), ("same_day", 1)]):  # fmt: skip
        rows.append(dict(conversation_id=f"c{i}", channel="whatsapp", created_at=NOW - timedelta(days=days),
                         triage_level=level, triage_reasons=[], intake={}, consent_given=True))  # fmt: skip
    insert(url, Consultation, rows)
    since = NOW - timedelta(days=30)
    pages = walk(lambda number: RecordStore(url).flagged_page(RED_FLAG_LEVELS, since, number, SIZE))
    # Newest first, a tie broken by the later id; not self-care, not 40 days ago. (ids: c0 is 1, c1 is 2, ...)
    assert_pages(pages, [7, 8, 1, 4, 2, 6])
    first = RecordStore(url).flagged_page(RED_FLAG_LEVELS, since, 1, SIZE).items
    assert [c["conversation_id"] for c in first] == ["c6", "c7", "c0"] and first[0]["created_at"].tzinfo is not None
    assert RecordStore(url).triage_counts() == {"emergency": 1, "soon": 3, "self_care": 1, "same_day": 2, "a_and_e": 1}


def check_warning_sign_pages(url: str) -> None:
    rows = []
    for i, minutes in enumerate([10, 2, 7, 7, 30, 1, 15]):
        at = NOW - timedelta(minutes=minutes)
        rows.append(flag(f"s{i}", "calf", at))
        rows.append(flag(f"s{i}", "fever", at - timedelta(minutes=1)))  # an older second sign
    rows.append(flag("cleared", "calf", NOW, cleared=True))
    insert(url, SafetyFlag, rows)
    pages = walk(lambda number: SafetyRecordStore(url).open_flag_page(number, SIZE))
    assert_pages(pages, ["s5", "s1", "s2", "s3", "s0", "s6", "s4"])  # latest first; a tie by conversation id
    first = SafetyRecordStore(url).open_flag_page(1, SIZE).items[0]
    assert first["signs"] == ["calf", "fever"] and first["level"] == "soon" and first["channel"] == "telegram"
    assert [c["conversation_id"] for c in SafetyRecordStore(url).conversations_with_open_flags(limit=2)] == ["s5", "s1"]


def flag(conversation_id: str, name: str, at: datetime, cleared: bool = False) -> dict:
    return dict(conversation_id=conversation_id, kind="sign", name=name, value=None, level="soon",
                channel="telegram", recorded_at=at, cleared_at=at if cleared else None)  # fmt: skip


def check_booking_pages(url: str) -> None:
    rows = []
    for i, (days, status, seen) in enumerate([(3, "confirmed", True), (-2, "confirmed", True), (1, "confirmed", False),
                                             (3, "confirmed", False), (-9, "cancelled", True), (5, "cancelled", False),
                                             (-1, "confirmed", True), (-5, "confirmed", True), (8, "confirmed", True),
                                             (-3, "confirmed", True)]):  # fmt: skip
        rows.append(booking(i, NOW + timedelta(days=days), status, seen))
    insert(url, Booking, rows)
    ids = {row["reference"]: i + 1 for i, row in enumerate(rows)}  # ids in insertion order

    def by(which: str) -> List[list]:
        return walk(lambda number: inbox_lists.bookings(url, which, NOW, number, SIZE))

    assert_pages(by("upcoming"), [ids["KB-2"], ids["KB-0"], ids["KB-3"], ids["KB-8"]])  # soonest first, tie by id
    assert_pages(by("past"), [ids["KB-6"], ids["KB-1"], ids["KB-9"], ids["KB-7"]])  # latest first
    assert_pages(by("cancelled"), [ids["KB-5"], ids["KB-4"]])
    new = inbox_lists.new_bookings(url, 1, SIZE)
    assert new.total == 3 and [b["reference"] for b in new.items] == ["KB-5", "KB-3", "KB-2"]  # newest made first
    assert inbox_lists.mark_seen(url, [ids["KB-3"], ids["KB-0"]]) == 1  # only the unseen one changes
    assert inbox_lists.new_bookings(url, 1, SIZE).total == 2
    assert [b["reference"] for b in inbox_lists.conversation_bookings(url, "b3")] == ["KB-3"]
    assert inbox_lists.conversation_bookings(url, "b3")[0]["seen"] is True
    insert(url, Consultation, [dict(conversation_id=f"b{i}", channel="socketio", created_at=NOW, triage_level="soon",
                                    triage_reasons=[], intake={}, consent_given=True) for i in (0, 4, 6)])  # fmt: skip
    assert inbox_lists.consulted_and_booked(url) == {"consulted": 3, "booked": 2}  # b4's was cancelled


def booking(number: int, start: datetime, status: str, seen: bool) -> dict:
    made = NOW - timedelta(hours=10 - number)
    return dict(
        reference=f"KB-{number}", conversation_id=f"b{number}", channel="socketio", starts_at=start,
        ends_at=start + timedelta(minutes=45), time_zone="Europe/London", name="Alex", contact="a@example.com",
        contact_kind="email", status=status, intake_summary="", created_at=made, updated_at=made,
        invite_token=f"token-{number}", seen=seen, sequence=0,
    )  # fmt: skip


def check_notice_pages(url: str) -> None:
    at = [NOW - timedelta(hours=hours) for hours in (4, 1, 1, 6, 2, 3, 9)]
    insert(url, ErasureNotice, [dict(conversation_id=f"n{i}", outcome="erased", at=when) for i, when in enumerate(at)])
    insert(url, ErasureNotice, [dict(conversation_id="failed", outcome="failed", at=NOW)])
    erased = walk(lambda number: inbox_lists.erasure_notices(url, "erased", number, SIZE))
    assert_pages(erased, [3, 2, 5, 6, 1, 4, 7])  # ids: latest first, a tie by id (newest first)
    assert inbox_lists.erasure_notices(url, "failed", 1, SIZE).total == 1


def check_empty_lists(url: str) -> None:
    for page in (
        inbox_lists.active_handoffs(url, 1, SIZE),
        inbox_lists.bookings(url, "past", NOW, 1, SIZE),
        SafetyRecordStore(url).open_flag_page(1, SIZE),
        inbox_lists.erasure_notices(url, "erased", 7, SIZE),  # past the end of nothing: still nothing
    ):
        assert page.items == [] and page.total == 0 and page.pages == 1 and not page.has_next


CHECKS = [
    check_handoff_pages,
    check_red_flag_pages,
    check_warning_sign_pages,
    check_booking_pages,
    check_notice_pages,
    check_empty_lists,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_lists_page_through_every_row_once_in_order(tmp_path, check):
    check(f"sqlite:///{tmp_path / 'assistant.db'}")


# --- the pages, over HTTP ----------------------------------------------------------------------------
def section(page: str, heading: str) -> str:
    return page.split(f'id="{heading}"')[1].split("</section>")[0]


def follow(session, base: str, path: str, heading: str) -> List[List[str]]:
    """The conversation links of one section on every page, following its "Next" links."""
    pages = []
    while path:
        response = session.get(base + path)
        assert response.status_code == 200
        part = section(response.text, heading)
        pages.append(re.findall(r'class="item-link" href="/conversations/([^"]+)"', part))
        found = re.search(r'rel="next" href="([^"#]+)', part)
        path = html.unescape(found.group(1)) if found else ""
    return pages


def check_needs_attention_over_http(inbox) -> None:
    url = inbox.config.app_db_url
    times = [NOW - timedelta(minutes=minutes) for minutes in (4, 1, 1, 8, 2, 6, 9)]
    insert(url, Handoff, [handoff(f"h{i}", at, "open") for i, at in enumerate(times)])
    insert(url, SafetyFlag, [flag(f"s{i}", "calf", NOW - timedelta(minutes=i)) for i in range(4)])
    session = inbox.login()
    first = session.get(inbox.url + "/?signs_page=2").text
    assert "Conversations handed to you (7)" in first and "<strong>7</strong> handed to you" in first
    handoffs = follow(session, inbox.url, "/?signs_page=2", "handoffs-heading")
    assert_pages(handoffs, ["h2", "h1", "h4", "h0", "h5", "h3", "h6"])  # newest first; a tie: the later id first
    assert re.findall(r'href="/conversations/(s\d)"', section(first, "signs-heading")) == ["s3"]
    assert 'href="/?handoffs_page=2&amp;signs_page=2#handoffs-heading"' in first  # the other list stays put
    past_end = session.get(inbox.url + "/?handoffs_page=9").text
    assert "Nothing here: the list has 7" in section(past_end, "handoffs-heading")
    assert 'rel="prev" href="/?handoffs_page=3#handoffs-heading"' in past_end  # back to the last page
    plain = re.sub(r'value="[^"]+"', "", session.get(inbox.url + "/").text)
    for bad in ("abc", "0", "-1", "1.5", "", "%20", "99999999999999999999999", "1000001"):
        response = session.get(inbox.url + f"/?handoffs_page={bad}&signs_page={bad}")
        assert response.status_code == 200, bad
        assert section(re.sub(r'value="[^"]+"', "", response.text), "handoffs-heading") == section(
            plain, "handoffs-heading"
        ), bad


def test_needs_attention_pages_over_http(start_inbox):
    check_needs_attention_over_http(start_inbox(page_size=SIZE))


def test_bookings_and_data_requests_page_over_http(start_inbox):
    inbox = start_inbox(page_size=SIZE)
    url = inbox.config.app_db_url
    insert(url, Booking, [booking(i, NOW + timedelta(days=1 + i % 4), "confirmed", False) for i in range(7)])
    insert(url, ErasureNotice, [dict(conversation_id=f"n{i}", outcome="erased", at=NOW) for i in range(4)])
    session = inbox.login()
    page = session.get(inbox.url + "/bookings").text
    assert "Upcoming (7)" in page and 'data-param="upcoming_page" data-pages="3"' in page
    # Only the bookings shown are no longer new.
    assert inbox_lists.new_bookings(url, 1, 50).total == 4
    session.get(inbox.url + "/bookings?upcoming_page=3")
    assert inbox_lists.new_bookings(url, 1, 50).total == 3
    assert session.get(inbox.url + "/bookings?upcoming_page=x").status_code == 200
    notices = session.get(inbox.url + "/data-requests?erased_page=2").text
    assert "Erased while waiting for you (4)" in notices and notices.count("erasure-notice") == 1


# --- the indexes -------------------------------------------------------------------------------------
NEW_INDEXES = {
    "consultations": {"ix_consultations_triage_created", "ix_consultations_created"},
    "handoffs": {"ix_handoffs_status_created"},
    "safety_flags": {"ix_safety_flags_open"},
    "bookings": {"ix_bookings_status_starts", "ix_bookings_seen_created", "ix_bookings_conversation_status"},
    "erasure_notices": {"ix_erasure_notices_outcome_at"},
}


def index_names(url: str, table: str) -> set:
    engine = create_engine(url)
    try:
        return {index["name"] for index in inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()


def test_a_database_from_older_code_gets_the_indexes(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as connection:  # as the older code left it: the tables without the lists' indexes
        for names in NEW_INDEXES.values():
            for name in names:
                connection.execute(text(f"DROP INDEX {name}"))
        connection.execute(text("INSERT INTO handoffs (conversation_id, channel, reason, status, created_at, "
                                "updated_at, summary, transcript) VALUES ('old', 'rest', 'x', 'open', "
                                "'2024-01-01 00:00:00', '2024-01-01 00:00:00', '', '[]')"))  # fmt: skip
    engine.dispose()
    inbox_lists.warm_up(url)
    for table, names in NEW_INDEXES.items():
        assert names <= index_names(url, table), table
    assert inbox_lists.active_handoffs(url, 1, SIZE).total == 1
    inbox_lists.warm_up(url)  # again: nothing to do, no error


def test_the_stats_index_on_rasas_events(tmp_path):
    db = tmp_path / "tracker.db"
    make_tracker_db(db, [("a", "user", NOW.timestamp()), ("b", "bot", NOW.timestamp())])
    engine = create_engine(f"sqlite:///{db}")
    assert tracker_events.ensure_index(engine) and tracker_events.ensure_index(engine)  # idempotent
    assert tracker_events.USER_MESSAGES_INDEX in index_names(f"sqlite:///{db}", "events")
    with engine.connect() as connection:
        plan = connection.execute(text("EXPLAIN QUERY PLAN SELECT DISTINCT sender_id, timestamp FROM events "
                                       "WHERE type_name = 'user' AND timestamp >= 0")).all()  # fmt: skip
    assert "COVERING INDEX " + tracker_events.USER_MESSAGES_INDEX in str(plan)
    assert tracker_events.load_user_events(f"sqlite:///{db}", NOW - timedelta(days=1)) == [("a", NOW.timestamp())]
    missing = create_engine(f"sqlite:///{tmp_path / 'no_rasa_yet.db'}")
    assert tracker_events.ensure_index(missing) is False  # no events table yet: nothing, no error
