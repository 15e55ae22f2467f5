"""The consultation: consent, the form (red flags, intake, self-checks), the conclusion.

Thin adapters: the flow is coaching/consultation.py, the safety rules
coaching/triage.py, the advice coaching/movement_profile.py,
exercise_plan.py and explanation.py.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from bot.actions.whole_message_form import WholeMessageForm

import settings
from bot.actions.handoff import hand_over
from bot.actions.off_loop import OffLoopAction
from bot.actions.resources import knowledge_base, record_store
from bot.actions.safety import safety_state, save_record
from coaching.handoff import ESCALATION
from coaching import consultation, safety, triage
from coaching.exercise_plan import format_exercise_plan, plan_exercises
from coaching.explanation import compose_explanation
from coaching.movement_profile import movement_profile

FORM = "consultation_form"
CONSULTATION_SLOTS = [
    consultation.AGE_SLOT,
    *consultation.INTAKE_SLOTS,
    *consultation.CHECK_SLOTS,
    "triage_level",
    "volunteered_flags",
    "movement_profile",
]


def _latest(tracker: Tracker):
    message = tracker.latest_message or {}
    return message.get("text") or "", (message.get("intent") or {}).get("name"), message.get("entities") or []


def _triage_events(result: triage.TriageResult) -> List[EventType]:
    return [SlotSet("triage_level", result.level)]


class ActionStartConsultation(Action):
    """Someone describes their knee or asks to be checked."""

    def name(self) -> Text:
        return "action_start_consultation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        # A warning sign in this message was handled before this action (the safety
        # net); one on record keeps the questions to the safety ones (remaining_slots).
        if tracker.get_slot("consent_given") is True:
            return [FollowupAction(FORM)]
        dispatcher.utter_message(response="utter_ask_consent")
        return [SlotSet("awaiting_consent", True)]


class ActionRecordConsent(Action):
    def name(self) -> Text:
        return "action_record_consent"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        _, intent, _ = _latest(tracker)
        if intent != "affirm":
            dispatcher.utter_message(response="utter_consent_declined")
            return [SlotSet("awaiting_consent", False), SlotSet("consent_given", False)]
        dispatcher.utter_message(response="utter_consent_thanks")
        # What they said before consenting (e.g. "left knee, stairs, 3 weeks")
        # counts now, so they aren't asked again.
        earlier = [
            (e.get("text"), (e.get("parse_data") or {}).get("entities"))
            for e in tracker.events
            if e.get("event") == "user"
            and ((e.get("parse_data") or {}).get("intent") or {}).get("name")
            in consultation.FACT_INTENTS - {"affirm", "deny"}
        ][-3:]
        facts = consultation.facts_from_messages(earlier)
        return (
            [SlotSet("awaiting_consent", False), SlotSet("consent_given", True)]
            + [SlotSet(slot, value) for slot, value in facts.items()]
            + [FollowupAction(FORM)]
        )


class ValidateConsultationForm(WholeMessageForm):
    """The consultation form on rasa-sdk's hooks: read the message, keep what it said, ask the next question."""

    def name(self) -> Text:
        return "validate_consultation_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        # The plain logic orders and trims the questions; rasa-sdk asks the first of them.
        return consultation.remaining_slots(tracker.slots)

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        # One message often answers several questions and may volunteer a warning sign, so it
        # is read once as a whole instead of by one extract_<slot> per slot.
        text, intent, entities = _latest(tracker)
        reading = consultation.read_turn(
            dict(tracker.slots), tracker.get_slot(REQUESTED_SLOT), text, intent, entities, tracker.events
        )
        for note in reading.notes:
            dispatcher.utter_message(text=note)
        return [SlotSet(name, value) for name, value in reading.updates.items()]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[EventType]:
        event = await super().next_requested_slot(dispatcher, tracker, domain)
        # requested_slot still holds the question just answered here.
        if consultation.screening_cleared(tracker.get_slot(REQUESTED_SLOT), event and event["value"]):
            dispatcher.utter_message(response="utter_screening_clear")
        return event


