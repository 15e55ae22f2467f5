"""Custom actions run directly with rasa-sdk's CollectingDispatcher (no servers)."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.article import ActionAnswerFromArticle
from bot.actions.clarify import ActionClarify


@pytest.fixture(autouse=True)
def _knowledge(built_knowledge_base):
    return built_knowledge_base


def run_action(action, text, intent="ask_article_question"):
    tracker = Tracker(
        sender_id="unit", slots={}, latest_message={"text": text, "intent": {"name": intent}, "entities": []},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return "\n".join(m["text"] for m in dispatcher.messages), events


def test_answer_quotes_and_cites_the_article():
    reply, events = run_action(ActionAnswerFromArticle(), "why do stiff ankles cause knee pain?")
    assert "ankle joint lacks flexibility" in reply
    assert "Simon Jarvis" in reply and "Stiff Ankles and Knee Pain" in reply
    assert "not a diagnosis" in reply
    assert events == []


def test_answer_for_unknown_topic_says_so():
    reply, _ = run_action(ActionAnswerFromArticle(), "how do I repair a bicycle puncture")
    assert "couldn't find anything about that" in reply


@pytest.mark.parametrize(
    "text, expected",
    [("", "didn't receive any text"), ("🙈🙈", "not emoji"), ("x" * 10_000, "long message"),
     ("Je ne sais pas pourquoi mon genou me fait mal", "only chat in English")],
)
def test_clarify_explains_unusable_input(text, expected):
    reply, _ = run_action(ActionClarify(), text, intent="nlu_fallback")
    assert expected in reply


def test_clarify_tries_the_article_when_the_classifier_was_unsure():
    reply, _ = run_action(ActionClarify(), "hips knee lateral movement meniscus", intent="nlu_fallback")
    assert "not completely sure" in reply and "meniscus" in reply


def test_clarify_admits_it_did_not_understand():
    reply, _ = run_action(ActionClarify(), "purple monkey dishwasher", intent="nlu_fallback")
    assert "not sure I understood" in reply
