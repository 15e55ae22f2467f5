"""Answering free-text questions from the article."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.off_loop import OffLoopAction
from bot.actions.out_of_scope import BACK_TO_THE_QUESTIONS, answer_if_diagnosis_request, in_a_form
from bot.actions.resources import knowledge_base
from bot.actions.safety import safety_state
from coaching import consultation, triage
from coaching.article_answers import (
    EXERCISES_WITHHELD,
    NOTHING_FOUND,
    choose_passages,
    compose_answer,
    driver_question,
    mentions_exercises,
)
from coaching.exercise_questions import exercises_for
from coaching.explanation import driver_quotes

EXERCISES_AFTER_SCREENING = (
    "Let's finish the safety questions first: at the end I'll suggest the article's exercises that fit "
    "your answers, with how to do them."
)
# Passages scoring below this are not about the question (see the retrieval benchmark).
MIN_ANSWER_SCORE = 2.0


def needs_clinician(tracker: Tracker) -> bool:
    """A red flag was found, now or earlier in this conversation (slots or the safety record)."""
    # The safety state holds the slots' answers and the database's: nothing else to assess.
    return safety_state(tracker).is_red_flag or triage.is_red_flag_level(tracker.get_slot("triage_level"))


def answer_text(
    question: str, lead: str = "Here's what the trainer's article says:", withhold_exercises: bool = False
) -> str | None:
    kb = knowledge_base()
    driver = driver_question(question, kb.concepts_in(question))
    if driver:
        passages = driver_quotes(kb, driver)
    else:
        passages = choose_passages(kb.answer(question, limit=3), MIN_ANSWER_SCORE)
    if not passages:
        return None
    if withhold_exercises and mentions_exercises(question, *(p.text for p in passages)):
        return EXERCISES_WITHHELD  # a knee that needs a clinician never gets an exercise list
    return compose_answer(passages, kb.cite, lead=lead)


class ActionAnswerFromArticle(OffLoopAction):
    def name(self) -> Text:
        return "action_answer_from_article"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        question = tracker.latest_message.get("text") or ""
        if answer_if_diagnosis_request(dispatcher, question):
            return []  # "is it tendinopathy?": never a diagnosis, but what a clinician would check
        withhold = needs_clinician(tracker)
        exercises = exercises_for(question)
        if exercises is not None:
            # "how do I loosen up tight calves?": the exercises themselves, unless a clinician must look
            # first, or the consultation's safety questions are still open
            if withhold:
                exercises = EXERCISES_WITHHELD
            elif in_a_form(tracker) and not consultation.assess(tracker.slots).screening_complete:
                exercises = EXERCISES_AFTER_SCREENING
            dispatcher.utter_message(text=exercises)
            if in_a_form(tracker):
                dispatcher.utter_message(text=BACK_TO_THE_QUESTIONS)
            return []
        answer = answer_text(question, withhold_exercises=withhold)
        dispatcher.utter_message(text=answer or NOTHING_FOUND)
        if in_a_form(tracker):
            dispatcher.utter_message(text=BACK_TO_THE_QUESTIONS)  # then the form asks where it was
        return []
