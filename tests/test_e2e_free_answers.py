"""Consultations answered the way people answer, end to end over REST (issue: conversations as people answer)."""

from __future__ import annotations

from tests.heldout import training_copy
from tests.test_e2e_consultation import Chat, clear_screening, start_with_consent


def say(chat, text):
    # A one- or two-word answer ("5", "yes") is in any training set; longer messages must be our own.
    if len(text.split()) >= 4:
        assert not training_copy(text), f"an end-to-end message must not be a training example: {text!r}"
    return chat.say(text)


def test_self_checks_answered_in_words_reach_the_exercises(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "my left knee hurts at the front going down stairs")
    clear_screening(chat)
    for answer in ["crept up on me slowly", "bout 6 weeks now", "5", "walk the dog daily n thats it"]:
        say(chat, answer)
    reply = say(chat, "didnt measure but my ankles felt proper tight doing it")
    assert "hip self-check" in reply.lower(), reply  # both ankles answered at once
    assert chat.slot("ankle_wall_left_cm") == "stiff" and chat.slot("ankle_wall_right_cm") == "stiff"
    conclusion = say(chat, "stayed level i think").lower()
    assert "calf stretch" in conclusion and "tight or stiff" in conclusion, conclusion


def test_an_answer_that_cannot_be_read_is_asked_differently_then_left_as_unknown(assistant):
    chat = Chat(assistant)
    start_with_consent(chat)
    clear_screening(chat)
    first = say(chat, "hmm the usual one")  # the question's second asking comes with example answers
    assert "didn't quite get that" in first and '"left", "right" or "both"' in first, first
    second = say(chat, "you know the usual one")  # not understood twice: noted as unknown, next question
    assert "note that one as unknown and move on" in second.lower() and "Where on the knee" in second, second
    assert chat.slot("knee_side") == "unknown"
    assert sum("Which knee is it?" in reply for reply in (first, second)) == 1


def test_questions_in_the_middle_get_a_short_answer_and_the_way_back(assistant):
    chat = Chat(assistant)
    start_with_consent(chat)
    reply = say(chat, "sorry whats the forecast for tomorrow")
    assert reply.startswith("That's outside what I can help with, sorry. Back to your knee:"), reply
    assert "injury" in reply  # the question it was on
    reply = say(chat, "before that, what helps wobbly hips?")
    assert "finish the safety questions first" in reply and "Glute bridge" not in reply, reply
    assert "Back to your consultation:" in reply and "injury" in reply


def test_a_knee_statement_read_as_off_topic_still_starts_the_consultation(assistant):
    chat = Chat(assistant)
    reply = say(chat, "my right knee is really bad today")
    assert "Is that okay?" in reply, reply
    assert "how old" in say(chat, "yes").lower()


def test_an_unusable_message_in_the_middle_names_the_problem_and_keeps_the_thread(assistant):
    chat = Chat(assistant)
    start_with_consent(chat)
    clear_screening(chat)
    asked = chat.slot("requested_slot")
    for message, problem in [
        ("👍👍", "only understand words"),
        ("¿Dónde está la clínica, por favor?", "only chat in English"),
    ]:
        reply = say(chat, message)
        assert problem in reply and "Back to your consultation:" in reply, reply
        assert "What would you like to know" not in reply, reply
        assert "Which knee is it?" in reply or "didn't quite get that" in reply, reply
        assert chat.slot("requested_slot") == asked  # the same question, not skipped
