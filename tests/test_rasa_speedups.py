"""bot/rasa_speedups.py: each replacement gives what Rasa's own function gives, and the switch works.

Every comparison calls Rasa's original (kept by the module) and the
replacement on the same inputs. Replacements are in place only inside this
module's tests (`speedups` fixture), as in a server started by bot/serve.py.
Longer than our usual module: one section per replacement, each with the
inputs it is compared on, kept together with the tests of the switch.
"""

from __future__ import annotations

import copy
import logging
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import jsonschema
import numpy as np
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
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from bot import rasa_speedups

ROOT = Path(__file__).resolve().parents[1]
NAMES = (
    "action_response_validation",
    "event_class_lookup",
    "tensorflow_predict",
    "applied_events",
    "slot_copy",
    "graph_run",
)


@pytest.fixture(scope="module", autouse=True)
def speedups():
    report = rasa_speedups.apply(enabled=True)
    yield report
    rasa_speedups.restore()  # other test modules see Rasa's own code


@contextmanager
def rasas_own_code():
    rasa_speedups.restore()
    try:
        yield
    finally:
        rasa_speedups.apply(enabled=True)


def rasas_own_functions_in_place() -> bool:
    return all(
        owner.__dict__.get(attribute, rasa_speedups._MISSING) is rasa_speedups._originals[name]
        for name, (owner, attribute, _) in rasa_speedups._targets().items()
    )


# --- the switch and the version check ---------------------------------------------


def test_applied_on_the_rasa_it_was_written_for(speedups):
    assert speedups.active and speedups.applied == NAMES == rasa_speedups.replaced()
    assert rasa_speedups.apply(enabled=True).applied == NAMES  # idempotent
    for name in NAMES[:-2] + NAMES[-1:]:  # Rasa's own, not ours (Slot has no __copy__ of its own)
        assert rasa_speedups.original(name).__module__.startswith("rasa."), name
    assert rasa_speedups.original("slot_copy") is None


def test_switched_off_leaves_rasas_own_code():
    try:
        report = rasa_speedups.apply(enabled=False)
        assert not report.active and not report.enabled and rasa_speedups.replaced() == ()
        assert rasas_own_functions_in_place() and "__copy__" not in Slot.__dict__
        assert "RASA_SPEEDUPS" in report.describe()
    finally:
        rasa_speedups.apply(enabled=True)


def test_the_switch_is_read_from_settings(monkeypatch):
    import settings

    monkeypatch.setattr(settings, "RASA_SPEEDUPS", False)
    try:
        assert rasa_speedups.apply().applied == () and rasas_own_functions_in_place()
    finally:
        rasa_speedups.apply(enabled=True)


