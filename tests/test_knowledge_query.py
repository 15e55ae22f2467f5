"""Querying the knowledge base: answers, explanations, exercises, citations, bad input.

(Over 300 lines: questions and the passages they must find.)
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from knowledge import KnowledgeBase, KnowledgeBaseNotBuilt
from knowledge.results import Explanation, Passage

TITLE = "The Connection Between Knee Pain, Stiff Ankles, and Hip Instability"
PFPS = "patellofemoral pain syndrome (PFPS)"


def top(kb, question):
    answers = kb.answer(question)
    assert answers, question
    return answers[0].text


# --------------------------------------------------------------------------- opening


def test_missing_database_says_how_to_build_it(tmp_path):
    path = tmp_path / "nothing.db"
    with pytest.raises(KnowledgeBaseNotBuilt, match=r"python -m knowledge\.build"):
        KnowledgeBase(f"sqlite:///{path}")
    assert not path.exists()  # opening never creates an empty database


def test_empty_database_says_how_to_build_it(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with pytest.raises(KnowledgeBaseNotBuilt, match=r"python -m knowledge\.build"):
        KnowledgeBase(f"sqlite:///{path}")


def test_reading_does_not_change_the_database(knowledge_db_url):
    path = Path(knowledge_db_url[len("sqlite:///") :])
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    kb = KnowledgeBase(knowledge_db_url)
    kb.answer("runners knee")
    kb.explain_link("both", ["swelling"])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# --------------------------------------------------------------------------- answer


@pytest.mark.parametrize(
    "question",
    [
        "runners knee",
        "what is runner's knee?",
        "is running bad for runners knee",
        "pain around my kneecap",
        "PFPS",
        "Runner’s Knee",
    ],
)
def test_pfps_synonyms_find_the_pfps_sentence(kb, question):
    assert PFPS in top(kb, question)


@pytest.mark.parametrize(
    "question, fragment",
    [
        ("anckle exercises", "calf stretches, ankle circles"),
        ("how do i strengthen my hipps", ("glute bridges", "Strengthening the hips")),
        ("can weak hips cause menicus tears", "meniscus tears"),
        ("what is maltraking", "known as maltracking"),
        ("clam shells", "clamshells"),
        ("ITBS", "IT band syndrome"),
        ("hip drop", "pelvis to tilt"),
        ("why does my pelvis tilt", "pelvis to tilt"),
        ("what exercises for my hips", "glute bridges, lateral leg raises"),
        ("should i see a physio", ("physical therapist", "healthcare professional")),
    ],
)
def test_lay_words_and_typos_find_the_right_sentence(kb, question, fragment):
    best = top(kb, question)
    assert any(f in best for f in ((fragment,) if isinstance(fragment, str) else fragment)), best


def test_answer_returns_ranked_passages_with_source_fields(kb):
    answers = kb.answer("can weak hips cause meniscus tears", limit=5)
    assert len(answers) == 5
    assert all(isinstance(p, Passage) for p in answers)
    scores = [p.score for p in answers]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    best = answers[0]
    assert "meniscus tears" in best.text
    assert best.section == "Hip Instability and Knee Pain"
    assert best.document_title == TITLE
    assert best.author == "Simon Jarvis"
    assert best.position == 13
    assert kb.answer("can weak hips cause meniscus tears", limit=1) == answers[:1]


def test_answer_is_deterministic_and_ties_go_to_the_earlier_sentence(kb):
    first = kb.answer("knee pain", limit=27)
    assert first == kb.answer("knee pain", limit=27)
    assert first == KnowledgeBase(kb.db_url).answer("knee pain", limit=27)
    for a, b in zip(first, first[1:]):
        assert a.score > b.score or (a.score == b.score and a.position < b.position)


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   \n\t ",
        "🦵🔥😭",
        "?!.,;",
        "x" * 10_000,
        "knee " * 2_000,
        " ".join(["anckle", "hipps", "menicus", "qwzx", "blorf"] * 400),
        "'; DROP TABLE passages; --",
        "Robert'); DELETE FROM concepts WHERE 1=1;-- knee",
        "\x00\x01\x02",
        "ＫＮＥＥ ＰＡＩＮ",
        None,
        42,
    ],
)
def test_bad_input_never_raises_and_is_fast(kb, question):
    started = time.perf_counter()
    answers = kb.answer(question)
    assert time.perf_counter() - started < 0.5
    assert isinstance(answers, list) and len(answers) <= 3
    assert isinstance(kb.concepts_in(question), list)


def test_nonsense_and_empty_questions_return_nothing(kb):
    assert kb.answer("") == [] and kb.answer("🦵🔥") == [] and kb.answer("qwzx blorf") == []
    assert kb.answer("knee pain", limit=0) == []
    assert len(kb.passages) == 27  # the injection strings did nothing


# --------------------------------------------------------------------------- concepts_in


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my runner’s knee hurts", ["pfps", "knee", "pain"]),
        ("my knee caves in when I squat", ["maltracking", "knee", "squatting"]),
        ("wobbly hipps and tight ankles", ["hip_instability", "ankle_stiffness"]),
        ("my ankle is really stiff", ["ankle_stiffness", "ankle", "stiffness"]),
        ("anckle menicus maltraking", ["ankle", "meniscus_tear", "maltracking"]),
        ("glute bridge and clam shells", ["glute_bridges", "clamshells"]),
        ("ACL sprain", ["ligament_strain"]),
        ("my ankle is fine but my knee is stiff", ["ankle", "knee", "stiffness"]),
    ],
)
def test_concepts_in(kb, text, expected):
    found = kb.concepts_in(text)
    assert set(expected) <= set(found), found
    if "fine but" in text:
        assert "ankle_stiffness" not in found  # no composite across "but"
    assert found == kb.concepts_in(text)


def test_concepts_in_nothing(kb):
    assert kb.concepts_in("hello there") == []
    assert kb.concepts_in("") == []


# --------------------------------------------------------------------------- explain_link


def pairs(steps):
    return {(s.cause, s.effect) for s in steps}


def test_explain_ankle_follows_the_article_chain(kb):
    explanation = kb.explain_link("ankle")
    assert isinstance(explanation, Explanation) and explanation.driver == "ankle"
    assert {
        ("ankle_stiffness", "compensation"),
        ("compensation", "joint_stress"),
        ("joint_stress", "pfps"),
        ("joint_stress", "it_band_syndrome"),
        ("ankle_stiffness", "maltracking"),
        ("maltracking", "cartilage_wear"),
    } <= pairs(explanation.links)
    assert not any(s.cause == "hip_instability" for s in explanation.links)
    first = explanation.links[0]
    assert first.depth == 1 and first.cause == "ankle_stiffness"
    depths = [s.depth for s in explanation.links]
    assert depths == sorted(depths)
    for step in explanation.links:
        assert step.passage.text and step.passage.section and step.relation
    maltracking = next(s for s in explanation.links if (s.cause, s.effect) == ("ankle_stiffness", "maltracking"))
    assert "move inwards or outwards" in maltracking.passage.text
    assert maltracking.passage.section == "Stiff Ankles and Knee Pain"
    assert pairs(explanation.remedies) == {("ankle_mobility_exercises", "joint_stress")}
    assert [e.name for e in explanation.exercises] == ["calf_stretches", "ankle_circles", "dorsiflexion_exercises"]
    assert explanation.passages == ()


def test_explain_hip_follows_the_article_chain(kb):
    explanation = kb.explain_link("hips")
    assert explanation.driver == "hip"
    assert {
        ("hip_instability", "pelvic_tilt"),
        ("hip_instability", "lateral_knee_movement"),
        ("lateral_knee_movement", "meniscus_tear"),
        ("lateral_knee_movement", "ligament_strain"),
        ("hip_instability", "reduced_knee_support"),
        ("reduced_knee_support", "injury"),
    } <= pairs(explanation.links)
    assert not any(s.cause == "ankle_stiffness" for s in explanation.links)
    assert {("hip_strengthening_exercises", "stability"), ("hip_strengthening_exercises", "injury")} <= pairs(
        explanation.remedies
    )


def test_explain_both_and_symptoms(kb):
    both = kb.explain_link("both", ["swelling", "pain on the outside of the knee"])
    assert pairs(kb.explain_link("ankle").links) | pairs(kb.explain_link("hip").links) == pairs(both.links)
    assert len(both.exercises) == 6
    assert 1 <= len(both.passages) <= 3
    assert both == kb.explain_link("both", ["swelling", "pain on the outside of the knee"])  # deterministic


def test_explain_unknown_driver(kb):
    with pytest.raises(ValueError, match="driver must be one of"):
        kb.explain_link("elbow")


# --------------------------------------------------------------------------- exercises and citations


def test_exercises_for_each_target(kb):
    ankle = kb.exercises_for("ankle")
    assert [(e.name, e.surface, e.target) for e in ankle] == [
        ("calf_stretches", "calf stretches", "ankle"),
        ("ankle_circles", "ankle circles", "ankle"),
        ("dorsiflexion_exercises", "dorsiflexion exercises", "ankle"),
    ]
    assert all(e.passage.text.startswith("Ankle Mobility Exercises:") for e in ankle)
    hip = kb.exercises_for("hip")
    assert [e.name for e in hip] == ["glute_bridges", "lateral_leg_raises", "clamshells"]
    assert all(e.passage.text.startswith("Hip-Strengthening Exercises:") for e in hip)
    assert [e.name for e in kb.exercises_for("both")] == [e.name for e in ankle + hip]
    assert kb.exercises_for("elbow") == []


def test_cite(kb):
    passage = kb.answer("runners knee")[0]
    assert kb.cite(passage) == (
        'From "The Connection Between Knee Pain, Stiff Ankles, and Hip Instability" by Simon Jarvis'
        ' \u2014 section "Stiff Ankles and Knee Pain"'
    )


# --------------------------------------------------------------------------- a second article


def test_second_article_builds_alongside_the_first(two_article_db):
    _, stats = two_article_db
    assert stats.documents == 2
    assert stats.passages > 27


@pytest.mark.parametrize(
    "question, fragment",
    [
        ("how often should i replace my running shoes", "lose their cushioning"),
        ("do flat feet cause knee pain", "Flat feet, also called fallen arches"),
        ("towel curls", "Towel curls: sit with a towel"),
        ("are insoles or orthotics worth it", "Custom orthotics"),
        ("what shoes for flat feet", "firm heel counter"),
    ],
)
def test_second_article_is_answerable(two_article_kb, question, fragment):
    best = two_article_kb.answer(question)[0]
    assert fragment in best.text
    assert best.document_title == "Flat Feet, Footwear and Knee Pain"
    assert best.author is None


@pytest.mark.parametrize(
    "question, fragment",
    [
        ("what is runners knee", PFPS),
        ("what exercises for my hips", "glute bridges"),
        ("can weak hips cause menicus tears", "meniscus tears"),
    ],
)
def test_main_article_still_answers_with_a_second_article(two_article_kb, question, fragment):
    best = two_article_kb.answer(question)[0]
    assert fragment in best.text and best.document_title == TITLE


def test_second_article_citation_and_sections(two_article_kb):
    best = two_article_kb.answer("towel curls")[0]
    assert best.section == "Simple foot exercises"
    assert (
        two_article_kb.cite(best) == 'From "Flat Feet, Footwear and Knee Pain" \u2014 section "Simple foot exercises"'
    )
    preamble = two_article_kb.answer("foundation for every step")[0]
    assert preamble.section == "" and two_article_kb.cite(preamble) == 'From "Flat Feet, Footwear and Knee Pain"'


def test_second_article_yields_causal_links_by_the_same_rules(two_article_kb):
    second = [s for s in two_article_kb.causal_links() if s.passage.document_title != TITLE]
    found = {(s.cause, s.effect): s.passage.text for s in second}
    assert "Tight calves often lead" in found[("ankle_stiffness", "compensation")]
    assert "Weak glutes can cause the knee to cave in" in found[("hip_instability", "maltracking")]
