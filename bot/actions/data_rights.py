"""The person's data rights in the chat: "delete my data" and "export my data", in every state.

The work is records/erasure.py (one transaction) and records/export.py; these
actions read the tracker, call them and say what happened. While the
conversation is with the trainer (paused) Rasa predicts no action, so the
tracker store runs these two when it stores such a request (bot/stores.py);
they behave the same either way, and the conversation stays with the trainer
unless it is erased.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import settings
from bot.actions.off_loop import OffLoopAction
from bot.erasure import ERASURE_SLOT
from coaching import consultation, triage
from records.erasure import ErasureFailed, ErasureSummary, erase_conversation, note_failure
from records.export import export_conversation, readable_summary
from records.safety import journal_from_settings

log = logging.getLogger(__name__)


# --- erasure ------------------------------------------------------------------------------------
def confirmation(summary: ErasureSummary) -> str:
    deleted, cancelled = summary.consultations, summary.bookings_cancelled
    text = (
        "Done: I've deleted your answers"
        + (f" ({deleted} saved consultation{'s' if deleted != 1 else ''})" if deleted else "")
        + (f", your booking{'s' if cancelled != 1 else ''} (now cancelled)" if cancelled else "")
        + " and the history of this conversation. Nothing about you is kept."
    )
    if summary.was_with_trainer:
        text += f" I've told {settings.TRAINER_NAME} that this conversation was deleted at your request."
    return text + " You can start again any time."


def erase(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Erase the records in one transaction; on success the marker makes the tracker store erase the rest."""
    try:
        # The channel address stays until the confirmation has gone out on it (bot/stores.py removes it).
        summary = erase_conversation(
            settings.APP_DB_URL, tracker.sender_id, keep_reply_address=True, journal=journal_from_settings()
        )
    except ErasureFailed:
        log.exception("erasing a conversation failed; nothing was deleted")
        told = note_failure(settings.APP_DB_URL, tracker.sender_id)
        dispatcher.utter_message(
            text=(
                "Sorry, I couldn't delete your data just now, so nothing has been deleted yet. "
                "Please try again in a few minutes"
                + (f"; {settings.TRAINER_NAME} has been told and will make sure it's done." if told else ".")
            )
        )
        return []
    dispatcher.utter_message(text=confirmation(summary))
    # The tracker store sees this marker and erases the stored conversation
    # (bot/stores.py): the action server cannot reach Rasa's store itself.
    return [SlotSet(ERASURE_SLOT, True)]


class ActionDeleteMyData(OffLoopAction):
    def name(self) -> Text:
        return "action_delete_my_data"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return erase(dispatcher, tracker)


# --- export -------------------------------------------------------------------------------------
def _answers_in_progress(tracker: Tracker) -> Dict[str, Any]:
    if tracker.get_slot("consent_given") is not True:
        return {}  # nothing personal is collected without consent
    return consultation.intake_summary(dict(tracker.slots))


def _messages(tracker: Tracker) -> int:
    return sum(1 for event in tracker.events if event.get("event") in ("user", "bot"))


def _labels() -> Dict[str, Any]:
    rules = triage.load_red_flags()
    return {
        "describe_answers": consultation.describe_intake,
        "sign_label": lambda name: str(name).removeprefix("rf_").replace("_", " "),
        "level_label": lambda level: rules.levels[level].title if level in rules.levels else str(level),
    }


def export(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The person's data in words, then as JSON to keep (a block in the chat: a download link would need
    its own authentication, which the chat channels don't have)."""
    data = export_conversation(
        settings.APP_DB_URL,
        tracker.sender_id,
        answers_in_progress=_answers_in_progress(tracker),
        messages_in_conversation=_messages(tracker),
        retention_days=settings.RETENTION_DAYS,
    )
    dispatcher.utter_message(text=readable_summary(data, **_labels()))
    as_json = json.dumps(data, indent=1, ensure_ascii=False)
    dispatcher.utter_message(text=f"The same as data (JSON), to copy and keep:\n{as_json}")
    return []


class ActionExportMyData(OffLoopAction):
    def name(self) -> Text:
        return "action_export_my_data"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return export(dispatcher, tracker)