@pytest.mark.parametrize(
    "value, on", [(None, True), ("1", True), ("on", True), ("0", False), ("off", False), ("FALSE", False)]
)
def test_settings_reads_rasa_speedups(value, on):
    env = {k: v for k, v in os.environ.items() if k != "RASA_SPEEDUPS"}
    if value is not None:
        env["RASA_SPEEDUPS"] = value
    out = subprocess.run(
        [sys.executable, "-c", "import settings; print(settings.RASA_SPEEDUPS)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == str(on)


def test_another_rasa_version_leaves_rasas_own_code(monkeypatch, caplog):
    import rasa.version

    monkeypatch.setattr(rasa.version, "__version__", "3.6.20")
    try:
        with caplog.at_level(logging.WARNING, logger="bot.rasa_speedups"):
            report = rasa_speedups.apply(enabled=True)
        assert not report.active and report.enabled and report.rasa_version == "3.6.20"
        assert rasas_own_functions_in_place()
        assert "NOT applied" in caplog.text and "3.6.21" in caplog.text and "3.6.20" in caplog.text
        assert "3.6.20" in report.describe()
    finally:
        monkeypatch.undo()
        rasa_speedups.apply(enabled=True)


def test_importing_the_stores_patches_nothing():
    """In a fresh interpreter, as Rasa imports bot.stores through endpoints.yml."""
    script = (
        "import sys, bot.stores\n"
        "assert 'bot.rasa_speedups' not in sys.modules, 'bot.stores imported the speed-ups'\n"
        "from rasa.core.actions.action import RemoteAction\n"
        "from rasa.shared.core.events import Event\n"
        "from rasa.shared.core.slots import Slot\n"
        "from rasa.shared.core.trackers import DialogueStateTracker\n"
        "assert RemoteAction._validate_action_result.__module__ == 'rasa.core.actions.action'\n"
        "assert Event.resolve_by_type.__module__ == 'rasa.shared.core.events'\n"
        "assert DialogueStateTracker.applied_events.__module__ == 'rasa.shared.core.trackers'\n"
        "assert '__copy__' not in Slot.__dict__\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


# --- action response validation ----------------------------------------------------

VALID = [
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "slot", "name": "consent", "value": True}], "responses": [{"text": "hi"}]},
    {
        "events": [{"event": "active_loop", "name": None}],
        "responses": [{"text": "x", "buttons": [{"title": "a", "payload": "/b"}]}],
    },
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"events": [{"event": "slot", "name": 3}]},
    {"responses": "hello"},
    {"events": [{"event": "not_a_real_event"}]},
]
ACTION = RemoteAction("action_anything", None)


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_both(result):
    assert rasa_speedups.original("action_response_validation")(ACTION, result) is True
    assert rasa_speedups.validate_action_result(ACTION, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_both_with_the_same_error(result):
    with pytest.raises(jsonschema.ValidationError) as theirs:
        rasa_speedups.original("action_response_validation")(ACTION, result)
    with pytest.raises(jsonschema.ValidationError) as ours:
        rasa_speedups.validate_action_result(ACTION, result)
    assert ours.value.message == theirs.value.message
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.path) == list(theirs.value.path)
    assert list(ours.value.schema_path) == list(theirs.value.schema_path)


# --- event classes by type name ---------------------------------------------------


def _lookup(resolve, *args):
    try:
        return resolve(*args)
    except ValueError as error:
        return f"ValueError: {error}"


@pytest.mark.parametrize("default", [None, SlotSet])
def test_every_event_type_resolves_as_in_rasa(default):
    names = [cls.type_name for cls in all_subclasses(Event)] + ["topic", "no_such_event", ""]
    for _ in range(2):  # the second round answers from what was remembered
        for name in names:
            theirs = _lookup(rasa_speedups.original("event_class_lookup"), name, default)
            assert _lookup(rasa_speedups.resolve_by_type, name, default) == theirs, name
            assert _lookup(Event.resolve_by_type, name, default) == theirs, name
    assert Event.from_parameters({"event": "slot", "name": "side", "value": "left"}) == SlotSet("side", "left")


# --- applied events --------------------------------------------------------------


def _user(intent, text="x"):
    return UserUttered(text, {"name": intent, "confidence": 1.0})


