"""Requests for a diagnosis get no diagnosis, but what a clinician checks and when to go today."""

from __future__ import annotations

import pytest

from coaching.diagnosis_requests import DAMAGE, answer_diagnosis_request, diagnosis_worry


@pytest.mark.parametrize(
    "text, worry",
    [
        ("is it patellar tendinopathy?", "patellar tendinopathy"),
        ("do i have arthritis", "arthritis"),
        ("could this be runner's knee", "runner's knee"),
        ("did I tear a ligament?", DAMAGE),
        ("is my acl torn?", DAMAGE),
        ("whats wrong with my knee", ""),
        ("can you diagnose me", ""),
    ],
)
def test_requests_for_a_diagnosis_are_recognised(text, worry):
    assert diagnosis_worry(text) == worry


@pytest.mark.parametrize(
    "text",
    [
        "why do stiff ankles cause knee pain?",
        "what causes meniscus tears",
        "what is a meniscus tear",
        "is it ok to run",
        "my knee hurts",
        "",
        None,
        "is it " * 300,
    ],
)
def test_other_messages_are_not(text):
    assert diagnosis_worry(text) is None


def test_the_answer_never_diagnoses_and_says_what_to_do():
    answer = answer_diagnosis_request("patellar tendinopathy", "Sam")
    assert answer.startswith("I can't tell you whether it's patellar tendinopathy")
    assert "not a clinician" in answer and "examines your knee" in answer
    assert "NHS 111" in answer and "999" in answer and "check my knee" in answer and "Sam" in answer
    for verdict in ("you have ", "it is likely", "sounds like", "probably"):
        assert verdict not in answer.lower()
