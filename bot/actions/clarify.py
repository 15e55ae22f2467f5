"""Fallback: explain what went wrong with a message, or try the article."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.article import answer_text, needs_clinician
from bot.actions.handoff import failure_offer
from bot.actions.off_loop import OffLoopAction
from bot.actions.out_of_scope import in_a_form
from coaching.clarifying import BACK_TO_THE_QUESTIONS, reply_for_problem
from coaching.input_checks import classify_message


class ActionClarify(OffLoopAction):
    def name(self) -> Text:
        return "action_clarify"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = tracker.latest_message.get("text")
        problem = classify_message(text)
        form_open = in_a_form(tracker)
        # The classifier was unsure, but the article may still cover it; in the middle of the
        # questions only a question is tried there (anything else was probably a garbled answer).
        if problem is None and (not form_open or "?" in (text or "")):
            answer = answer_text(
                text or "",
                lead="I'm not completely sure what you meant, but the trainer's article says:",
                withhold_exercises=needs_clinician(tracker),
            )
            if answer:
                dispatcher.utter_message(text=answer)
                if form_open:
                    dispatcher.utter_message(text=BACK_TO_THE_QUESTIONS)
                return []
        dispatcher.utter_message(text=reply_for_problem(problem, in_form=form_open))
        # Several misunderstandings in a row: offer a person rather than another apology.
        offer = failure_offer(tracker)
        if offer is not None:
            dispatcher.utter_message(**offer)
        return []