# Conversations that exercise every rule of Rasa's applied_events: a form that
# runs, is interrupted (rejected) and resumes, reverted actions and utterances,
# a restart and a new session.
CONVERSATIONS = [
    [
        ActionExecuted("action_listen"),
        _user("inform_symptoms"),
        ActionExecuted("consultation_form"),
        ActiveLoop("consultation_form"),
        SlotSet("requested_slot", "rf_injury"),
        ActionExecuted("action_listen"),
        _user("deny"),
        ActionExecuted("consultation_form"),
        SlotSet("rf_injury", False),
        SlotSet("requested_slot", "rf_hot_swollen"),
        ActionExecuted("action_listen"),
        _user("ask_article"),
        ActionExecutionRejected("consultation_form"),
        ActionExecuted("action_answer_from_article"),
        BotUttered("answer"),
        ActionExecuted("consultation_form"),
        SlotSet("requested_slot", "rf_hot_swollen"),
        ActionExecuted("action_listen"),
        _user("deny"),
        ActionExecuted("consultation_form"),
        SlotSet("rf_hot_swollen", False),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        ActionExecuted("action_conclude_consultation"),
        BotUttered("done"),
        ActionExecuted("action_listen"),
    ],
    [
        ActionExecuted("action_listen"),
        _user("greet"),
        ActionExecuted("utter_greet"),
        BotUttered("hi"),
        ActionExecuted("action_listen"),
        _user("affirm"),
        ActionExecuted("utter_x"),
        ActionReverted(),
        ActionExecuted("action_listen"),
        _user("deny"),
        UserUtteranceReverted(),
        ActionExecuted("action_listen"),
        _user("bye"),
        ActionExecuted("action_restart"),
        Restarted(),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        SlotSet("side", "left"),
        ActionExecuted("action_listen"),
        _user("greet"),
        ActionExecuted("utter_greet"),
    ],
]


@pytest.mark.parametrize("events", CONVERSATIONS)
def test_applied_events_match_rasa_after_every_event(events):
    tracker = DialogueStateTracker("someone", [])
    for event in events:
        tracker.update(event)
        expected = rasa_speedups.original("applied_events")(tracker)
        first = rasa_speedups.applied_events(tracker)
        assert first == expected
        first.append("a caller's own change")  # callers get their own list
        assert tracker.applied_events() == expected


def test_applied_events_of_a_copied_tracker_follow_the_copy():
    tracker = DialogueStateTracker.from_events("someone", CONVERSATIONS[0][:10])
    before = tracker.applied_events()
    copy_ = tracker.copy()
    copy_.update(ActionExecuted("action_listen"))
    assert copy_.applied_events() == rasa_speedups.original("applied_events")(copy_)
    assert tracker.applied_events() == before


# --- slot copies -----------------------------------------------------------------


def test_slot_copies_are_what_rasas_copy_copy_makes():
    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(ROOT / "domain.yml"))
    assert domain.slots, "the domain has slots"
    for slot in domain.slots:
        slot.value = ["a"] if slot.type_name == "list" else slot.initial_value
        with rasas_own_code():
            theirs = copy.copy(slot)  # no Slot.__copy__: the generic pickle protocol
        ours = copy.copy(slot)
        assert type(ours) is type(theirs) is type(slot) and ours is not slot
        assert ours.__dict__.keys() == theirs.__dict__.keys()
        assert all(ours.__dict__[k] is theirs.__dict__[k] for k in slot.__dict__)  # shallow, the same sharing
        ours.value = "changed"
        assert slot.value != "changed"


# --- TensorFlow inference and graph runs, on the trained model ----------------------

MESSAGES = [
    "hi",
    "my left knee hurts at the front when i go down stairs",
    "yes",
    "nope",
    "about 3 weeks",
    "6/10",
    "i run twice a week",
    "6 cm",
    "everything stayed level",
    "what exercises help my ankles?",
    "kne hurts wen i squat, rite side, like 7 out of 10",
    "I twisted it and it swelled up straight away",
    "delete my data",
    "can i book a session on friday",
    "🙂🙂",
    "x" * 300,
    "qué ejercicios hago",
]


@pytest.fixture(scope="module")
def agent(trained_model):
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))


@pytest.fixture(scope="module")
def loop():
    import asyncio

    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def _same_outputs(ours, theirs, where=""):
    """Model outputs (nested dicts, lists, arrays) equal up to float rounding."""
    if isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), where
        for key in theirs:
            _same_outputs(ours[key], theirs[key], f"{where}/{key}")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), where
        for index, (a, b) in enumerate(zip(ours, theirs)):
            _same_outputs(a, b, f"{where}[{index}]")
    elif isinstance(theirs, np.ndarray):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, where
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6, err_msg=where)
    else:
        assert ours == pytest.approx(theirs, abs=1e-6), where


