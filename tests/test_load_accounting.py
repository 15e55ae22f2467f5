"""The replica benchmark's check for lost, duplicated and reordered messages (benchmarks/load_accounting.py)."""

from __future__ import annotations

from benchmarks.load_accounting import account, compare, stored_user_texts
from benchmarks.load_client import TurnResult


def turn(sender: str, text: str, error=None) -> TurnResult:
    return TurnResult("s", 0, text, 10.0, error, False, sender)


def test_every_answered_message_stored_once_in_order_is_clean():
    assert compare({"ok": ["hi", "yes", "yes"], "failed": []}, ["hi", "yes", "yes"]) == {
        "lost": 0,
        "duplicated": 0,
        "out_of_order": 0,
    }


def test_a_missing_answered_message_is_lost():
    assert compare({"ok": ["hi", "knee hurts"], "failed": []}, ["hi"])["lost"] == 1


def test_a_message_stored_twice_is_duplicated():
    assert compare({"ok": ["hi", "yes"], "failed": []}, ["hi", "yes", "yes"])["duplicated"] == 1


def test_messages_stored_in_another_order_are_out_of_order():
    assert compare({"ok": ["first", "second"], "failed": []}, ["second", "first"])["out_of_order"] == 1


def test_a_timed_out_message_may_be_stored_once_but_not_twice():
    assert compare({"ok": ["hi"], "failed": ["slow"]}, ["hi", "slow"]) == {
        "lost": 0,
        "duplicated": 0,
        "out_of_order": 0,
    }
    assert compare({"ok": ["hi"], "failed": ["slow"]}, ["hi"]) == {"lost": 0, "duplicated": 0, "out_of_order": 0}
    assert compare({"ok": ["hi"], "failed": ["slow"]}, ["hi", "slow", "slow"])["duplicated"] == 1


def test_totals_count_conversations_and_unreadable_trackers():
    turns = [turn("a", "hi"), turn("a", "left knee"), turn("b", "hello"), turn("c", "hey", error="timeout")]
    trackers = {
        "a": {"events": [{"event": "action"}, {"event": "user", "text": "hi"}, {"event": "user", "text": "left knee"}]},
        "b": {"events": [{"event": "user", "text": "hello"}, {"event": "user", "text": "hello"}]},
        "c": None,
    }
    totals = account(turns, trackers)
    assert totals["conversations"] == 3 and totals["messages_ok"] == 3
    assert totals["duplicated"] == 1 and totals["lost"] == 0 and totals["unreadable"] == 1
    assert stored_user_texts(trackers["a"]) == ["hi", "left knee"]
