"""The safety net's actions: say the urgent advice first, keep the flag on record.

Thin adapters over coaching/safety.py (what to say and record) and
records/safety.py (where it is kept). bot/policies/safety_net.py makes
`action_safety_net` run first on any message that carries a warning sign.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.off_loop import OffLoopAction
from bot.actions.resources import safety_store
from bot.erasure import ERASURE_SLOT
from coaching import safety, triage
from records.safety import journal_from_settings, load_open_flags

log = logging.getLogger(__name__)
# Slots a new session does not carry over: per-turn state, or markers acted on already.
NOT_CARRIED_OVER = {"requested_slot", ERASURE_SLOT, "session_started_metadata"}


def _store():
    try:
        return safety_store()
    except Exception:  # noqa: BLE001 - no database: the tracker's copy of the record still counts
        log.exception("the safety record store is unavailable")
        return None


def safety_state(tracker: Tracker) -> safety.SafetyState:
    """What is on record for this conversation: the tracker's slots and the database together.

    Reading also repairs: a flag the tracker holds but the database lacks (its
    save failed earlier) is saved now, and leaves the inbox's unsaved list.
    """
    signs, answers = load_open_flags(_store(), tracker.sender_id)
    in_tracker = safety.from_slots(tracker.slots)
    state = safety.combine(in_tracker, safety.SafetyState(signs, answers))
    if in_tracker.is_red_flag and (in_tracker.signs - signs or set(in_tracker.answers) - set(answers)):
        save_record(tracker, state)
    return state


def save_record(tracker: Tracker, state: safety.SafetyState, turn: safety.SafetyTurn = None) -> bool:
    """Write the record; on failure journal it for the inbox. The advice has been sent already."""
    rules_cleared = turn.cleared if turn else frozenset()
    cleared_answers = {slot for sign in rules_cleared for slot in triage.load_red_flags().signs[sign].sets}
    journal = journal_from_settings()
    kept = safety.on_record(state)  # a taken-back answer closes its row rather than staying on record
    try:
        store = safety_store()
        store.record(
            tracker.sender_id,
            kept.signs,
            kept.answers,
            state.level,
            channel=tracker.get_latest_input_channel() or "rest",
            cleared_signs=rules_cleared,
            cleared_answers=cleared_answers,
        )
    except Exception as error:  # noqa: BLE001 - whatever broke, the person already has the advice
        log.error("could not save the safety record of a conversation: %s", type(error).__name__)
        try:
            journal.add(tracker.sender_id, state.level, state.signs, f"{type(error).__name__}: {error}")
        except OSError:
            log.exception("could not write the safety journal either")
        return False
    journal.forget(tracker.sender_id)
    return True


def slot_events(state: safety.SafetyState) -> List[EventType]:
    return [SlotSet(name, value) for name, value in safety.slot_values(state).items()]


class ActionSafetyNet(OffLoopAction):
    def name(self) -> Text:
        return "action_safety_net"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        found = safety.found_in(tracker.latest_message)
        turn = safety.read_turn(safety_state(tracker), found)
        for message in turn.messages:  # the urgent advice first, before anything is stored
            dispatcher.utter_message(text=message)
        events = slot_events(turn.state)
        if tracker.active_loop.get("name"):
            # A form in progress stops: its next question could be a self-check.
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        save_record(tracker, turn.state, turn)
        return events


class ActionSafetyReview(OffLoopAction):
    """Run by the inbox when the trainer hands a conversation back (Rasa answers nothing while paused).

    A warning sign the person mentioned while waiting gets its advice now, and goes on record.
    """

    def name(self) -> Text:
        return "action_safety_review"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        # Run through Rasa's /execute, outside a turn: ending with a listen lets the
        # person's next message follow the rules as after any other bot turn.
        listen = [ActionExecuted("action_listen")]
        found = safety.said_while_paused(tracker.events)
        state = safety_state(tracker)
        if not safety.needs_safety_net(state, found):
            return listen
        turn = safety.read_turn(state, found)
        for message in turn.messages:
            dispatcher.utter_message(text=message)
        save_record(tracker, turn.state, turn)
        return slot_events(turn.state) + listen


class ActionSessionStart(OffLoopAction):
    """A new session (or one after a restart) keeps its slots and reloads the safety record."""

    def name(self) -> Text:
        return "action_session_start"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        carry_over = (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True)
        if carry_over:
            events += [
                SlotSet(name, value)
                for name, value in tracker.slots.items()
                if value is not None and name not in NOT_CARRIED_OVER
            ]
        state = safety_state(tracker)
        if state:
            events += slot_events(state)
        events.append(ActionExecuted("action_listen"))
        return events
