"""The conversation quality benchmark's personas and pure driver parts, without any server."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.conversation_quality import (
    OUTCOMES,
    SAFETY_OUTCOMES,
    load_personas,
    markdown,
    normalise_persona,
    outcome_of,
    pick_answer,
    repeated_prompts,
    run_persona,
    summarise,
)
from tests.heldout import training_copy

CONSENT = "Before we start: I'll ask about your knee (... what makes it worse ...). Is that okay?"
AGE = "First, how old are you? (If you're asking for someone else, their age.)"
INJURY = "Did the pain start with an injury, such as a fall, a twist or a knock to the knee?"


@pytest.fixture(scope="module")
def personas():
    return load_personas()


def messages_of(persona):
    return [persona["opener"], *persona["interject"].values(), *(t for _, ts in persona["answers"] for t in ts)]


def persona(answers, interject=None, expect="exercises"):
    return normalise_persona(
        {"name": "p", "opener": "my knee hurts", "expect": expect, "answers": answers, "interject": interject or {}}
    )


# --- the personas file ---------------------------------------------------------


def test_personas_parse_with_enough_of_every_outcome(personas):
    kinds = Counter(p["expect"] for p in personas)
    assert len(personas) >= 40
    assert set(kinds) == set(OUTCOMES)
    assert kinds["exercises"] >= 20
    assert len({p["name"] for p in personas}) == len(personas)


def test_every_persona_answers_consent_and_age(personas):
    for p in personas:
        cues = [cue for cue, _ in p["answers"]]
        assert "is that okay" in cues and "how old" in cues, p["name"]
        assert all(texts and all(texts) for _, texts in p["answers"]), p["name"]


def test_personas_vary_their_wording(personas):
    wordings = {t.lower() for p in personas for t in messages_of(p)}
    assert len(wordings) >= 250
    assert len({p["opener"].lower() for p in personas}) == len(personas)
    assert sum(1 for p in personas if p["interject"]) >= 5
    assert sum(1 for p in personas if any(len(ts) > 1 for _, ts in p["answers"])) >= 3


def test_messages_of_four_or_more_words_are_not_training_copies(personas):
    copies = [
        (p["name"], text, training_copy(text))
        for p in personas
        for text in messages_of(p)
        if len(text.split()) >= 4 and training_copy(text)
    ]
    assert not copies


@pytest.mark.parametrize(
    "raw, problem",
    [
        ({"name": "x", "opener": "hi", "expect": "maybe", "answers": {}}, "expect"),
        ({"name": "x", "opener": "hi", "expect": "soon", "answers": {"calf": True}}, "quote"),
        ({"name": "x", "opener": "hi", "expect": "soon", "answers": [{"a": "1", "b": "2"}]}, "one `cue: text`"),
        ({"name": "x", "opener": "hi", "expect": "soon", "answers": {}, "interject": {"3": "hm"}}, "turn"),
    ],
)
def test_bad_personas_are_refused(raw, problem):
    with pytest.raises(ValueError, match=problem):
        normalise_persona(raw)


# --- pick_answer ---------------------------------------------------------------


def test_first_cue_in_the_persona_order_wins():
    p = persona({"is that okay": "yes", "makes it worse": "stairs", "how old": "34"})
    assert pick_answer(p, CONSENT, {"turn": 1}) == "yes"  # the consent text also says "makes it worse"
    assert pick_answer(p, "Thank you.\n" + AGE, {"turn": 2}) == "34"


def test_a_list_of_answers_is_used_in_turn_and_its_last_repeated():
    p = persona({"how old": ["yep", "31", "thirty one"], "injury": "no"})
    state = {"turn": 2}
    assert [pick_answer(p, AGE, state) for _ in range(4)] == ["yep", "31", "thirty one", "thirty one"]
    assert pick_answer(p, INJURY, state) == "no"


def test_the_question_on_the_last_line_beats_an_earlier_answer_text():
    p = persona([{"injury": "no"}, {"which knee": "left"}])
    reply = "Maltracking is when the kneecap ... after an injury ...\nWhich knee is it?"
    assert pick_answer(p, reply, {"turn": 5}) == "left"


def test_a_hint_without_the_question_answers_the_last_cue_again():
    p = persona({"which knee": ["the sore one", "left"]})
    state = {"turn": 9}
    assert pick_answer(p, "Which knee is it?", state) == "the sore one"
    hint = 'Sorry, I didn\'t quite get that. You could answer with "left", "right" or "both".'
    assert pick_answer(p, hint, state) == "left"
    assert state["kind"] == "retry"


def test_no_cue_and_nothing_answered_yet_gives_none():
    p = persona({"how old": "34"})
    state = {"turn": 1}
    assert pick_answer(p, "Hello! How can I help?", state) is None
    assert state["kind"] == "none"


def test_interjections_come_once_at_their_turn():
    p = persona({"how long": "3 weeks"}, interject={3: "what is maltracking?"})
    state = {"turn": 1}
    assert pick_answer(p, "How long have you had it?", state) == "3 weeks"  # turn 2: not yet
    state["turn"] = 2
    assert pick_answer(p, "How long have you had it?", state) == "what is maltracking?"
    assert state["kind"] == "interject"
    state["turn"] = 3
    assert pick_answer(p, "How long have you had it?", state) == "3 weeks"


# --- outcome_of ----------------------------------------------------------------


@pytest.mark.parametrize("name, text", SAFETY_OUTCOMES)
def test_each_safety_outcome_is_recognised(name, text):
    assert outcome_of(f"{text} (more advice).\n\nBased on what you told me: ...") == name


@pytest.mark.parametrize(
    "exercise",
    [
        "Calf stretch",
        "Glute bridge",
        "Clamshell",
        "Lateral leg raise",
        "Ankle circles",
        "Knee-to-wall ankle bend (dorsiflexion exercise)",
    ],
)
def test_exercise_names_mean_exercises(exercise):
    assert outcome_of(f"Here is what the article suggests:\n1. {exercise}: 3 x 10") == "exercises"


def test_the_advice_opening_the_reply_wins_over_later_mentions():
    reply = (
        "Please get medical help today: ask your GP surgery ...\n\n• You mentioned breathlessness: "
        "call 999 now if the chest pain is sudden. Call 999 now if it gets worse."
    )
    assert outcome_of(reply) == "same_day"
    assert outcome_of("Go to A&E now. No Calf stretch or Glute bridge until then.") == "a_and_e"


def test_questions_are_no_outcome():
    assert outcome_of(INJURY) is None
    assert outcome_of("Nothing you've told me needs urgent care. Which knee is it?") is None


# --- repeated_prompts ----------------------------------------------------------


def test_three_or_more_of_the_same_message_are_a_repeated_prompt():
    replies = [
        ["Which knee is it?"],
        ["Sorry.", "Which knee is it?"],
        ["Which  knee is it?"],
        ["Sorry."],
        "How long have you had it?",
        "How long have you had it?",
    ]
    assert repeated_prompts(replies) == [{"text": "Which knee is it?", "count": 3}]
    assert repeated_prompts([["x"], ["y"]]) == []


def test_a_long_repeated_message_is_shortened():
    long = "Now a quick ankle self-check, the knee-to-wall test. " * 5
    (repeat,) = repeated_prompts([long] * 4)
    assert repeat["count"] == 4 and len(repeat["text"]) <= 70 and repeat["text"].endswith("…")


# --- the driver loop with a scripted stand-in for the assistant ----------------


def scripted_bot(questions, final):
    asked = {}

    def send(sender, text):
        asked.setdefault(sender, 0)
        asked[sender] += 1
        step = asked[sender] - 1
        return [questions[step]] if step < len(questions) else [final]

    return send


def test_run_persona_reaches_the_outcome_and_counts_turns():
    p = persona({"is that okay": "yes", "how old": "34", "injury": "no"})
    send = scripted_bot([CONSENT, AGE, INJURY], "Try these: Calf stretch, Glute bridge.")
    result = run_persona(p, send)
    assert (result["got"], result["reached"], result["turns"], result["stop"]) == ("exercises", True, 4, "outcome")


def test_run_persona_stops_at_a_wrong_outcome_and_at_max_turns():
    p = persona({"is that okay": "yes"}, expect="soon")
    wrong = run_persona(p, scripted_bot([CONSENT], "Call 999 now (outside the UK ...)"))
    assert (wrong["got"], wrong["reached"]) == ("emergency", False)
    p["max_turns"] = 5
    stuck = run_persona(p, scripted_bot([CONSENT] * 10, "never"))
    assert (stuck["got"], stuck["turns"], stuck["stop"]) == ("none", 5, "max_turns")
    assert stuck["repeats"][0]["count"] == 5


def test_exercise_names_in_an_answer_to_an_interjection_are_not_the_conclusion():
    p = persona({"how long": "3 weeks"}, interject={2: "what helps weak hips?"})
    replies = ["How long have you had it?", "The article suggests a Glute bridge.\nHow long have you had it?"]
    result = run_persona(p, scripted_bot(replies, "Please see a GP or physiotherapist soon, ..."))
    assert (result["got"], result["turns"]) == ("soon", 3)


def test_summary_and_table():
    results = [
        {"persona": "a", "expected": "exercises", "got": "exercises", "reached": True, "turns": 20, "repeats": []},
        {
            "persona": "b",
            "expected": "soon",
            "got": "same_day",
            "reached": False,
            "turns": 9,
            "repeats": [{"text": "Which knee is it?", "count": 3}],
        },
        {"persona": "c", "expected": "emergency", "got": "none", "reached": False, "turns": 30, "repeats": []},
    ]
    summary = summarise(results)
    assert (summary["reached"], summary["wrong_outcome"], summary["no_outcome"]) == (1, 1, 1)
    assert summary["reached_percent"] == 33.3 and summary["mean_turns"] == 19.7
    assert summary["personas_with_repeats"] == ["b"]
    table = markdown(results, summary)
    assert '| b | soon | same_day | **no** | 9 | 3× "Which knee is it?" |' in table
    assert "1/3 personas reached" in table
