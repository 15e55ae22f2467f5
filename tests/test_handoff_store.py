"""The handoff store shared by the action server and the trainer's inbox (SQLite in tmp_path)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from records import handoffs
from records.handoffs import ONE_ACTIVE_PER_CONVERSATION, Handoff, HandoffStore
from records.store import RecordStore

ROOT = Path(__file__).resolve().parent.parent

TRANSCRIPT = [
    {"who": "person", "text": "my knee hurts on stairs", "at": "2024-05-01T10:00:00+00:00"},
    {"who": "assistant", "text": "Sorry, I didn't get that.", "at": "2024-05-01T10:00:01+00:00"},
]


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'assistant.db'}"


@pytest.fixture
def store(url) -> HandoffStore:
    return HandoffStore(url)


def test_tables_are_created_even_when_the_records_engine_already_exists(url):
    RecordStore(url)  # the action server may have made the engine first
    HandoffStore(url)
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"handoffs", "trainer_replies", "consultations"} <= tables


def test_open_handoff_stores_everything(store):
    handoff = store.open_handoff(
        "c1", "socketio", "asked_for_human", "Left knee, stairs.", TRANSCRIPT, triage_level="self_care"
    )
    assert handoff["id"] > 0
    assert handoff["conversation_id"] == "c1"
    assert handoff["channel"] == "socketio"
    assert handoff["reason"] == "asked_for_human"
    assert handoff["status"] == "open"
    assert handoff["summary"] == "Left knee, stairs."
    assert handoff["transcript"] == TRANSCRIPT
    assert handoff["triage_level"] == "self_care"
    assert isinstance(handoff["created_at"], datetime) and handoff["created_at"].tzinfo is not None
    assert handoff.pop("already_open") is False  # a new handoff (the result says so; the row has no such column)
    assert store.get(handoff["id"]) == handoff
    assert store.for_conversation("c1") == handoff
    assert store.get(handoff["id"] + 100) is None
    assert store.for_conversation("nobody") is None


def test_open_handoff_again_updates_instead_of_duplicating(store):
    first = store.open_handoff("c1", "socketio", "not_understood", "old", TRANSCRIPT[:1])
    again = store.open_handoff("c1", "socketio", "asked_for_human", "new", TRANSCRIPT, triage_level="soon")
    assert again["id"] == first["id"]
    assert first["already_open"] is False and again["already_open"] is True  # the action tells the person so
    assert again["reason"] == "asked_for_human"
    assert again["summary"] == "new"
    assert again["transcript"] == TRANSCRIPT
    assert again["triage_level"] == "soon"
    assert again["updated_at"] >= first["updated_at"]
    assert len(store.list_handoffs()) == 1
    # A replied handoff is still active: no duplicate either.
    reply = store.record_reply("c1", "Hi, Sam here")
    store.mark_reply(reply["id"], "sent")
    assert store.open_handoff("c1", "socketio", "escalation", "s", [])["id"] == first["id"]
    assert store.get(first["id"])["status"] == "replied"
    # Once closed, a new handoff is a new row.
    store.close("c1")
    third = store.open_handoff("c1", "socketio", "asked_for_human", "s", [])
    assert third["id"] != first["id"] and third["status"] == "open" and third["already_open"] is False
    assert store.for_conversation("c1")["id"] == third["id"]


def test_list_handoffs_newest_first_and_by_status(store):
    a = store.open_handoff("a", "socketio", "asked_for_human", "", [])
    time.sleep(0.01)
    b = store.open_handoff("b", "rest", "escalation", "", [])
    time.sleep(0.01)
    c = store.open_handoff("c", "socketio", "not_understood", "", [])
    store.close("b")
    assert [h["id"] for h in store.list_handoffs()] == [c["id"], b["id"], a["id"]]
    assert [h["id"] for h in store.list_handoffs("open")] == [c["id"], a["id"]]
    assert [h["id"] for h in store.list_handoffs("closed")] == [b["id"]]
    assert store.list_handoffs("replied") == []


def test_replies_and_their_delivery_status(store):
    handoff = store.open_handoff("c1", "socketio", "asked_for_human", "", [])
    reply = store.record_reply("c1", "Hello, this is Sam.")
    assert reply["status"] == "pending" and reply["handoff_id"] == handoff["id"] and reply["sent_at"] is None
    failed = store.mark_reply(reply["id"], "failed", error="Rasa is not reachable")
    assert failed["status"] == "failed" and failed["error"] == "Rasa is not reachable"
    assert store.get(handoff["id"])["status"] == "open"  # nothing reached the person yet
    sent = store.mark_reply(reply["id"], "sent")
    assert sent["status"] == "sent" and sent["error"] is None and sent["sent_at"] is not None
    assert store.get(handoff["id"])["status"] == "replied"
    second = store.record_reply("c1", "Second message")
    assert [r["text"] for r in store.replies("c1")] == ["Hello, this is Sam.", "Second message"]
    assert store.get_reply(second["id"])["status"] == "pending"
    assert store.replies("someone else") == []
    with pytest.raises(ValueError):
        store.mark_reply(reply["id"], "delivered")
    with pytest.raises(KeyError):
        store.mark_reply(9999, "sent")


def test_reply_without_handoff_is_kept(store):
    reply = store.record_reply("no-handoff", "hi")
    assert reply["handoff_id"] is None
    assert store.replies("no-handoff")[0]["id"] == reply["id"]


def test_close(store):
    assert store.close("c1") is None
    handoff = store.open_handoff("c1", "socketio", "asked_for_human", "", [])
    closed = store.close("c1")
    assert closed["id"] == handoff["id"] and closed["status"] == "closed"
    assert store.get(handoff["id"])["status"] == "closed"
    assert store.close("c1") is None


def test_delete_conversation_data_removes_only_that_person(store):
    store.open_handoff("c1", "socketio", "asked_for_human", "private", TRANSCRIPT)
    store.record_reply("c1", "one")
    store.record_reply("c1", "two")
    other = store.open_handoff("c2", "socketio", "asked_for_human", "other", [])
    assert store.delete_conversation_data("c1") == 3
    assert store.for_conversation("c1") is None and store.replies("c1") == []
    assert store.get(other["id"]) is not None
    assert store.delete_conversation_data("c1") == 0


def test_another_process_sees_what_one_wrote(url, store):
    """The action server and the inbox are separate processes sharing the database."""
    code = (
        "from records.handoffs import HandoffStore\n"
        f"HandoffStore({url!r}).open_handoff('from-actions', 'socketio', 'escalation', 'sum', [], 'emergency')\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
    handoff = store.for_conversation("from-actions")
    assert handoff["reason"] == "escalation" and handoff["triage_level"] == "emergency"


def test_fail_stale_replies_only_touches_old_pending_ones(store, monkeypatch):
    from datetime import datetime, timedelta, timezone

    import records.handoffs

    clock = [datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)]
    monkeypatch.setattr(records.handoffs, "utcnow", lambda: clock[0])  # no race with a busy machine's timing
    store.open_handoff("c1", "socketio", "asked_for_human", "", [])
    old = store.record_reply("c1", "interrupted")
    sent = store.record_reply("c1", "delivered")
    store.mark_reply(sent["id"], "sent")
    clock[0] += timedelta(minutes=10)
    new = store.record_reply("c1", "just now")
    clock[0] += timedelta(minutes=1)
    assert store.fail_stale_replies(timedelta(minutes=2), error="stopped") == 1
    assert store.get_reply(old["id"])["status"] == "failed" and store.get_reply(old["id"])["error"] == "stopped"
    assert store.get_reply(sent["id"])["status"] == "sent"
    assert store.get_reply(new["id"])["status"] == "pending"


# --- one active handoff per conversation ----------------------------------------------


def test_the_database_refuses_a_second_active_handoff_for_a_conversation(store):
    store.open_handoff("c1", "socketio", "asked_for_human", "", [])
    with pytest.raises(IntegrityError), Session(store.engine) as session, session.begin():
        session.add(Handoff(conversation_id="c1", channel="rest", reason="asked_for_human", status="replied"))
    store.close("c1")
    store.open_handoff("c1", "socketio", "asked_for_human", "", [])  # closed ones don't count
    assert [h["status"] for h in store.list_handoffs()] == ["open", "closed"]


def test_a_database_from_before_the_index_keeps_each_conversations_newest_active_handoff(url, store):
    old, newest = (store.open_handoff(who, "rest", "asked_for_human", "", [])["id"] for who in ("c1", "c2"))
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:  # as it was: no index, two active for c1
        conn.execute(f"DROP INDEX {ONE_ACTIVE_PER_CONVERSATION}")
        conn.execute("UPDATE handoffs SET conversation_id = 'c1' WHERE id = ?", (newest,))
        conn.execute(
            "INSERT INTO handoffs (conversation_id, channel, reason, status, created_at, updated_at, "
            "summary, transcript) VALUES ('c2', 'rest', 'asked_for_human', 'open', '2024-01-01 00:00:00', "
            "'2024-01-01 00:00:00', '', '[]')"
        )
    handoffs._READY.discard(url)  # as a process started after the upgrade
    again = HandoffStore(url)
    assert again.get(old)["status"] == "closed" and again.get(newest)["status"] == "open"
    assert again.for_conversation("c2")["status"] == "open"  # another person's is untouched
    assert ONE_ACTIVE_PER_CONVERSATION in {i["name"] for i in inspect(again.engine).get_indexes("handoffs")}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_asking_for_a_person_many_times_at_once_opens_one_handoff(request, url, backend):
    database = url if backend == "sqlite" else request.getfixturevalue("postgres_database")
    HandoffStore(database)  # tables and index exist before the race
    racers = 8
    barrier = threading.Barrier(racers)
    outcomes: list = [None] * racers

    def contender(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = HandoffStore(database).open_handoff("same", "rest", "asked_for_human", "", [])
        except Exception as error:  # "database is locked", or the unique index's refusal not handled
            outcomes[index] = repr(error)

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(outcome, dict) for outcome in outcomes), outcomes
    assert len({outcome["id"] for outcome in outcomes}) == 1
    assert [outcome["already_open"] for outcome in outcomes].count(False) == 1
    assert len(HandoffStore(database).list_handoffs()) == 1
