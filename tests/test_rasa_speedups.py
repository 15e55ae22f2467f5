"""Each fix in bot/rasa_speedups.py must give exactly the results of Rasa's own code."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from bot import rasa_speedups

rasa_speedups.apply()  # what the Rasa server does when it loads bot/stores.py

ROOT = Path(__file__).resolve().parents[1]

VALID = [
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "slot", "name": "consent", "value": True}], "responses": [{"text": "hi"}]},
    {"events": [{"event": "active_loop", "name": None}], "responses": [{"text": "x", "buttons": [{"title": "a", "payload": "/b"}]}]},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"events": [{"event": "slot", "name": 3}]},
    {"responses": "hello"},
    {"events": [{"event": "not_a_real_event"}]},
]


def rasa_original(result):
    """What Rasa 3.6 does: jsonschema.validate with the schema check on every call."""
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_both(result):
    rasa_original(result)
    assert rasa_speedups.validate_action_result(None, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_both_with_the_same_error(result):
    with pytest.raises(jsonschema.ValidationError) as original:
        rasa_original(result)
    with pytest.raises(jsonschema.ValidationError) as ours:
        rasa_speedups.validate_action_result(None, result)
    assert ours.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.path) == list(original.value.path)


def test_loading_our_stores_installs_the_fix():
    import bot.stores  # noqa: F401  (what Rasa imports through endpoints.yml)

    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event
    from rasa.shared.core.slots import Slot
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.tensorflow.models import RasaModel

    assert RemoteAction._validate_action_result is rasa_speedups.validate_action_result
    assert Event.resolve_by_type is rasa_speedups.resolve_by_type
    assert RasaModel._rasa_predict is rasa_speedups.rasa_predict
    assert DialogueStateTracker.applied_events is rasa_speedups.applied_events
    assert Slot.__copy__ is rasa_speedups.copy_slot
    assert DaskGraphRunner.run is rasa_speedups.run_graph
    rasa_speedups.apply()  # idempotent: the originals stay Rasa's own
    assert rasa_speedups._original_rasa_predict is not rasa_speedups.rasa_predict


# --- event classes by type name ---------------------------------------------------

def test_every_event_type_resolves_to_rasas_class():
    for cls in all_subclasses(Event):
        assert rasa_speedups.resolve_by_type(cls.type_name) is rasa_speedups._original_resolve_by_type(cls.type_name)
        assert Event.resolve_by_type(cls.type_name) is rasa_speedups._original_resolve_by_type(cls.type_name)


def test_unknown_event_types_behave_as_in_rasa():
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet  # a default is not remembered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.from_parameters({"event": "slot", "name": "side", "value": "left"}) == SlotSet("side", "left")


# --- applied events --------------------------------------------------------------

def _user(intent, text="x"):
    return UserUttered(text, {"name": intent, "confidence": 1.0})


# Conversations that exercise every rule of Rasa's applied_events: a form that
# runs, is interrupted (rejected) and resumes, reverted actions and utterances,
# a restart and a new session.
CONVERSATIONS = [
    [
        ActionExecuted("action_listen"), _user("inform_symptoms"),
        ActionExecuted("consultation_form"), ActiveLoop("consultation_form"), SlotSet("requested_slot", "rf_injury"),
        ActionExecuted("action_listen"), _user("deny"),
        ActionExecuted("consultation_form"), SlotSet("rf_injury", False), SlotSet("requested_slot", "rf_hot_swollen"),
        ActionExecuted("action_listen"), _user("ask_article"),
        ActionExecutionRejected("consultation_form"),
        ActionExecuted("action_answer_from_article"), BotUttered("answer"),
        ActionExecuted("consultation_form"), SlotSet("requested_slot", "rf_hot_swollen"),
        ActionExecuted("action_listen"), _user("deny"),
        ActionExecuted("consultation_form"), SlotSet("rf_hot_swollen", False), ActiveLoop(None),
        SlotSet("requested_slot", None), ActionExecuted("action_conclude_consultation"), BotUttered("done"),
        ActionExecuted("action_listen"),
    ],
    [
        ActionExecuted("action_listen"), _user("greet"), ActionExecuted("utter_greet"), BotUttered("hi"),
        ActionExecuted("action_listen"), _user("affirm"), ActionExecuted("utter_x"), ActionReverted(),
        ActionExecuted("action_listen"), _user("deny"), UserUtteranceReverted(),
        ActionExecuted("action_listen"), _user("bye"), ActionExecuted("action_restart"), Restarted(),
        ActionExecuted("action_session_start"), SessionStarted(), SlotSet("side", "left"),
        ActionExecuted("action_listen"), _user("greet"), ActionExecuted("utter_greet"),
    ],
]


@pytest.mark.parametrize("events", CONVERSATIONS)
def test_applied_events_match_rasa_after_every_event(events):
    tracker = DialogueStateTracker("someone", [])
    for event in events:
        tracker.update(event)
        expected = rasa_speedups._original_applied_events(tracker)
        first = tracker.applied_events()
        assert first == expected
        first.append("a caller's own change")  # callers get their own list
        assert tracker.applied_events() == expected


def test_applied_events_of_a_copied_tracker_follow_the_copy():
    tracker = DialogueStateTracker.from_events("someone", CONVERSATIONS[0][:10])
    before = tracker.applied_events()
    copy_ = tracker.copy()
    copy_.update(ActionExecuted("action_listen"))
    assert copy_.applied_events() == rasa_speedups._original_applied_events(copy_)
    assert tracker.applied_events() == before


# --- slot copies -----------------------------------------------------------------

def test_slot_copies_are_what_copy_copy_made_before():
    import copy

    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(ROOT / "domain.yml"))
    assert domain.slots, "the domain has slots"
    for slot in domain.slots:
        slot.value = ["a"] if slot.type_name == "list" else slot.initial_value
        ours = copy.copy(slot)
        assert ours is not slot and type(ours) is type(slot)
        assert ours.__dict__ == slot.__dict__
        assert all(ours.__dict__[k] is v for k, v in slot.__dict__.items())  # shallow, like copy.copy
        ours.value = "changed"
        assert slot.value != "changed"


# --- TensorFlow inference and graph runs, on the trained model ----------------------

MESSAGES = [
    "hi", "my left knee hurts at the front when i go down stairs", "yes", "nope", "about 3 weeks", "6/10",
    "i run twice a week", "6 cm", "everything stayed level", "what exercises help my ankles?",
    "kne hurts wen i squat, rite side, like 7 out of 10", "I twisted it and it swelled up straight away",
    "delete my data", "can i book a session on friday", "🙂🙂", "x" * 300, "qué ejercicios hago",
]


ORIGINALS = {"predict": rasa_speedups._original_rasa_predict, "graph_run": rasa_speedups._original_graph_run}


@contextmanager
def rasas_own_code():
    """Rasa's original inference and graph runner, for comparison."""
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.utils.tensorflow.models import RasaModel

    RasaModel._rasa_predict = ORIGINALS["predict"]
    DaskGraphRunner.run = ORIGINALS["graph_run"]
    try:
        yield
    finally:
        RasaModel._rasa_predict = rasa_speedups.rasa_predict
        DaskGraphRunner.run = rasa_speedups.run_graph


