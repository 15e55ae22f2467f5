"""End-to-end consultations over the REST channel, against the real servers and databases.

Each test is one person's conversation, written the way people type. After a
red flag the whole transcript must contain no exercise list.

(Over 300 lines: one conversation per test, and they share the helpers at the top.)
"""

from __future__ import annotations

import json
from typing import List

import pytest

from tests.conftest import new_sender, texts
from tests.replicas_fixtures import app_rows, either_set_up, stored_event_types

EXERCISE_NAMES = (
    "calf stretch",
    "ankle circle",
    "dorsiflexion exercise",
    "glute bridge",
    "lateral leg raise",
    "clamshell",
)
# injury, can you walk on it, hot/red, calf, locking, other signs (after the age)
NO_TO_ALL_SCREENING = ["no", "yes", "nope", "no", "no", "nah"]


@pytest.fixture(scope="module")
def assistant(request, set_up):
    """Every test here runs against one Rasa server and against two replicas behind nginx."""
    return either_set_up(request, set_up)


class Chat:
    def __init__(self, assistant, sender: str | None = None):
        self.assistant = assistant
        self.sender = sender or new_sender()
        self.transcript: List[str] = []

    def say(self, text: str, timeout: float = 30) -> str:
        reply = texts(self.assistant.send(text, sender=self.sender, timeout=timeout))
        self.transcript.append(reply)
        return reply

    def all_replies(self) -> str:
        return "\n".join(self.transcript).lower()

    def slot(self, name: str):
        return self.assistant.tracker(self.sender)["slots"].get(name)


def app_records(assistant, sender: str) -> List[tuple]:
    found = app_rows(
        assistant,
        "consultations",
        "SELECT triage_level, profile, intake, exercises FROM consultations WHERE conversation_id = :sender",
        sender=sender,
    )
    return [(row["triage_level"], row["profile"], row["intake"], row["exercises"]) for row in found]


def start_with_consent(chat: Chat, opener: str = "my knee hurts", age: str = "34") -> str:
    reply = chat.say(opener)
    assert "is that okay" in reply.lower(), reply
    reply = chat.say("yes")
    assert "how old" in reply.lower(), reply  # the age first, as a number
    reply = chat.say(age)
    assert "injury" in reply.lower(), reply  # then the first safety question
    return reply


def clear_screening(chat: Chat) -> str:
    reply = ""
    for answer in NO_TO_ALL_SCREENING:
        reply = chat.say(answer)
    assert "nothing you've told me needs urgent care" in reply.lower(), reply
    return reply


def assert_no_exercises(chat: Chat) -> None:
    everything = chat.all_replies()
    for name in EXERCISE_NAMES:
        assert name not in everything, f"exercise {name!r} offered after a red flag:\n{everything}"


# --- complete consultations, one per movement profile -------------------------


def test_ankle_driven_consultation_from_start_to_saved_record(assistant):
    chat = Chat(assistant)
    assert "not a doctor" in chat.say("hi")
    start_with_consent(chat, "my left knee hurts at the front when i go down stairs")
    clear_screening(chat)
    # side, location and stairs were in the first message: not asked again
    reply = chat.say("it came on gradually")
    assert "how long" in reply.lower(), reply
    assert "0 (no pain) to 10" in chat.say("about 3 weeks")
    assert "how active" in chat.say("5").lower()
    assert "knee-to-wall" in chat.say("i run twice a week").lower()
    assert "right foot" in chat.say("6 cm").lower()
    assert "hip self-check" in chat.say("7cm").lower()
    conclusion = chat.say("everything stayed level")
    lowered = conclusion.lower()
    assert "ankle" in lowered and "“" in conclusion and "simon jarvis" in lowered
    assert "calf stretch" in lowered and "glute bridge" not in lowered
    assert "not a substitute" in lowered or "not a diagnosis" in lowered
    assert "book" in lowered
    [(level, profile, intake, exercises)] = app_records(assistant, chat.sender)
    assert (level, profile) == ("self_care", "ankle")
    intake = json.loads(intake)
    assert intake["knee_side"] == "left" and intake["knee_location"] == "front"
    assert intake["aggravating_activities"] == ["stairs"] and intake["activity_level"] == "active"
    assert intake["pain_duration_days"] == 21 and intake["pain_score"] == 5
    assert "calf_stretch" in json.loads(exercises) or any("calf" in e for e in json.loads(exercises))


