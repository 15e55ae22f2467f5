"""Fallback: explain what went wrong with a message, or try the article."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.article import answer_text, needs_clinician
from bot.actions.handoff import failure_offer
from coaching.clarifying import reply_for_problem
from coaching.input_checks import classify_message


class ActionClarify(Action):
    def name(self) -> Text:
        return "action_clarify"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = tracker.latest_message.get("text")
        problem = classify_message(text)
        if problem is None:
            # The classifier was unsure, but the article may still cover it.
            answer = answer_text(
                text or "",
                lead="I'm not completely sure what you meant, but the trainer's article says:",
                withhold_exercises=needs_clinician(tracker),
            )
            if answer:
                dispatcher.utter_message(text=answer)
                return []
        dispatcher.utter_message(text=reply_for_problem(problem))
        # Several misunderstandings in a row: offer a person rather than another apology.
        offer = failure_offer(tracker)
        if offer is not None:
            dispatcher.utter_message(**offer)
        return []
