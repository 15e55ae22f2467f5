"""bot/action_failures.py against Rasa's own behaviour, with the trained model and a stand-in action server.

Rasa's own code leaves the person in silence when the action server is down;
with the wrappers applied (as bot/serve.py does) the person hears TROUBLE
once, their message is taken back, and the same message sent once the server
is back gives what it would have given without the failure.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import settings
from bot import action_failures
from tests.conftest import free_port

QUESTION = "why do stiff ankles cause knee pain?"
ANSWER = "stand-in answer"


class StandIn:
    """An action server on 127.0.0.1 answering every action; `mode` up / down / error / slow / reject."""

    def __init__(self) -> None:
        self.mode = "up"
        self.calls = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                name = body["next_action"]
                standin.calls.append(name)
                if standin.mode == "slow":
                    time.sleep(3)
                if standin.mode == "error":
                    return self._reply(500, {"error": "boom"})
                if standin.mode == "reject":
                    return self._reply(400, {"action_name": name, "error": "not for me"})
                if name == "action_session_start":
                    events = [{"event": "session_started"}, {"event": "action", "name": "action_listen"}]
                    return self._reply(200, {"events": events, "responses": []})
                return self._reply(200, {"events": [], "responses": [{"text": ANSWER}]})

            def _reply(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except BrokenPipeError:  # the slow mode's caller gave up already
                    pass

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.server = None
        self._handler = Handler

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture(scope="module")
def standin():
    server = StandIn()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def agent(trained_model, standin):
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    return Agent.load(str(trained_model), action_endpoint=EndpointConfig(standin.url))


@pytest.fixture
def ours():
    action_failures.apply()
    yield
    action_failures.restore()


def say(agent, loop, sender, text):
    replies = loop.run_until_complete(agent.handle_text(text, sender_id=sender))
    return [reply.get("text") for reply in replies or []]


def tracker_of(agent, loop, sender) -> DialogueStateTracker:
    return loop.run_until_complete(agent.tracker_store.retrieve(sender))


def dialogue(tracker):
    """What the policies go by: actions, messages (intent), slots and loops, in order."""
    kept = []
    for event in tracker.applied_events():
        if isinstance(event, ActionExecuted):
            kept.append(("action", event.action_name))
        elif isinstance(event, UserUttered):
            kept.append(("user", event.text, event.intent_name))
        elif isinstance(event, (SlotSet, ActiveLoop)):
            kept.append(
                (type(event).__name__, getattr(event, "key", None) or event.name, getattr(event, "value", None))
            )
    return kept


def test_rasas_own_code_leaves_the_person_in_silence(agent, loop, standin):
    action_failures.restore()
    standin.stop()  # the action server is down
    assert say(agent, loop, "rasa-own", QUESTION) == []


def test_the_person_hears_once_and_the_message_is_taken_back(agent, loop, standin, ours):
    standin.stop()
    assert say(agent, loop, "down-then-up", QUESTION) == [action_failures.TROUBLE]
    tracker = tracker_of(agent, loop, "down-then-up")
    assert not [e for e in tracker.applied_events() if isinstance(e, UserUttered)]  # taken back
    assert tracker.latest_action_name == "action_listen"
    assert any(isinstance(e, SessionStarted) for e in tracker.events)  # Rasa's own session start stood in

    standin.start()  # back: the same message now gets its answer, as if nothing had failed
    assert say(agent, loop, "down-then-up", QUESTION) == [ANSWER]
    assert say(agent, loop, "never-down", QUESTION) == [ANSWER]
    assert dialogue(tracker_of(agent, loop, "down-then-up")) == dialogue(tracker_of(agent, loop, "never-down"))


def test_an_error_from_the_action_server_is_answered_the_same_way(agent, loop, standin, ours):
    standin.start() if standin.server is None else None
    assert say(agent, loop, "errors", "hi") is not None  # a session and a first turn
    standin.mode = "error"
    try:
        assert say(agent, loop, "errors", QUESTION) == [action_failures.TROUBLE]
    finally:
        standin.mode = "up"
    assert say(agent, loop, "errors", QUESTION) == [ANSWER]


def test_a_hung_action_server_is_given_up_on_after_the_timeout(agent, loop, standin, ours, monkeypatch):
    standin.start() if standin.server is None else None
    say(agent, loop, "hung", "hi")
    monkeypatch.setattr(settings, "ACTION_TIMEOUT_SECONDS", 0.5)
    standin.mode = "slow"
    try:
        started = time.monotonic()
        assert say(agent, loop, "hung", QUESTION) == [action_failures.TROUBLE]
        assert time.monotonic() - started < 2.5
    finally:
        standin.mode = "up"


def test_a_form_rejecting_its_turn_is_not_a_failure(agent, loop, standin, ours):
    standin.start() if standin.server is None else None
    say(agent, loop, "rejects", "hi")
    standin.mode = "reject"
    try:
        replies = say(agent, loop, "rejects", QUESTION)
    finally:
        standin.mode = "up"
    assert action_failures.TROUBLE not in replies


# --- the plain parts -------------------------------------------------------------------------------


def test_the_slots_a_new_session_drops_are_those_of_our_session_start():
    from bot.actions.safety import NOT_CARRIED_OVER

    assert action_failures.NOT_CARRIED_OVER == NOT_CARRIED_OVER


def test_a_message_is_taken_back_only_when_this_turn_has_one():
    listen = ActionExecuted("action_listen")
    in_turn = DialogueStateTracker.from_events("a", [listen, UserUttered("hi"), ActionExecuted("x")])
    outside = DialogueStateTracker.from_events("b", [listen, UserUttered("hi"), ActionExecuted("x"), listen])
    assert [type(e).__name__ for e in action_failures.failure_events(in_turn, "x")] == [
        "ActionExecutionRejected",
        "BotUttered",
        "UserUtteranceReverted",
        "FollowupAction",
    ]
    assert [type(e).__name__ for e in action_failures.failure_events(outside, "x")] == ["BotUttered", "FollowupAction"]


def test_a_form_that_fails_mid_question_is_left_at_that_question(agent):
    """Logged the way Rasa's processor logs an action's events: the form is still at its question."""
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import BotUttered

    form = "consultation_form"
    asked = [
        ActionExecuted("action_listen"),
        UserUttered("yes", {"name": "affirm"}),
        ActionExecuted("action_record_consent"),
        SlotSet("consent_given", True),
        ActionExecuted(form),
        ActiveLoop(form),
        SlotSet("requested_slot", "age_years"),
        BotUttered("First, how old are you?"),
        ActionExecuted("action_listen"),
    ]
    tracker = DialogueStateTracker.from_events(
        "f", asked + [UserUttered("34", {"name": "inform_symptoms"})], slots=agent.domain.slots
    )
    before = dialogue(DialogueStateTracker.from_events("g", asked, slots=agent.domain.slots))
    prediction = PolicyPrediction.for_action_name(agent.domain, form, "RulePolicy")
    action = action_failures.guarded(agent.processor._get_action(form))
    MessageProcessor._log_action_on_tracker(
        agent.processor, tracker, action, action_failures.failure_events(tracker, form), prediction
    )
    assert tracker.followup_action == "action_listen"
    tracker.update(ActionExecuted("action_listen"))  # the follow-up the processor runs next
    assert dialogue(tracker) == before  # the question still open: not even "yes" taken back
    assert tracker.active_loop_name == form and tracker.get_slot("requested_slot") == "age_years"


def test_nothing_is_replaced_until_applied_and_restore_puts_rasas_back():
    from rasa.core.processor import MessageProcessor

    action_failures.restore()
    assert not action_failures.applied()
    rasas = MessageProcessor.__dict__["predict_next_with_tracker_if_should"]
    action_failures.apply()
    assert action_failures.applied()
    action_failures.restore()
    assert MessageProcessor.__dict__["predict_next_with_tracker_if_should"] is rasas