def test_hip_driven_consultation(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "can you check my knee over for me")
    clear_screening(chat)
    chat.say("right")
    chat.say("on the inside of the knee mostly")
    chat.say("slowly over time")
    chat.say("2 months")
    chat.say("4/10")
    chat.say("running and changing direction")
    chat.say("i play football twice a week")
    chat.say("13")
    chat.say("12 cm")
    conclusion = chat.say("my knee caved in and my hip dropped a bit").lower()
    assert "hip" in conclusion and ("glute bridge" in conclusion or "clamshell" in conclusion)
    assert "calf stretch" not in conclusion
    assert app_records(assistant, chat.sender)[0][1] == "hip"


def test_both_ankle_and_hip(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "I'd like an assessment")
    clear_screening(chat)
    for answer in [
        "both",
        "front",
        "gradual",
        "6 weeks",
        "6",
        "squats and stairs",
        "gym 3 times a week",
        "left 5 right 6",
    ]:
        chat.say(answer)
    conclusion = chat.say("my hip dropped").lower()
    assert "ankle" in conclusion and "hip" in conclusion
    assert app_records(assistant, chat.sender)[0][1] == "both"


def test_skipped_self_checks_give_an_unclear_profile_and_gentle_start(assistant):
    chat = Chat(assistant)
    start_with_consent(chat)
    clear_screening(chat)
    for answer in [
        "left",
        "all over",
        "not sure",
        "a few days",
        "3",
        "walking",
        "not very active",
        "skip",
        "i don't know",
    ]:
        chat.say(answer)
    conclusion = chat.say("didn't try it").lower()
    assert "specialist" in conclusion
    assert app_records(assistant, chat.sender)[0][1] == "unclear"


# --- several facts at once, corrections, questions in the middle ------------


def test_several_facts_in_one_message_are_not_asked_again(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "left knee, front, hurts on stairs for 3 weeks, about 6/10")
    reply = clear_screening(chat)
    assert "suddenly" in reply.lower()  # onset is the first thing still unknown
    reply = chat.say("gradually")
    assert "how active" in reply.lower(), reply  # duration, pain and activities were given


def test_changing_their_mind_corrects_the_answer(assistant):
    chat = Chat(assistant)
    start_with_consent(chat)
    clear_screening(chat)
    chat.say("left")
    chat.say("actually it's the right one, sorry. front of the knee")
    assert chat.slot("knee_side") == "right"
    assert chat.slot("knee_location") == "front"


def test_a_question_in_the_middle_is_answered_then_the_form_goes_on(assistant):
    chat = Chat(assistant)
    start_with_consent(chat)
    clear_screening(chat)
    reply = chat.say("wait, what is maltracking?")
    assert "maltracking" in reply.lower() and "“" in reply
    assert "which knee" in reply.lower()  # and back to where we were
    chat.say("left")
    assert chat.slot("knee_side") == "left"


def test_i_dont_know_and_skip_move_on(assistant):
    chat = Chat(assistant)
    start_with_consent(chat)
    clear_screening(chat)
    chat.say("idk")
    assert chat.slot("knee_side") == "unknown"
    reply = chat.say("skip")
    assert chat.slot("knee_location") == "unknown"
    assert "suddenly" in reply.lower()


def test_out_of_range_pain_score_is_asked_again(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "left knee front, sore for 2 weeks, came on gradually")
    clear_screening(chat)
    reply = chat.say("11")
    assert "from 0" in reply.lower()
    assert chat.slot("pain_score") is None
    chat.say("7")
    assert chat.slot("pain_score") == 7


def test_typos_and_slang(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "my rite nee kills wen i run lol")
    for answer in ["nope", "yeah", "nah", "no", "nope", "no"]:
        chat.say(answer)
    assert chat.slot("knee_side") == "right"
    assert "running" in (chat.slot("aggravating_activities") or [])


def test_buttons_payloads_work(assistant):
    chat = Chat(assistant)
    chat.say("my knee is pretty sore at the moment")
    chat.say("/affirm")
    chat.say("34")
    for payload in ["/deny", "/affirm", "/deny", "/deny", "/deny", "/deny"]:
        chat.say(payload)
    chat.say('/inform_symptoms{"side": "left"}')
    assert chat.slot("knee_side") == "left"


# --- red flags -----------------------------------------------------------------

ADVICE_MARKERS = ("999", "today", "gp")


def answer_until_advice(chat: Chat, answers: List[str]) -> str:
    """Give the answers until the safety advice comes; "no" to any further safety question."""
    for answer in answers + ["no"] * 9:
        reply = chat.say(answer).lower()
        if "not a diagnosis" in reply:
            return reply
    raise AssertionError("no safety advice in:\n" + chat.all_replies())


