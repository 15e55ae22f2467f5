"""Wording of answers from the article (coaching/article_answers.py), without Rasa."""

from dataclasses import dataclass

import pytest

from coaching import article_answers as answers


@dataclass
class P:
    text: str
    section: str
    score: float


def cite(p):
    return f"From the article, section {p.section}"


def test_quotes_each_passage_and_cites_once_per_source():
    text = answers.compose_answer([P("One.", "A", 5), P("Two.", "A", 4), P("Three.", "B", 3)], cite)
    assert text.count("(From the article, section A)") == 1
    assert text.index("“Two.”") < text.index("section A)") < text.index("“Three.”") < text.index("section B)")
    assert text.endswith(answers.NOT_A_DIAGNOSIS)


def test_only_relevant_passages_are_chosen():
    assert answers.choose_passages([], 2.0) == []
    assert answers.choose_passages([P("x", "A", 1.9)], 2.0) == []
    close = answers.choose_passages([P("x", "A", 4.0), P("y", "A", 3.5), P("z", "A", 3.4)], 2.0)
    assert [p.text for p in close] == ["x", "y"]
    far = answers.choose_passages([P("x", "A", 8.0), P("y", "A", 3.0)], 2.0)
    assert [p.text for p in far] == ["x"]


@pytest.mark.parametrize(
    "question, concepts, driver",
    [
        ("why do stiff ankles cause knee pain?", ["ankle_stiffness", "ankle", "knee", "pain"], "ankle"),
        ("can wobbly hips mess up my knees", ["hip_instability", "hip", "knee"], "hip"),
        ("can weak hips cause meniscus tears?", ["hip", "weakness", "meniscus_tear"], None),  # specific: search
        ("how do ankles and hips affect the knee", ["ankle", "hip", "knee"], None),  # both: search
        ("what is an ankle circle", ["ankle", "ankle_circles"], None),  # not causal
    ],
)
def test_driver_questions(question, concepts, driver):
    assert answers.driver_question(question, concepts) == driver


def test_exercise_mentions():
    assert answers.mentions_exercises("Regularly perform exercises such as calf stretches")
    assert answers.mentions_exercises("what about clamshells")
    assert not answers.mentions_exercises("Weak hips can cause the pelvis to tilt")
