"""A question that isn't understood is asked differently once, then recorded as unknown (no endless repeats)."""

from __future__ import annotations

import pytest

from coaching import consultation
from coaching.question_retries import not_understood, times_asked_in_a_row
from coaching.self_check_answers import FINE, STIFF, ankle_feel


def ask(slot):
    return {"event": "bot", "text": "…", "metadata": {"utter_action": f"utter_ask_{slot}"}}


def said(text):
    return {"event": "user", "text": text}


def test_times_asked_counts_only_the_current_run_of_the_question():
    events = [ask("hip_check"), said("x"), ask("knee_side"), said("??"), ask("knee_side"), said("hmm")]
    assert times_asked_in_a_row("knee_side", events) == 2
    assert times_asked_in_a_row("hip_check", events) == 0
    assert times_asked_in_a_row("knee_side", events + [{"event": "restart"}]) == 0


def test_second_time_a_hint_third_time_move_on():
    updates, notes = not_understood("pain_score", 1)
    assert updates == {} and "0 to 10" in notes[0]
    updates, notes = not_understood("pain_score", 2)
    assert updates == {"pain_score": "unknown"} and "move on" in notes[0]
    assert "not sure" in not_understood("rf_injury", 1)[1][0]  # a yes/no safety question


def test_an_unknown_safety_answer_keeps_the_level_cautious():
    slots = {"age_years": 34, "rf_injury": False, "rf_can_bear_weight": True, "rf_hot_red_swollen": "unknown"}
    assert consultation.assess(slots).level == "soon"


def test_an_unknown_age_makes_the_55_plus_answer_unknown():
    updates = {"age_years": "unknown"}
    consultation.derive_answers(updates)
    assert updates["rf_age_55_plus"] == "unknown"


def test_ankle_answers_in_words():
    assert ankle_feel("my ankles feel really tight", "left", {}) == {"left": STIFF, "right": STIFF}
    assert ankle_feel("they're fine", "left", {}) == {"left": FINE, "right": FINE}
    assert ankle_feel("left one is worse", "left", {}) == {"left": STIFF, "right": FINE}
    assert ankle_feel("not tight at all", "right", {}) == {"right": FINE}
    assert ankle_feel("same as the other one", "right", {"ankle_wall_left_cm": 7.0}) == {"right": 7.0}
    assert ankle_feel("pass me the salt", "left", {}) == {}


def test_all_clear_words_answer_a_safety_question_without_a_false_alarm():
    slots = {"age_years": 34, "rf_injury": False}
    read = consultation.read_message
    assert read(slots, "rf_hot_red_swollen", "neither", "affirm").updates["rf_hot_red_swollen"] is False
    assert (
        read(slots, "rf_breathless_chest_pain", "calves are fine", "affirm").updates["rf_breathless_chest_pain"]
        is False
    )
    assert read(slots, "rf_can_bear_weight", "can do", "ask_capabilities").updates["rf_can_bear_weight"] is True
    assert read(slots, "rf_hot_red_swollen", "not fine, its red", "affirm").updates["rf_hot_red_swollen"] is True


def test_a_misread_answer_still_counts_as_an_attempt_but_a_question_does_not():
    assert consultation.is_attempted_answer("can do", "ask_capabilities")
    assert consultation.is_attempted_answer("the usual one", "greet")
    assert not consultation.is_attempted_answer("what is maltracking?", "ask_article_question")
    assert not consultation.is_attempted_answer("can you explain that again", "ask_capabilities")
    assert not consultation.is_attempted_answer("book me in for friday", "request_booking")


@pytest.mark.parametrize("text", ["they feel rigid", "really inflexible", "a lack of mobility in both"])
def test_stiffness_words_come_from_the_knowledge_base_vocabulary(text):
    # none of these is in self_check_answers' own word list; the vocabulary's `stiffness` concept has them
    assert set(ankle_feel(text, "left", {}).values()) == {"stiff"}


def test_a_word_the_trainer_adds_to_the_vocabulary_is_understood(monkeypatch):
    from knowledge.vocabulary import ConceptSpec
    from coaching import self_check_answers

    assert ankle_feel("a bit creaky", "left", {}) == {}
    monkeypatch.setattr(
        self_check_answers,
        "load_vocabulary",
        lambda: [ConceptSpec("stiffness", "symptom", "stiffness", synonyms=("creaky",))],
    )
    self_check_answers._stiff.cache_clear()
    try:
        assert ankle_feel("a bit creaky", "left", {}) == {"left": "stiff"}
        assert ankle_feel("not creaky at all", "left", {}) == {"left": "fine"}
    finally:
        self_check_answers._stiff.cache_clear()