@pytest.fixture(scope="module")
def agent(trained_model):
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))


def _same_parse(ours, theirs):
    assert ours["intent"]["name"] == theirs["intent"]["name"]
    assert ours["intent"]["confidence"] == pytest.approx(theirs["intent"]["confidence"], abs=1e-5)
    assert [r["name"] for r in ours["intent_ranking"]] == [r["name"] for r in theirs["intent_ranking"]]
    assert [r["confidence"] for r in ours["intent_ranking"]] == pytest.approx(
        [r["confidence"] for r in theirs["intent_ranking"]], abs=1e-5
    )
    assert ours["entities"] == theirs["entities"]


def test_the_trained_model_parses_and_predicts_exactly_as_with_rasas_own_code(agent, monkeypatch):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker as Tracker

    loop = asyncio.new_event_loop()
    try:
        parse = lambda text: loop.run_until_complete(agent.parse_message(text))  # noqa: E731
        processor = agent.processor
        # The first calls trace the TensorFlow graphs, on Rasa's own path.
        parse("warm up")
        processor._predict_next_with_tracker(Tracker.from_events("warm-up", [ActionExecuted("action_listen")]))
        fallbacks = []
        monkeypatch.setattr(
            rasa_speedups, "_original_rasa_predict", lambda *a: fallbacks.append(1) or ORIGINALS["predict"](*a)
        )
        ours = [parse(text) for text in MESSAGES]
        with rasas_own_code():
            theirs = [parse(text) for text in MESSAGES]
        for a, b in zip(ours, theirs):
            _same_parse(a, b)

        # Dialogue predictions after each message of a consultation.
        events = [ActionExecuted("action_listen")]
        for data in ours[:9]:
            events += [UserUttered(data["text"], data["intent"], data["entities"], data)]
            tracker = Tracker.from_events("someone", events, slots=agent.domain.slots)
            mine = processor._predict_next_with_tracker(tracker)
            with rasas_own_code():
                rasas = processor._predict_next_with_tracker(tracker)
            assert mine.policy_name == rasas.policy_name
            assert mine.probabilities == pytest.approx(rasas.probabilities, abs=1e-5)
            best = max(range(len(mine.probabilities)), key=mine.probabilities.__getitem__)
            events += [ActionExecuted(agent.domain.action_names_or_texts[best]), ActionExecuted("action_listen")]
        assert not fallbacks, "inference took Rasa's slow path after the first call"
    finally:
        loop.close()
