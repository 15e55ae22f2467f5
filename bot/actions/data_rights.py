"""Erasing a person's data on request."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.resources import (
    booking_store, channel_options_store, channel_store, handoff_store, record_store, safety_store,
)
from records.safety import journal_from_settings
from bot.erasure import ERASURE_SLOT


class ActionDeleteMyData(Action):
    def name(self) -> Text:
        return "action_delete_my_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        deleted = record_store().delete_conversation_data(tracker.sender_id)
        # Bookings and handoffs hold a name, a contact and the transcript: they go too.
        cancelled = booking_store().delete_conversation_data(tracker.sender_id)
        handoff_store().delete_conversation_data(tracker.sender_id)
        # The warning signs on record go too: they were kept only for this person's safety.
        safety_store().delete_conversation_data(tracker.sender_id)
        journal_from_settings().forget(tracker.sender_id)
        # A Telegram chat id or phone number behind the conversation (this reply still reaches
        # them: the channel keeps the address for the turn it is answering).
        channel_store().delete_conversation_data(tracker.sender_id)
        channel_options_store().delete_conversation_data(tracker.sender_id)
        dispatcher.utter_message(
            text=(
                "Done: I've deleted your answers"
                + (f" ({deleted} saved consultation{'s' if deleted != 1 else ''})" if deleted else "")
                + (f", your booking{'s' if cancelled != 1 else ''} (now cancelled)" if cancelled else "")
                + " and the history of this conversation. Nothing about you is kept. "
                "You can start again any time."
            )
        )
        # The tracker store sees this marker and erases the stored conversation
        # (bot/stores.py): the action server cannot reach Rasa's store itself.
        return [SlotSet(ERASURE_SLOT, True)]