@pytest.mark.parametrize(
    "age, answers, expected, level",
    [
        ("34", ["no", "yes", "no", "yes", "yes"], "999", "emergency"),  # calf pain + breathless
        ("34", ["no", "yes", "yes"], "today", "same_day"),  # hot, red, swollen
        ("34", ["yes", "no"], "today", "same_day"),  # injury, can't take 4 steps
        ("sixty", ["yes"], "today", "same_day"),  # injury, aged 55+ (Ottawa)
        ("34", ["yes", "yes", "yes", "yes"], "today", "same_day"),  # injury with a pop and swelling
        ("34", ["no", "yes", "no", "no", "yes"], "today", "same_day"),  # locking or giving way
        ("34", ["no", "yes", "no", "no", "no", "yes"], "gp", "soon"),  # other warning signs
        ("34", ["not sure", "yes", "dunno"], "", None),  # "don't know" never clears a warning sign
    ],
)
def test_red_flag_routes_never_offer_exercises(assistant, age, answers, expected, level):
    chat = Chat(assistant)
    start_with_consent(chat, age=age)
    advice = answer_until_advice(chat, answers)
    assert expected in advice and "not a diagnosis" in advice
    # asking for exercises afterwards still gets none
    chat.say("what exercises should I do for my knee?")
    assert_no_exercises(chat)
    [(stored_level, profile, _, exercises)] = app_records(assistant, chat.sender)
    assert stored_level != "self_care" and profile is None and exercises == "[]"
    if level:
        assert stored_level == level


def test_volunteered_red_flag_in_the_first_message_is_caught_before_anything_else(assistant):
    chat = Chat(assistant)
    reply = chat.say("i twisted it playing football and it swelled up straight away").lower()
    assert "today" in reply and "is that okay" not in reply
    chat.say("ok what exercises help my knee")
    assert_no_exercises(chat)


def test_volunteered_red_flag_in_the_middle_of_the_intake(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "left knee, front, stairs, 3 weeks")
    clear_screening(chat)
    chat.say("gradual")
    chat.say("6, and it keeps giving way on me")
    assert "today" in chat.all_replies()
    assert_no_exercises(chat)


# --- consent and data rights -------------------------------------------------


def test_consent_refused_means_general_answers_only_and_nothing_stored(assistant):
    chat = Chat(assistant)
    chat.say("my left knee hurts when i run")
    reply = chat.say("no thanks").lower()
    assert "won't ask anything personal" in reply
    answer = chat.say("why do stiff ankles cause knee pain?")
    assert "“" in answer and "Simon Jarvis" in answer
    assert chat.slot("knee_side") is None and chat.slot("consent_given") is False
    assert app_records(assistant, chat.sender) == []


def test_consent_can_be_given_after_refusing(assistant):
    chat = Chat(assistant)
    chat.say("check my knee")
    chat.say("no")
    assert "is that okay" in chat.say("ok actually check my knee").lower()
    assert "how old" in chat.say("yes").lower()


def test_delete_my_data_erases_record_and_conversation(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "left knee, front, stairs, 3 weeks, 4/10, came on gradually")
    clear_screening(chat)
    for answer in ["light exercise", "9", "10", "stayed level"]:
        chat.say(answer)
    assert len(app_records(assistant, chat.sender)) == 1
    reply = chat.say("please delete my data").lower()
    assert "deleted" in reply
    assert app_records(assistant, chat.sender) == []
    assert "user" not in stored_event_types(assistant, chat.sender)
    assert chat.slot("knee_side") is None
    # and the assistant still works for them afterwards
    assert "maltracking" in chat.say("what is maltracking").lower()


def test_delete_my_data_in_the_middle_of_the_questions(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "my right knee hurts")
    chat.say("no")
    assert "deleted" in chat.say("delete my data").lower()
    assert chat.slot("knee_side") is None and chat.slot("rf_injury") is None
    assert "user" not in stored_event_types(assistant, chat.sender)


# --- restarts and stopping ---------------------------------------------------


def test_start_over_in_the_middle(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "left knee hurts")
    chat.say("no")  # no injury
    chat.say("yes")  # can walk on it
    reply = chat.say("can we start the whole thing over").lower()
    assert "start again" in reply and "how old" in reply
    assert chat.slot("rf_injury") is None


def test_stop_the_questions_then_ask_something_else(assistant):
    chat = Chat(assistant)
    start_with_consent(chat)
    assert "stopped the questions" in chat.say("stop").lower()
    assert "glute bridges" in chat.say("what exercises help weak hips").lower()


def test_second_consultation_does_not_ask_consent_again(assistant):
    chat = Chat(assistant)
    start_with_consent(chat)
    chat.say("stop")
    reply = chat.say("my knee hurts again, can you check it").lower()
    assert "is that okay" not in reply and ("injury" in reply or "how old" in reply), reply
