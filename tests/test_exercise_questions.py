"""Questions about exercises for one target get the exercises themselves (coaching/exercise_questions.py)."""

from __future__ import annotations

import pytest

from coaching.exercise_questions import OFFER, exercise_target, exercises_for


@pytest.mark.parametrize(
    "question, profile, names",
    [
        ("how do I loosen up tight calves", "ankle", ["Calf stretch"]),
        ("any stretches for stiff ankles?", "ankle", ["Calf stretch", "dorsiflexion"]),
        ("what helps wobbly hips", "hip", ["Glute bridge"]),
        ("what exercises stop my knee caving in", "hip", ["Clamshell"]),
        ("exercises for runners with sore knees", "both", ["Calf stretch", "Glute bridge"]),
        ("what can i do for knee pain on stairs", "both", ["Calf stretch"]),
    ],
)
def test_a_target_gets_its_exercises_with_how_dose_stop_and_source(question, profile, names):
    assert exercise_target(question)[0] == profile
    answer = exercises_for(question)
    for name in names:
        assert name in answer
    for part in ("How:", "Dose:", "Stop and contact the specialist", "Simon Jarvis", "not a substitute", OFFER):
        assert part in answer
    assert "picked for your answers" not in answer and "assumed moderate pain" not in answer


@pytest.mark.parametrize(
    "question",
    [
        "why do stiff ankles cause knee pain?",
        "what is maltracking",
        "my calf is sore",
        "",
        "ankle" * 200,
        "can weak hips cause knee pain?",
    ],
)
def test_other_questions_are_left_to_the_article(question):
    assert exercises_for(question) is None
