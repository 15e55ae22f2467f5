"""A second source reaches the consultation without code changes (tests/fixtures/second_article/).

The fixture is a short made-up article about the feet, with its meta file (declaring a "foot"
driver that the knee caving in points to) and its exercises file. Copied next to the trainer's
article into a temporary folder laid out like the project, it is built into a knowledge base
and read by the same code the consultation uses.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from coaching.article_answers import driver_question, mentions_exercises
from coaching.exercise_plan import DATA_FILE, format_exercise_plan, load_exercises, plan_exercises
from coaching.explanation import compose_explanation, driver_quotes
from coaching.movement_profile import movement_profile
from knowledge import KnowledgeBase, build
from knowledge.drivers import SourceMetaError, load_catalogue
from knowledge.nlp import normalize_text
from knowledge.settings import DEFAULT_SOURCES

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "second_article"
TITLE = "Feet, Big Toes and the Knee"
SECTION = "How the foot steers the knee"
FIRST_TITLE = "The Connection Between Knee Pain, Stiff Ankles, and Hip Instability"

CAVES_IN = {
    "knee_side": "right",
    "knee_location": "inside",
    "aggravating_activities": ["stairs"],
    "pain_score": 3,
    "ankle_wall_left_cm": 12,
    "ankle_wall_right_cm": 12,
    "hip_check": "knee_caves_in",
}
# Answers that point only to the trainer's article's links (the single-leg check was done, so
# the second article's hint for an unchecked knee doesn't apply either).
FIRST_ARTICLE_ONLY = [
    {
        "knee_location": "front",
        "aggravating_activities": ["stairs", "running"],
        "pain_score": 4,
        "ankle_wall_left_cm": 6,
        "ankle_wall_right_cm": 11,
        "hip_check": "normal",
        "knee_side": "left",
    },
    {
        "ankle_wall_left_cm": 12,
        "ankle_wall_right_cm": 12,
        "hip_check": "pelvis_drop",
        "aggravating_activities": ["changing_direction"],
        "pain_score": 3,
    },
    {"ankle_wall_left_cm": 8, "ankle_wall_right_cm": 8.5, "hip_check": "pelvis_drop", "pain_score": 5},
]


def words(text: str) -> str:
    return " ".join(normalize_text(text).split())


FIXTURE_TEXT = words(re.sub(r"^#+ ", "", (FIXTURE / "feet_and_knees.md").read_text(encoding="utf-8"), flags=re.M))


def lay_out(root: Path) -> Path:
    """The project's layout under ``root``: both articles in knowledge/sources, the trainer's
    exercises where its meta file links them (../../coaching/exercises.yml)."""
    sources = root / "knowledge" / "sources"
    sources.mkdir(parents=True)
    (root / "coaching").mkdir()
    shutil.copy(DATA_FILE, root / "coaching" / DATA_FILE.name)
    for name in ("article.txt", "article.meta.yml"):
        shutil.copy(DEFAULT_SOURCES / name, sources / name)
    for path in FIXTURE.iterdir():
        shutil.copy(path, sources / path.name)
    return sources


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    return lay_out(tmp_path_factory.mktemp("two-articles"))


@pytest.fixture(scope="module")
def two(sources):
    """(knowledge base, catalogue, exercise library) of both articles."""
    url = f"sqlite:///{sources.parent / 'knowledge.db'}"
    stats = build(sources, url)
    assert stats.documents == 2
    return KnowledgeBase(url), load_catalogue(sources), load_exercises(sources_dir=sources)


def explain(kb, catalogue, intake):
    return compose_explanation(movement_profile(intake, catalogue), intake, kb, catalogue)


def quotes(text):
    return re.findall(r"\u201c(.+?)\u201d", text)


# ---------------------------------------------------------------- the second article's driver


def test_the_second_article_declares_its_own_driver(two):
    _, catalogue, library = two
    assert [d.name for d in catalogue.drivers] == ["ankle", "hip", "foot"]
    foot = catalogue.driver("foot")
    assert (foot.source_title, foot.section, foot.findings) == (TITLE, SECTION, ("knee_caves_in",))
    assert [e.id for e in library.for_target("foot")] == ["short_foot", "big_toe_press"]


def test_a_knee_that_caves_in_points_to_the_hips_and_the_feet(two):
    _, catalogue, _ = two
    profile = movement_profile(CAVES_IN, catalogue)
    assert profile.profile == "hip+foot" and profile.drivers == ("hip", "foot")
    assert profile.driver_signals["foot"].supporting_findings == ["your knee caves in on the single-leg squat"]
    # a steady single-leg check rules the foot out like the hips; without the check it is unknown
    assert movement_profile(dict(CAVES_IN, hip_check="normal"), catalogue).driver_signals["foot"].status == "not_found"
    assert movement_profile({}, catalogue).driver_signals["foot"].status == "unknown"


def test_the_second_articles_sentences_are_quoted_and_cited(two):
    kb, catalogue, _ = two
    text = explain(kb, catalogue, CAVES_IN)
    assert f'"{FIRST_TITLE}" by Simon Jarvis and "{TITLE}" by Alex Example' in text.split("\n")[0]
    assert "The article explains how the foot can pull the knee inwards:" in text
    assert f'(From "{TITLE}" by Alex Example \u2014 section "{SECTION}")' in text
    own = [q for q in quotes(text) if words(q) in FIXTURE_TEXT]
    assert own[:2] == [
        "When the arch of the foot flattens on landing, the shin turns inwards and pulls the knee in with it.",
        "A big toe that cannot press firmly into the ground leaves the inner edge of the foot without an anchor, "
        "so the arch sinks even sooner.",
    ]
    # stairs bring the pain on: the article's sentence about stepping down a stair comes too
    assert any("stepping down a stair" in q for q in own)
    assert "your answers fit the hip link and the foot link" in text
    assert text.count("You told me that your knee caves in") == 1  # told once, before the first link


def test_its_exercises_are_in_the_plan_with_how_and_dose(two):
    _, catalogue, library = two
    profile = movement_profile(CAVES_IN, catalogue)
    plan = plan_exercises(profile.profile, 3, CAVES_IN["aggravating_activities"], library)
    assert plan.exercise_ids == ["glute_bridge", "clamshell", "short_foot", "big_toe_press"]
    text = format_exercise_plan(plan)
    for exercise in library.for_target("foot"):
        assert f'{exercise.name} \u2014 for the feet (\u201c{exercise.article_phrase}\u201d in "{TITLE}")' in text
        assert f"Dose: {exercise.starting_dose}" in text
        assert all(step in text for step in exercise.how)
        assert exercise.article_phrase in FIXTURE_TEXT.lower()
    assert f'"{TITLE}" by Alex Example' in text.split("\n")[0]
    assert "sinking arch lets the knee drift inwards" in text  # its plan note, for stairs
    high = plan_exercises("foot", 7, library=library)  # the big toe press is over its max pain
    assert high.exercise_ids == ["short_foot"]
    assert "1. Short foot (easier version)" in format_exercise_plan(high)
    assert any(n.startswith("Left out") and "Big toe press" in n for n in high.notes)


def test_an_unclear_profile_describes_every_articles_link(two):
    kb, catalogue, library = two
    text = explain(kb, catalogue, {})
    assert "which of the articles' three links applies" in text
    assert "Sinking arches and weak big toes:\n\u201cWhen the arch of the foot flattens" in text
    starter = plan_exercises("unclear", 3, library=library)
    assert [e.target for e in starter.exercises] == ["ankle", "hip", "foot"]


def test_a_why_question_about_the_feet_is_answered_from_the_second_article(two):
    kb, catalogue, _ = two
    question = "why do my feet make my knee hurt"
    driver = driver_question(question, kb.concepts_in(question), catalogue)
    assert driver == "foot"
    assert driver_question(question, kb.concepts_in(question)) is None  # the trainer's article alone: search
    passages = driver_quotes(kb, driver, catalogue=catalogue)
    assert [p.section for p in passages] == [SECTION, SECTION]
    assert passages[0].text.startswith("When the arch of the foot flattens")


def test_its_exercises_are_withheld_like_the_first_articles(two):
    _, _, library = two
    assert mentions_exercises("How many big toe presses a day?", library=library)
    assert not mentions_exercises("How many big toe presses a day?")  # unknown to the trainer's article alone


# ---------------------------------------------------------------- the first article is unchanged


@pytest.mark.parametrize("intake", FIRST_ARTICLE_ONLY)
def test_the_first_articles_explanation_is_unchanged(two, kb, intake):
    kb2, catalogue, _ = two
    assert "foot" not in movement_profile(intake, catalogue).drivers
    assert explain(kb2, catalogue, intake) == compose_explanation(movement_profile(intake), intake, kb)


def test_the_hip_part_is_the_same_next_to_the_foot(two, kb):
    kb2, catalogue, _ = two
    alone = compose_explanation(movement_profile(CAVES_IN), CAVES_IN, kb)
    hip_part = next(p for p in alone.split("\n\n") if "weak or unstable hips can affect the knee" in p)
    assert hip_part in explain(kb2, catalogue, CAVES_IN)


@pytest.mark.parametrize("profile", ["ankle", "hip"])
def test_the_first_articles_plans_are_unchanged(two, profile):
    _, _, library = two
    for pain in (None, 3, 6, 8):
        assert format_exercise_plan(plan_exercises(profile, pain, ["stairs", "sport"], library)) == (
            format_exercise_plan(plan_exercises(profile, pain, ["stairs", "sport"]))
        )


# ---------------------------------------------------------------- metadata errors are explained


def edit_meta(sources: Path, change) -> None:
    path = sources / "feet_and_knees.meta.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["drivers"][0])
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def test_a_driver_naming_a_missing_section_fails_the_build(tmp_path):
    sources = lay_out(tmp_path)
    edit_meta(sources, lambda d: d.update(section="Toes and more"))
    with pytest.raises(SourceMetaError, match=r"driver 1 \(foot\).*'Toes and more' is not a heading"):
        build(sources, f"sqlite:///{tmp_path / 'kb.db'}")


def test_a_driver_taken_by_two_articles_is_an_error(tmp_path):
    sources = lay_out(tmp_path)
    edit_meta(sources, lambda d: d.update(name="hip"))
    with pytest.raises(SourceMetaError, match="'hip' is declared by both"):
        load_catalogue(sources)


def test_an_unknown_finding_is_named(tmp_path):
    sources = lay_out(tmp_path)
    edit_meta(sources, lambda d: d.update(findings=["toes_curl"]))
    with pytest.raises(ValueError, match="'toes_curl'.*findings are ankle_stiff"):
        movement_profile(CAVES_IN, load_catalogue(sources))
