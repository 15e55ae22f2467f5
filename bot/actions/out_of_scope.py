"""Messages outside what the assistant covers; a request for a diagnosis gets its own answer."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

import settings
from coaching.clarifying import BACK_TO_THE_QUESTIONS
from coaching.diagnosis_requests import answer_diagnosis_request, diagnosis_worry


def answer_if_diagnosis_request(dispatcher: CollectingDispatcher, text: str) -> bool:
    """Answer "is it tendinopathy?" kindly without diagnosing; False when the text isn't such a request."""
    worry = diagnosis_worry(text)
    if worry is None:
        return False
    dispatcher.utter_message(text=answer_diagnosis_request(worry, settings.TRAINER_NAME))
    return True


_THEIR_KNEE = re.compile(r"\b(?:my|me|mi)\s+(?:\w+\s+){0,2}(?:knee|knees|kneecap)\b", re.I)


def about_their_knee(text: str) -> bool:
    """A statement about the person's own knee (not a question, not a long message)."""
    return len(text) <= 300 and "?" not in text and bool(_THEIR_KNEE.search(text))


IN_A_FORM = "That's outside what I can help with, sorry. Back to your knee:"


def in_a_form(tracker: Tracker) -> bool:
    return bool((tracker.active_loop or {}).get("name"))


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if answer_if_diagnosis_request(dispatcher, tracker.latest_message.get("text") or ""):
            if in_a_form(tracker):
                dispatcher.utter_message(text=BACK_TO_THE_QUESTIONS)
        elif in_a_form(tracker):
            dispatcher.utter_message(text=IN_A_FORM)  # one line, then the form asks its question again
        elif about_their_knee(tracker.latest_message.get("text") or ""):
            # "my right knee is really bad today" misread as off-topic: it is what the assistant is for
            from bot.actions.consultation import ActionStartConsultation

            return ActionStartConsultation().run(dispatcher, tracker, domain)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
