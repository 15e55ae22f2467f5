"""The tailored explanation, built on a real knowledge base made from the article."""

import re

import pytest

from coaching.explanation import compose_explanation, driver_quotes
from coaching.movement_profile import movement_profile
from knowledge.build import build
from knowledge.nlp import normalize_text
from knowledge.query import KnowledgeBase
from knowledge.settings import DEFAULT_SOURCES, DEFAULT_VOCABULARY

ARTICLE = " ".join(normalize_text((DEFAULT_SOURCES / "article.txt").read_text(encoding="utf-8")).split())
TITLE = "The Connection Between Knee Pain, Stiff Ankles, and Hip Instability"
AUTHOR = "Simon Jarvis"

# Sentences that only belong to one link (checked against the article below).
ANKLE_SENTENCES = ("Stiff ankles restrict", "alternative ways to complete movements", "patellofemoral pain syndrome")
HIP_SENTENCES = ("Weak or unstable hips", "meniscus tears")

ANKLE_INTAKE = {
    "knee_side": "left",
    "knee_location": "front",
    "aggravating_activities": ["stairs", "running"],
    "pain_score": 4,
    "ankle_wall_left_cm": 6,
    "ankle_wall_right_cm": 11,
    "hip_check": "normal",
}
HIP_INTAKE = {
    "knee_side": "right",
    "knee_location": "inside",
    "aggravating_activities": ["changing_direction"],
    "pain_score": 3,
    "ankle_wall_left_cm": 12,
    "ankle_wall_right_cm": 12,
    "hip_check": "knee_caves_in",
}
BOTH_INTAKE = {"ankle_wall_left_cm": 8, "ankle_wall_right_cm": 8.5, "hip_check": "pelvis_drop", "pain_score": 5}
UNCLEAR_INTAKE = {"knee_location": "outside", "aggravating_activities": ["running"]}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.db'}"
    build(DEFAULT_SOURCES, url, DEFAULT_VOCABULARY)
    return KnowledgeBase(url)


def explain(kb, intake):
    return compose_explanation(movement_profile(intake), intake, kb)


def quotes(text):
    return re.findall(r"\u201c(.+?)\u201d", text)


def has_any(text, fragments):
    return any(f in text for f in fragments)


def test_the_link_sentences_used_below_are_the_articles():
    for fragment in ANKLE_SENTENCES + HIP_SENTENCES:
        assert fragment in ARTICLE


@pytest.mark.parametrize("intake", [ANKLE_INTAKE, HIP_INTAKE, BOTH_INTAKE, UNCLEAR_INTAKE, {}])
def test_every_quote_is_a_real_sentence_of_the_article_and_it_is_cited(kb, intake):
    text = explain(kb, intake)
    found = quotes(text)
    assert found
    for quote in found:
        assert " ".join(quote.split()) in ARTICLE
    assert f'From "{TITLE}" by {AUTHOR}' in text
    assert "trainer's article" in text


@pytest.mark.parametrize("intake", [ANKLE_INTAKE, HIP_INTAKE, BOTH_INTAKE, UNCLEAR_INTAKE, {}])
def test_every_explanation_says_it_is_not_a_diagnosis(kb, intake):
    text = explain(kb, intake).lower()
    assert "not a diagnosis" in text
    assert "not a substitute for a clinician" in text


def test_ankle_profile_quotes_the_ankle_link_only(kb):
    text = explain(kb, ANKLE_INTAKE)
    quoted = " ".join(quotes(text))
    assert has_any(quoted, ANKLE_SENTENCES)
    assert not has_any(quoted, HIP_SENTENCES)


def test_ankle_explanation_connects_to_the_persons_measurement(kb):
    text = explain(kb, ANKLE_INTAKE)
    assert "You told me that your left ankle reached 6 cm from the wall" in text


def test_hip_profile_quotes_the_hip_link_only(kb):
    text = explain(kb, HIP_INTAKE)
    quoted = " ".join(quotes(text))
    assert "Weak or unstable hips" in quoted
    assert "meniscus tears" in quoted
    assert not has_any(quoted, ANKLE_SENTENCES)


def test_hip_explanation_connects_to_the_single_leg_squat(kb):
    text = explain(kb, HIP_INTAKE)
    assert "You told me that your knee caves in on the single-leg squat" in text


def test_symptoms_bring_in_the_matching_sentence(kb):
    # pain when changing direction: the article's sentence about sudden changes in direction
    assert "sudden changes in direction" in " ".join(quotes(explain(kb, HIP_INTAKE)))
    without = dict(HIP_INTAKE, aggravating_activities=[], knee_location="unknown")
    assert "sudden changes in direction" not in " ".join(quotes(explain(kb, without)))


def test_both_profile_quotes_both_links_with_each_persons_finding(kb):
    text = explain(kb, BOTH_INTAKE)
    quoted = " ".join(quotes(text))
    assert has_any(quoted, ANKLE_SENTENCES) and "Weak or unstable hips" in quoted
    assert "pelvis dropped" in text and "8 cm from the wall" in text
    # the ankle part comes first, as in the article
    assert text.index("8 cm from the wall") < text.index("pelvis dropped on the other side.")


CHECKS_FINE = {"hip_check": "normal", "ankle_wall_left_cm": 12, "ankle_wall_right_cm": 12}


@pytest.mark.parametrize("intake", [UNCLEAR_INTAKE, {}, CHECKS_FINE])
def test_unclear_profile_explains_both_links_and_the_specialist(kb, intake):
    text = explain(kb, intake)
    quoted = " ".join(quotes(text))
    assert has_any(quoted, ANKLE_SENTENCES) and "Weak or unstable hips" in quoted
    assert "can't tell" in text
    assert "physical therapist or movement specialist" in text


def test_unclear_profile_mentions_a_weak_leaning_honestly(kb):
    text = explain(kb, UNCLEAR_INTAKE)  # outside of the knee + running: both hints point to the ankles
    assert "a little towards the ankles" in text and "weak hint" in text


def test_high_pain_and_sudden_onset_add_a_caution(kb):
    text = explain(kb, dict(ANKLE_INTAKE, pain_score=8, pain_onset="sudden"))
    assert "8/10" in text and "started suddenly" in text
    assert "started suddenly" not in explain(kb, ANKLE_INTAKE)


def test_same_input_same_explanation(kb):
    assert explain(kb, BOTH_INTAKE) == explain(kb, dict(BOTH_INTAKE))


def test_driver_quotes_follow_the_article_order_and_stay_with_their_link(kb):
    for driver, own, other in (("ankle", ANKLE_SENTENCES, HIP_SENTENCES), ("hip", HIP_SENTENCES, ANKLE_SENTENCES)):
        passages = driver_quotes(kb, driver, ["running", "changes in direction"])
        assert passages == sorted(passages, key=lambda p: p.position)
        text = " ".join(p.text for p in passages)
        assert has_any(text, own) and not has_any(text, other)