class ActionConcludeConsultation(OffLoopAction):
    def name(self) -> Text:
        return "action_conclude_consultation"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        # The record counts as much as this conversation's slots: a flag from an
        # earlier session is never forgotten here.
        record = safety_state(tracker)
        slots = dict(tracker.slots)
        slots.update(record.answers)
        slots["volunteered_flags"] = sorted(record.signs) or None
        result = consultation.assess(slots)
        summary = consultation.intake_summary(slots)
        profile_name, exercise_ids = None, []
        if not result.allows_exercises:
            # A red flag: advice on where to get care, and never an exercise list.
            dispatcher.utter_message(text=triage.format_triage_message(result))
            if result.is_red_flag:
                save_record(tracker, safety.from_slots(slots))
        else:
            profile = movement_profile(summary)
            plan = plan_exercises(profile.profile, _pain(summary), summary.get("aggravating_activities") or ())
            dispatcher.utter_message(text=compose_explanation(profile, summary, knowledge_base()))
            dispatcher.utter_message(text=format_exercise_plan(plan))
            dispatcher.utter_message(
                text=(
                    f"If you'd like a proper assessment and a programme made for you, you can book a session "
                    f"with {settings.TRAINER_NAME} right here. I've saved a summary of your answers for them, "
                    "so you won't have to repeat yourself."
                ),
                buttons=[
                    {"title": "Book a session", "payload": "/request_booking"},
                    {"title": f"Talk to {settings.TRAINER_NAME}", "payload": "/request_human"},
                ],
            )
            profile_name = profile.profile
            exercise_ids = [item.id for item in plan.exercises]
        if tracker.get_slot("consent_given") is True:
            record_store().save_consultation(
                tracker.sender_id,
                channel=tracker.get_latest_input_channel() or "rest",
                triage_level=result.level,
                triage_reasons=[{"flag": r.flag, "reason": r.reason, "source": r.source} for r in result.reasons],
                intake=summary,
                profile=profile_name,
                exercises=exercise_ids,
                summary=consultation.describe_intake(summary),
            )
        events = _triage_events(result) + [SlotSet("movement_profile", profile_name)]
        if result.level == triage.SOON and tracker.get_slot("consent_given") is True:
            # Exercises withheld but no emergency: the consultation hands the person to the
            # trainer, who follows up personally once a clinician has had a look.
            events += hand_over(dispatcher, tracker, ESCALATION, triage_level=result.level)
        return events


def _pain(summary: Dict[str, Any]):
    value = summary.get("pain_score")
    return value if isinstance(value, int) else None


class ActionAssessVolunteeredRedFlags(Action):
    """A red flag mentioned outside the questions (e.g. after the consultation)."""

    def name(self) -> Text:
        return "action_assess_volunteered_red_flags"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return ActionStartConsultation().run(dispatcher, tracker, domain)


class ActionRestartConsultation(OffLoopAction):
    def name(self) -> Text:
        return "action_restart_consultation"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in consultation.screening_slots() + CONSULTATION_SLOTS]
        # Starting again never forgets a warning sign: the record is set again after the reset.
        reset += [SlotSet(name, value) for name, value in safety.slot_values(safety_state(tracker)).items()]
        reset += [ActiveLoop(None), SlotSet("requested_slot", None)]
        dispatcher.utter_message(text="Okay, let's start again from the beginning.")
        if tracker.get_slot("consent_given") is True:
            return reset + [FollowupAction(FORM)]
        dispatcher.utter_message(response="utter_ask_consent")
        return reset + [SlotSet("awaiting_consent", True)]


class ActionStopConsultation(Action):
    def name(self) -> Text:
        return "action_stop_consultation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_ask_continue_later")
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("awaiting_consent", False)]
