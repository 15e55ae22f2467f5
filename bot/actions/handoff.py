"""Handing the conversation to the trainer: save it for the inbox, say what happens, pause the bot."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import settings
from bot.actions.off_loop import OffLoopAction
from bot.actions.resources import handoff_store, record_store
from coaching import consultation
from records import notifications
from coaching.handoff import (
    ASKED_FOR_HUMAN,
    NOT_UNDERSTOOD,
    already_with_trainer_message,
    consecutive_failures,
    handoff_message,
    transcript_from_events,
)


FAILURE_OFFER_START = "I'm sorry, I'm having trouble understanding."


def intake_for_trainer(tracker: Tracker) -> str:
    """The intake summary the trainer sees beside the transcript (only what was given with consent)."""
    records = record_store().consultations(tracker.sender_id)
    if records:
        latest = records[-1]
        return f"Triage: {latest['triage_level']}. Profile: {latest['profile'] or 'n/a'}. {latest['summary']}"
    if tracker.get_slot("consent_given") is True:
        summary = consultation.intake_summary(dict(tracker.slots))
        described = consultation.describe_intake(summary)
        return f"Consultation not finished. {described}" if described else "Consultation started, no answers yet."
    return "No consultation (nothing personal collected)."


def hand_over(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, triage_level: Optional[str] = None
) -> List[EventType]:
    handoff = handoff_store().open_handoff(
        tracker.sender_id,
        tracker.get_latest_input_channel() or "rest",
        reason,
        intake_for_trainer(tracker),
        transcript_from_events(tracker.events),
        triage_level=triage_level or tracker.get_slot("triage_level"),
        notify=notifications.email_configured(),
    )
    if handoff.get("notification_id"):
        notifications.send_soon(handoff["notification_id"])  # queued with the handoff: retried until sent
    if handoff.get("already_open"):  # the same handoff, refreshed: never a second one
        text = already_with_trainer_message(settings.TRAINER_NAME, settings.TRAINER_HOURS)
    else:
        text = handoff_message(settings.TRAINER_NAME, settings.TRAINER_HOURS, reason)
    dispatcher.utter_message(text=text)
    # Paused: Rasa keeps logging the person's messages (the inbox shows them) but stops answering.
    return [ActiveLoop(None), SlotSet("requested_slot", None), ConversationPaused()]


class ActionHandoff(OffLoopAction):
    """'Can I talk to a real person', or yes to the offer after repeated misunderstandings."""

    def name(self) -> Text:
        return "action_handoff"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reason = NOT_UNDERSTOOD if _after_failures(tracker) else ASKED_FOR_HUMAN
        return hand_over(dispatcher, tracker, reason)


def _after_failures(tracker: Tracker) -> bool:
    """The person said yes to the offer made after repeated misunderstandings (its button says so)."""
    bots = [e for e in tracker.events if e.get("event") == "bot"]
    if not bots or not (bots[-1].get("text") or "").startswith(FAILURE_OFFER_START):
        return False
    return True


def failure_offer(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """After several misunderstandings in a row, offer a person instead of another apology."""
    if consecutive_failures(tracker.events) < settings.HANDOFF_AFTER_FAILURES:
        return None
    return {
        "text": (
            f"{FAILURE_OFFER_START} Would you like me to pass this conversation to "
            f"{settings.TRAINER_NAME}, so a person can help?"
        ),
        "buttons": [
            {"title": "Yes, a person please", "payload": "/request_human"},
            {"title": "No, I'll rephrase", "payload": "/deny"},
        ],
    }