def test_tensorflow_predict_gives_rasas_outputs_on_the_models_own_batches(agent, loop, monkeypatch):
    from rasa.utils.tensorflow.models import RasaModel

    loop.run_until_complete(agent.parse_message("warm up"))  # the first call traces the graphs
    calls = []

    def recorded(model, batch):
        calls.append((model, batch))
        return rasa_speedups.rasa_predict(model, batch)

    monkeypatch.setattr(RasaModel, "_rasa_predict", recorded)
    for text in MESSAGES[:6]:
        loop.run_until_complete(agent.parse_message(text))
    monkeypatch.undo()
    assert calls, "the pipeline runs a TensorFlow model"
    for model, batch in calls:
        theirs = rasa_speedups.original("tensorflow_predict")(model, batch)
        _same_outputs(rasa_speedups.rasa_predict(model, batch), theirs)


def test_graph_run_gives_rasas_parse_results(agent):
    from rasa.core.channels import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER

    processor = agent.processor
    target = processor.model_metadata.nlu_target
    tracker = DialogueStateTracker("someone", [])

    def parse(run, text):
        inputs = {PLACEHOLDER_MESSAGE: [UserMessage(text)], PLACEHOLDER_TRACKER: tracker}
        results = run(processor.graph_runner, inputs, [target])
        return [message.as_dict(only_output_properties=True) for message in results[target]]

    for text in MESSAGES:
        _same_outputs(parse(rasa_speedups.run_graph, text), parse(rasa_speedups.original("graph_run"), text), text)


def _same_parse(ours, theirs):
    assert ours["intent"]["name"] == theirs["intent"]["name"]
    assert ours["intent"]["confidence"] == pytest.approx(theirs["intent"]["confidence"], abs=1e-5)
    assert [r["name"] for r in ours["intent_ranking"]] == [r["name"] for r in theirs["intent_ranking"]]
    assert [r["confidence"] for r in ours["intent_ranking"]] == pytest.approx(
        [r["confidence"] for r in theirs["intent_ranking"]], abs=1e-5
    )
    assert ours["entities"] == theirs["entities"]


def test_the_trained_model_parses_and_predicts_as_with_rasas_own_code(agent, loop, monkeypatch):
    """All replacements together, against all of Rasa's own code, on a consultation."""
    parse = lambda text: loop.run_until_complete(agent.parse_message(text))  # noqa: E731
    processor = agent.processor
    parse("warm up")  # the first calls trace the TensorFlow graphs, on Rasa's own path
    processor._predict_next_with_tracker(DialogueStateTracker.from_events("warm-up", [ActionExecuted("action_listen")]))
    fallbacks = []
    rasas = rasa_speedups.original

    def counting(name):
        if name == "tensorflow_predict":
            fallbacks.append(name)
        return rasas(name)

    monkeypatch.setattr(rasa_speedups, "original", counting)
    ours = [parse(text) for text in MESSAGES]
    with rasas_own_code():
        theirs = [parse(text) for text in MESSAGES]
    for a, b in zip(ours, theirs):
        _same_parse(a, b)

    events = [ActionExecuted("action_listen")]  # dialogue predictions after each message of a consultation
    for data in ours[:9]:
        events += [UserUttered(data["text"], data["intent"], data["entities"], data)]
        tracker = DialogueStateTracker.from_events("someone", events, slots=agent.domain.slots)
        mine = processor._predict_next_with_tracker(tracker)
        with rasas_own_code():
            rasas_prediction = processor._predict_next_with_tracker(tracker)
        assert mine.policy_name == rasas_prediction.policy_name
        assert mine.probabilities == pytest.approx(rasas_prediction.probabilities, abs=1e-5)
        best = max(range(len(mine.probabilities)), key=mine.probabilities.__getitem__)
        events += [ActionExecuted(agent.domain.action_names_or_texts[best]), ActionExecuted("action_listen")]
    assert not fallbacks, "inference took Rasa's slow path after the first call"
