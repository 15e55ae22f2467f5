"""One consultation record per conversation (records/store.py), including databases from before."""

from __future__ import annotations

import sqlite3
import threading

from records.store import RecordStore

OLD_SCHEMA = (
    "CREATE TABLE consultations (id INTEGER PRIMARY KEY, conversation_id VARCHAR(255) NOT NULL, "
    "channel VARCHAR(64) NOT NULL, created_at DATETIME NOT NULL, triage_level VARCHAR(32) NOT NULL, "
    "triage_reasons JSON NOT NULL, profile VARCHAR(32), intake JSON NOT NULL, exercises JSON NOT NULL, "
    "summary TEXT NOT NULL, consent_given BOOLEAN NOT NULL)"
)


def save(store, conversation, level, **extra):
    return store.save_consultation(
        conversation,
        channel="rest",
        triage_level=level,
        triage_reasons=[],
        intake=extra.get("intake", {}),
        summary=extra.get("summary", ""),
    )


def test_saving_again_updates_the_one_record(tmp_path):
    store = RecordStore(f"sqlite:///{tmp_path / 'a.db'}")
    first = save(store, "c1", "self_care", intake={"knee_side": "left"})
    again = save(store, "c1", "same_day", intake={"knee_side": "right"})
    [record] = store.consultations("c1")
    assert first == again and record["triage_level"] == "same_day" and record["intake"] == {"knee_side": "right"}


def test_duplicates_in_an_older_database_are_merged_to_the_newest(tmp_path):
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute(OLD_SCHEMA)
        for conversation, level in [("a", "soon"), ("a", "same_day"), ("b", "self_care")]:
            conn.execute(
                "INSERT INTO consultations (conversation_id, channel, created_at, triage_level, triage_reasons, "
                "intake, exercises, summary, consent_given) VALUES (?, 'rest', '2026-01-01 00:00:00', ?, '[]', "
                "'{}', '[]', '', 1)",
                (conversation, level),
            )
    store = RecordStore(f"sqlite:///{db}")
    assert [r["triage_level"] for r in store.consultations("a")] == ["same_day"]
    assert len(store.consultations("b")) == 1
    with sqlite3.connect(db) as conn:
        try:
            conn.execute(
                "INSERT INTO consultations (conversation_id, channel, created_at, triage_level, "
                "triage_reasons, intake, exercises, summary, consent_given) VALUES "
                "('b', 'rest', '2026-01-01 00:00:00', 'soon', '[]', '{}', '[]', '', 1)"
            )
            raised = False
        except sqlite3.IntegrityError:
            raised = True
    assert raised, "the database itself refuses a second record for a conversation"


def test_two_first_saves_at_once_leave_one_record(tmp_path):
    store = RecordStore(f"sqlite:///{tmp_path / 'race.db'}")
    threads = [threading.Thread(target=save, args=(store, "same", "self_care")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.consultations("same")) == 1
