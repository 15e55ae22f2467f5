"""The stats page's numbers: plain functions, the loaders, and the page on a small known data set."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta, timezone

from records.store import RecordStore
from tests.test_inbox_fakes import fake_rasa, inbox, loop_thread, start_inbox  # noqa: F401  (fixtures)
from trainer_inbox import stats


def at(day: date, hour: int = 12) -> float:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc).timestamp()


TODAY = date(2024, 5, 14)


def test_daily_conversations_counts_distinct_people_per_day():
    events = [
        ("a", at(TODAY, 9)),
        ("a", at(TODAY, 10)),  # same person again: once
        ("b", at(TODAY, 23)),
        ("a", at(TODAY - timedelta(days=1), 0)),  # yesterday, just after midnight UTC
        ("c", at(TODAY - timedelta(days=13))),  # first day of the window
        ("d", at(TODAY - timedelta(days=14))),  # just outside
        ("e", None),
    ]
    result = stats.daily_conversations(events, days=14, today=TODAY)
    assert len(result) == 14
    assert result[0] == (TODAY - timedelta(days=13), 1)
    assert result[-1] == (TODAY, 2)
    assert result[-2] == (TODAY - timedelta(days=1), 1)
    assert sum(count for _, count in result) == 4


def test_red_flag_rate():
    rate = stats.red_flag_rate(
        ["emergency", "same_day", "soon", "self_care", "self_care", None, "self_care", "self_care"]
    )
    assert (rate.part, rate.whole) == (3, 8)
    assert rate.value == 3 / 8 and rate.percent == "38%"
    empty = stats.red_flag_rate([])
    assert empty.value is None and empty.percent == "–"


def test_booking_conversion_counts_only_consulted_conversations():
    rate = stats.booking_conversion(["c1", "c2", "c2", "c3", "c4"], ["c1", "c1", "walk-in"])
    assert (rate.part, rate.whole) == (1, 4)
    assert rate.percent == "25%"
    assert stats.booking_conversion([], ["x"]).value is None


def test_bar_chart_geometry():
    chart = stats.bar_chart([("a", 0), ("b", 5), ("c", 10)], width=330, height=200, margin=30)
    bars = chart["bars"]
    assert [bar["value"] for bar in bars] == [0, 5, 10]
    assert bars[0]["height"] == 0 and bars[2]["height"] == 140 and bars[1]["height"] == 70
    assert bars[2]["y"] == 30 and chart["baseline"] == 170
    assert bars[0]["x"] < bars[1]["x"] < bars[2]["x"] and bars[2]["x"] + bars[2]["width"] <= 330
    assert stats.bar_chart([("a", 0)])["bars"][0]["height"] == 0  # no division by zero


def make_tracker_db(path, rows):
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,"
        " timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
    )
    connection.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, '{}')", rows)
    connection.commit()
    connection.close()


def test_load_user_events_reads_only_user_messages(tmp_path):
    db = tmp_path / "tracker.db"
    make_tracker_db(
        db,
        [
            ("a", "user", at(TODAY)),
            ("a", "bot", at(TODAY)),
            ("b", "action", at(TODAY)),
            ("c", "user", at(TODAY - timedelta(days=30))),
        ],
    )
    since = datetime.combine(TODAY - timedelta(days=13), time(0), tzinfo=timezone.utc)
    assert stats.load_user_events(f"sqlite:///{db}", since) == [("a", at(TODAY))]
    # Rasa never ran: no table, no numbers, no error (and no table is created).
    missing = tmp_path / "empty.db"
    assert stats.load_user_events(f"sqlite:///{missing}", since) == []


def test_stats_page_on_a_known_data_set(inbox, tmp_path):
    today = datetime.now(timezone.utc).date()
    make_tracker_db(
        tmp_path / "tracker.db",
        [
            ("p1", "user", at(today)),
            ("p1", "user", at(today)),
            ("p2", "user", at(today)),
            ("p3", "bot", at(today)),
            ("p1", "user", at(today - timedelta(days=1))),
            ("p9", "user", at(today - timedelta(days=20))),
        ],
    )
    records = RecordStore(inbox.config.app_db_url)
    for conversation_id, level in [("p1", "emergency"), ("p2", "self_care"), ("p3", "soon"), ("p4", "self_care")]:
        records.save_consultation(conversation_id, channel="socketio", triage_level=level, triage_reasons=[], intake={})
    book(inbox.config.app_db_url, "p1", days_ahead=3)
    book(inbox.config.app_db_url, "walk-in", days_ahead=4)
    cancelled = book(inbox.config.app_db_url, "p2", days_ahead=5)
    from booking.store import BookingStore

    BookingStore(inbox.config.app_db_url).cancel_by_trainer(cancelled["id"])

    page = inbox.login().get(inbox.url + "/stats")
    assert page.status_code == 200
    text = page.text
    assert "2 different people wrote" in text
    assert f'<tr><td>{today.isoformat()}</td><td class="num">2</td></tr>' in text
    assert f'<tr><td>{(today - timedelta(days=1)).isoformat()}</td><td class="num">1</td></tr>' in text
    assert text.count('<rect class="bar"') == 14
    assert '<p class="big" id="red-flag-rate">50%</p>' in text
    assert "2 of 4 consultations" in text
    assert '<p class="big" id="conversion-rate">25%</p>' in text
    assert "1 of 4 people" in text
    assert "<script" not in text.split("</main>")[0]  # the charts are plain SVG


def book(url, conversation_id, days_ahead):
    from booking.availability import Slot
    from booking.contact import Contact
    from booking.store import BookingStore

    start = datetime.now(timezone.utc).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=days_ahead)
    return BookingStore(url).book(
        conversation_id,
        "socketio",
        Slot(start, start + timedelta(minutes=45)),
        "Alex Example",
        Contact("email", "alex@example.com"),
        "Left knee, stairs.",
        "Europe/London",
    )
