"""The safety net's plain logic (coaching/safety.py) and its record (records/safety.py), without Rasa."""

from __future__ import annotations

import sqlite3

import pytest

from coaching import safety, triage
from records.safety import SafetyJournal, SafetyRecordStore, load_open_flags


def read(text, state=safety.SafetyState()):
    found = triage.detect_volunteered(text)
    return found, safety.read_turn(state, found)


def test_a_new_sign_gives_the_advice_first_and_goes_on_record():
    found, turn = read("what stretches help? my calf is swollen and sore")
    assert safety.needs_safety_net(safety.SafetyState(), found)
    assert turn.messages[0].startswith("Please get medical help today")
    assert turn.state.signs == {"calf"} and turn.state.answers["rf_calf_pain_swelling"] is True
    assert turn.state.level == triage.SAME_DAY


def test_context_alone_is_not_an_alarm_but_completes_one_on_record():
    found, turn = read("I twisted it playing football")
    assert not safety.needs_safety_net(safety.SafetyState(), found) and not turn.messages
    on_record = safety.SafetyState(frozenset(), {"rf_age_55_plus": True})
    assert safety.needs_safety_net(on_record, found)  # injured and 55+: Ottawa, today


def test_a_correction_that_names_the_sign_clears_it_and_says_so():
    _, first = read("my calf is swollen")
    found, turn = read("sorry, I misspoke, my calf isn't swollen", first.state)
    assert safety.needs_safety_net(first.state, found)
    assert turn.cleared == {"calf"} and not turn.state.is_red_flag
    assert turn.messages == [turn.messages[0]] and turn.messages[0].startswith(
        "OK, I've noted that your calf is not painful or swollen."
    )
    assert turn.state.answers["rf_calf_pain_swelling"] is False


def test_a_denial_without_a_correction_does_not_clear_and_other_signs_stay():
    _, first = read("my calf is swollen and it keeps giving way")
    found, turn = read("my calf isn't swollen", first.state)
    assert not found.correction and not safety.needs_safety_net(first.state, found)
    found, turn = read("actually my calf isn't swollen", first.state)
    assert turn.cleared == {"calf"} and turn.state.signs == {"locking_giving_way"}
    assert "still needs a clinician" in turn.messages[0] and turn.state.level == triage.SAME_DAY


def test_a_taken_back_answer_is_not_kept_on_record():
    _, first = read("my calf is swollen")
    _, turn = read("I misspoke, my calf isn't swollen", first.state)
    assert turn.state.answers["rf_calf_pain_swelling"] is False  # the slots remember the "no"
    assert safety.on_record(turn.state) == safety.SafetyState()  # the database keeps nothing open


def test_an_answer_from_the_questions_can_be_taken_back_too():
    state = safety.SafetyState(frozenset(), {"rf_calf_pain_swelling": True})
    found, turn = read("I misspoke, no pain or swelling in my calf", state)
    assert turn.cleared == {"calf"} and not turn.state.is_red_flag


def test_the_record_survives_in_the_slots_and_combines_with_the_database():
    _, turn = read("can't put any weight on it")
    slots = safety.slot_values(turn.state)
    again = safety.from_slots(slots)
    assert again == turn.state and slots["triage_level"] == triage.SAME_DAY
    stored = safety.SafetyState(frozenset({"calf"}), {"rf_calf_pain_swelling": True})
    both = safety.combine(again, stored)
    assert both.signs == {"cannot_bear_weight", "calf"}


def test_found_in_ignores_unknown_signs_from_a_forged_parse():
    found = safety.found_in({"red_flags": {"signs": ["calf", "not_a_sign"], "denied": ["x"], "correction": 1}})
    assert found.flags == {"calf"} and found.denied == frozenset() and found.correction
    assert not safety.found_in(None).flags


@pytest.fixture()
def store(tmp_path):
    return SafetyRecordStore(f"sqlite:///{tmp_path / 'records.db'}")


def test_the_store_keeps_flags_until_cleared_and_erases_on_request(store):
    store.record("c1", {"calf"}, {"rf_calf_pain_swelling": True}, "same_day", channel="rest")
    store.record("c1", {"calf"}, {"rf_calf_pain_swelling": True}, "same_day")  # again: no duplicate rows
    assert store.open_flags("c1") == (frozenset({"calf"}), {"rf_calf_pain_swelling": True})
    assert [c["conversation_id"] for c in store.conversations_with_open_flags()] == ["c1"]
    store.record(
        "c1",
        set(),
        {"rf_calf_pain_swelling": False},
        "self_care",
        cleared_signs={"calf"},
        cleared_answers={"rf_calf_pain_swelling"},
    )
    assert store.open_flags("c1") == (frozenset(), {"rf_calf_pain_swelling": False})
    assert store.delete_conversation_data("c1") >= 1
    assert store.open_flags("c1") == (frozenset(), {})


def test_a_locked_or_missing_database_never_stops_reading(tmp_path):
    db = tmp_path / "records.db"
    store = SafetyRecordStore(f"sqlite:///{db}")
    with sqlite3.connect(db, timeout=0) as lock:
        lock.execute("BEGIN EXCLUSIVE")
        assert load_open_flags(store, "c1") == (frozenset(), {})
    assert load_open_flags(None, "c1") == (frozenset(), {})


def test_the_journal_keeps_unsaved_records_and_forgets_saved_ones(tmp_path):
    journal = SafetyJournal(tmp_path / "j.jsonl")
    journal.add("c1", "same_day", {"calf"}, "OperationalError: database is locked")
    journal.add("c2", "emergency", {"chest_pain"}, "x")
    (tmp_path / "j.jsonl").open("a").write("{half a line")
    assert [e["conversation_id"] for e in journal.entries()] == ["c1", "c2"]
    journal.forget("c1")
    assert [e["conversation_id"] for e in journal.entries()] == ["c2"]


def user(text, parse=None):
    found = triage.detect_volunteered(text)
    return {"event": "user", "text": text, "parse_data": parse or {"red_flags": safety.as_parse_data(found)}}


def test_what_was_said_while_paused_is_read_since_the_last_pause_only():
    events = [
        user("my calf is swollen"),
        {"event": "pause"},
        user("hello?"),
        user("also my foot has gone cold and white"),
    ]
    found = safety.said_while_paused(events)
    assert found.flags == {"cold_foot"}  # the calf was before the pause (and answered then)
    assert safety.warning_while_paused(events).level == triage.A_AND_E
    assert safety.warning_while_paused([{"event": "pause"}, user("any news?")]) is None
    assert safety.warning_while_paused([]) is None
