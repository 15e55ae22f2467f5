"""Custom actions run directly with rasa-sdk's CollectingDispatcher (no servers)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.article import ActionAnswerFromArticle
from bot.actions.booking import ValidateBookingForm
from bot.actions.clarify import ActionClarify
from bot.actions.consultation import ValidateConsultationForm
from coaching import booking_flow, consultation


@pytest.fixture(autouse=True)
def _knowledge(built_knowledge_base):
    return built_knowledge_base


def run_action(action, text, intent="ask_article_question"):
    tracker = Tracker(
        sender_id="unit",
        slots={},
        latest_message={"text": text, "intent": {"name": intent}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return "\n".join(m["text"] for m in dispatcher.messages), events


def test_answer_quotes_and_cites_the_article():
    reply, events = run_action(ActionAnswerFromArticle(), "why do stiff ankles cause knee pain?")
    assert "ankle joint lacks flexibility" in reply
    assert "Simon Jarvis" in reply and "Stiff Ankles and Knee Pain" in reply
    assert "not a diagnosis" in reply
    assert events == []


def test_answer_for_unknown_topic_says_so():
    reply, _ = run_action(ActionAnswerFromArticle(), "how do I repair a bicycle puncture")
    assert "couldn't find anything about that" in reply


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "didn't receive any text"),
        ("🙈🙈", "not emoji"),
        ("x" * 10_000, "long message"),
        ("Je ne sais pas pourquoi mon genou me fait mal", "only chat in English"),
    ],
)
def test_clarify_explains_unusable_input(text, expected):
    reply, _ = run_action(ActionClarify(), text, intent="nlu_fallback")
    assert expected in reply


def test_clarify_tries_the_article_when_the_classifier_was_unsure():
    reply, _ = run_action(ActionClarify(), "hips knee lateral movement meniscus", intent="nlu_fallback")
    assert "not completely sure" in reply and "meniscus" in reply


def test_clarify_admits_it_did_not_understand():
    reply, _ = run_action(ActionClarify(), "purple monkey dishwasher", intent="nlu_fallback")
    assert "not sure I understood" in reply


# --- the two forms on rasa-sdk's hooks (FormValidationAction.run, as the action server calls it) ----

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[1] / "domain.yml").read_text())
SAFETY_ANSWERED = {
    "age_years": 40,
    "rf_injury": False,
    "rf_can_bear_weight": True,
    "rf_can_bend_90": True,
    "rf_pop_swelling": False,
    "rf_age_55_plus": False,
    "rf_hot_red_swollen": False,
    "rf_calf_pain_swelling": False,
    "rf_breathless_chest_pain": False,
    "rf_locking_giving_way": False,
}


def run_form(action, slots, requested, text, intent, asked_before=0, latest_action=None):
    """One validation call: the events and the texts (or responses) sent to the person."""
    events = [{"event": "action", "name": "action_listen"}]
    for _ in range(asked_before):
        events += [
            {"event": "bot", "text": "?", "metadata": {"utter_action": f"utter_ask_{requested}"}},
            {"event": "user", "text": "?"},
        ]
    form = latest_action or action.form_name()
    events += [{"event": "slot", "name": "requested_slot", "value": requested}, {"event": "action", "name": form}]
    tracker = Tracker(
        sender_id="unit",
        slots={**slots, "requested_slot": requested},
        latest_message={"text": text, "intent": {"name": intent}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": action.form_name()},
        latest_action_name=form,
    )
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    said = [m["text"] or m["response"] for m in dispatcher.messages]
    return {e["name"]: e["value"] for e in result if e["event"] == "slot"}, said


def test_consultation_keeps_every_fact_of_one_message_and_asks_the_next_question():
    slots, said = run_form(
        ValidateConsultationForm(),
        {**SAFETY_ANSWERED, "rf_other_warning_signs": False},
        "knee_side",
        "left knee, front, stairs, 3 weeks, 6/10",
        "inform_symptoms",
    )
    assert slots["knee_side"] == "left" and slots["knee_location"] == "front" and slots["pain_score"] == 6
    assert (
        slots["requested_slot"]
        == consultation.remaining_slots({**SAFETY_ANSWERED, "rf_other_warning_signs": False, **slots})[0]
    )
    assert said == []


def test_consultation_says_when_the_safety_questions_are_done():
    slots, said = run_form(ValidateConsultationForm(), SAFETY_ANSWERED, "rf_other_warning_signs", "no", "deny")
    assert slots == {"rf_other_warning_signs": False, "requested_slot": "knee_side"}
    assert said == ["utter_screening_clear"]


def test_consultation_asks_differently_once_then_moves_on():
    form, answered = ValidateConsultationForm(), {**SAFETY_ANSWERED, "rf_other_warning_signs": False}
    first, said = run_form(form, answered, "knee_side", "blorp", "inform_symptoms", asked_before=1)
    assert first == {"requested_slot": "knee_side"} and "You could answer with" in said[0]
    third, said = run_form(form, answered, "knee_side", "blorp", "inform_symptoms", asked_before=2)
    assert third == {"knee_side": "unknown", "requested_slot": "knee_location"}
    assert said == ["I'll note that one as unknown and move on."]


def test_consultation_steps_aside_for_a_question():
    slots, said = run_form(
        ValidateConsultationForm(),
        {"age_years": 40},
        "rf_injury",
        "why does my knee hurt?",
        "ask_article_question",
        asked_before=2,
    )
    assert slots == {"requested_slot": "rf_injury"} and said == []  # only requested_slot: Rasa lets a rule answer


def test_consultation_keeps_a_volunteered_warning_sign_and_ends_for_the_conclusion():
    slots, _ = run_form(
        ValidateConsultationForm(),
        {**SAFETY_ANSWERED, "rf_other_warning_signs": False},
        "knee_side",
        "my calf is swollen and hot",
        "report_red_flag",
    )
    # volunteered_flags is no question of the form: rasa-sdk's default would drop it
    assert slots["volunteered_flags"] == ["calf"] and slots["rf_calf_pain_swelling"] is True
    assert slots["requested_slot"] is None


def test_booking_reads_several_facts_and_asks_for_the_read_back():
    slots, said = run_form(
        ValidateBookingForm(),
        {"booking_slot": "k"},
        "booking_name",
        "I'm Priya Patel, you can reach me on 07700 900123",
        "inform_booking_details",
    )
    assert slots == {
        "booking_contact": {"kind": "phone", "value": "07700900123"},
        "booking_name": "Priya Patel",
        "requested_slot": "booking_confirmed",
    }
    assert said == []


def test_booking_hint_counts_an_attempt_and_a_question_steps_aside():
    form = ValidateBookingForm()
    slots = {"booking_slot": "k", "booking_name": "Sam", "booking_contact": {"kind": "email", "value": "a@b.co"}}
    events, said = run_form(form, {**slots, "booking_attempts": 1}, "booking_confirmed", "hmm", "nlu_fallback")
    assert events == {"booking_attempts": 2, "requested_slot": "booking_confirmed"}
    assert said == [booking_flow.hint("booking_confirmed")]
    events, said = run_form(form, slots, "booking_confirmed", "are you a bot?", "bot_challenge")
    assert events == {"requested_slot": "booking_confirmed"} and said == []  # nothing filled: Rasa lets a rule answer


def test_booking_yes_at_the_read_back_ends_the_form_and_the_start_message_is_not_read_twice():
    filled = {"booking_slot": "k", "booking_name": "Sam", "booking_contact": {"kind": "email", "value": "a@b.co"}}
    slots, _ = run_form(ValidateBookingForm(), filled, "booking_confirmed", "yes please", "affirm")
    assert slots == {"booking_confirmed": True, "requested_slot": None}
    slots, said = run_form(
        ValidateBookingForm(), {}, None, "book me, sam@x.com", "request_booking", latest_action="action_start_booking"
    )
    assert slots == {"requested_slot": "booking_slot"} and said == []
