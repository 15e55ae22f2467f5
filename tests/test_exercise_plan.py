"""Exercise plan: the article's six exercises, chosen for a profile and fitted to the pain level."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from coaching.exercise_plan import (
    DATA_FILE,
    ExerciseDataError,
    format_exercise_plan,
    load_exercises,
    parse_exercises,
    plan_exercises,
)

ARTICLE = Path(__file__).resolve().parent.parent / "knowledge" / "sources" / "article.txt"
ARTICLE_TEXT = ARTICLE.read_text(encoding="utf-8")
# The exercises the article names, in its own words.
ARTICLE_EXERCISES = {
    "calf stretches": "ankle",
    "ankle circles": "ankle",
    "dorsiflexion exercises": "ankle",
    "glute bridges": "hip",
    "lateral leg raises": "hip",
    "clamshells": "hip",
}
PAIN_SCORES = [None, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10]


@pytest.fixture(scope="module")
def library():
    return load_exercises()


@pytest.fixture()
def raw_data():
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def by_id(library):
    return {e.id: e for e in library.exercises}


# ---------------------------------------------------------------- the data file


def test_the_data_file_holds_exactly_the_articles_six_exercises(library):
    assert {e.article_phrase: e.target for e in library.exercises} == ARTICLE_EXERCISES
    for phrase in ARTICLE_EXERCISES:
        assert phrase in ARTICLE_TEXT


def test_every_exercise_is_complete_enough_to_follow(library):
    for exercise in library.exercises:
        assert 3 <= len(exercise.how) <= 5
        assert exercise.starting_dose and exercise.easier.dose != exercise.starting_dose
        stop = " ".join(exercise.stop_if).lower()
        for sign in ("sharp", "5/10", "next morning", "swelling", "giving way"):
            assert sign in stop, (exercise.id, sign)


def test_the_source_is_the_trainers_article(library):
    assert library.source_author == "Simon Jarvis"
    assert library.source_title in ARTICLE_TEXT


# ---------------------------------------------------------------- choosing by profile


def test_ankle_profile_gets_the_three_ankle_exercises(library):
    plan = plan_exercises("ankle", 2)
    assert [e.target for e in plan.exercises] == ["ankle"] * 3


def test_hip_profile_gets_the_three_hip_exercises(library):
    plan = plan_exercises("hip", 2)
    assert [e.target for e in plan.exercises] == ["hip"] * 3


def test_both_profile_gets_two_of_each_ankle_first():
    plan = plan_exercises("both", 2)
    assert [e.target for e in plan.exercises] == ["ankle", "ankle", "hip", "hip"]


def test_unclear_profile_gets_a_gentle_starter_and_the_specialist_advice(library):
    plan = plan_exercises("unclear", 2)
    assert sorted(e.target for e in plan.exercises) == ["ankle", "hip"]
    exercises = by_id(library)
    for planned in plan.exercises:
        same_target = [e for e in library.exercises if e.target == planned.target]
        assert exercises[planned.id].max_pain_score == max(e.max_pain_score for e in same_target)
    assert any("specialist" in note for note in plan.notes)


def test_no_profile_is_treated_as_unclear():
    assert plan_exercises(None, 3).exercise_ids == plan_exercises("unclear", 3).exercise_ids


def test_an_unknown_profile_is_an_error():
    with pytest.raises(ValueError, match="profile"):
        plan_exercises("knee", 3)


@pytest.mark.parametrize("profile", ["ankle", "hip", "both", "unclear"])
@pytest.mark.parametrize("pain", PAIN_SCORES)
def test_never_an_exercise_outside_the_article(profile, pain):
    plan = plan_exercises(profile, pain, ["running", "sport"])
    assert {e.article_phrase for e in plan.exercises} <= set(ARTICLE_EXERCISES)
    assert len(plan.exercise_ids) == len(set(plan.exercise_ids))


# ---------------------------------------------------------------- pain changes the plan


@pytest.mark.parametrize("profile", ["ankle", "hip", "both", "unclear"])
@pytest.mark.parametrize("pain", PAIN_SCORES)
def test_nothing_is_offered_above_its_max_pain_score(library, profile, pain):
    exercises = by_id(library)
    assumed = 5 if pain is None else pain
    for planned in plan_exercises(profile, pain).exercises:
        assert exercises[planned.id].max_pain_score >= assumed


@pytest.mark.parametrize("profile", ["ankle", "hip", "both", "unclear"])
def test_high_pain_means_easier_versions_and_fewer_or_equal_exercises(library, profile):
    low, high = plan_exercises(profile, 2), plan_exercises(profile, 7)
    exercises = by_id(library)
    assert 0 < len(high.exercises) <= len(low.exercises)
    for planned in high.exercises:
        assert planned.easier
        assert planned.dose == exercises[planned.id].easier.dose
        assert planned.how == exercises[planned.id].easier.how
    for planned in low.exercises:
        assert not planned.easier
        assert planned.dose == exercises[planned.id].starting_dose
    assert any("7/10" in note for note in high.notes)


def test_higher_pain_narrows_the_ankle_plan_and_says_what_was_left_out():
    counts = [len(plan_exercises("ankle", p).exercises) for p in range(0, 11)]
    assert counts == sorted(counts, reverse=True)  # never more exercises at more pain
    assert counts[0] > counts[8] > 0
    moderate = plan_exercises("ankle", 6)
    assert len(moderate.exercises) < len(plan_exercises("ankle", 2).exercises)
    assert any("Left out" in note for note in moderate.notes)


@pytest.mark.parametrize("profile", ["ankle", "hip", "both", "unclear"])
def test_very_high_pain_gets_no_exercises_but_a_clinician(profile):
    plan = plan_exercises(profile, 10)
    assert plan.exercises == []
    assert any("doctor or physiotherapist" in note for note in plan.notes)
    text = format_exercise_plan(plan)
    assert not re.search(r"^\d+\. ", text, re.MULTILINE) and "clinician" in text


@pytest.mark.parametrize("unknown", [None, "unknown", "", "lots", 11, -1, True])
def test_unknown_pain_is_treated_as_moderate(unknown):
    plan = plan_exercises("both", unknown)
    assert plan.exercise_ids == plan_exercises("both", 5).exercise_ids
    assert plan.pain_level == "moderate" and plan.pain_score is None
    assert any("assumed moderate" in note for note in plan.notes)


def test_pain_typed_as_text_is_read():
    assert plan_exercises("hip", "8/10").exercise_ids == plan_exercises("hip", 8).exercise_ids


def test_same_input_same_plan():
    assert plan_exercises("both", 6, ["stairs"]) == plan_exercises("both", 6, ["stairs"])


def test_activities_are_connected_to_the_article_only_for_the_joints_in_the_plan():
    ankle = plan_exercises("ankle", 3, ["stairs", "sport"])
    assert any("stairs" in n and "weight-bearing" in n for n in ankle.notes)
    assert not any("sport" in n for n in ankle.notes)
    hip = plan_exercises("hip", 3, ["changing_direction"])
    assert any("changes of direction" in n for n in hip.notes)


# ---------------------------------------------------------------- chat text


def test_formatted_plan_is_numbered_with_steps_dose_and_when_to_stop():
    plan = plan_exercises("both", 4)
    text = format_exercise_plan(plan)
    for number, exercise in enumerate(plan.exercises, start=1):
        assert f"{number}. {exercise.name}" in text
        assert exercise.dose in text
        for step in exercise.how:
            assert step in text
    assert text.count("Stop and contact the specialist") == len(plan.exercises)
    assert "Simon Jarvis" in text and "not a substitute for a clinician" in text


def test_formatted_high_pain_plan_shows_the_easier_version():
    text = format_exercise_plan(plan_exercises("hip", 8))
    assert "easier version" in text


# ---------------------------------------------------------------- validation


def write(tmp_path, data, name="exercises.yml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_valid_copy_loads(tmp_path, raw_data):
    assert len(load_exercises(write(tmp_path, raw_data)).exercises) == 6


def test_unknown_target_is_rejected(tmp_path, raw_data):
    raw_data["exercises"][0]["target"] = "knee"
    with pytest.raises(ExerciseDataError, match=r"exercise 1 \(calf_stretch\).*target.*'knee'"):
        load_exercises(write(tmp_path, raw_data))


@pytest.mark.parametrize(
    "field", ["id", "name", "how", "starting_dose", "easier", "stop_if", "max_pain_score", "article_phrase"]
)
def test_missing_field_is_rejected_by_name(tmp_path, raw_data, field):
    del raw_data["exercises"][2][field]
    with pytest.raises(ExerciseDataError, match=rf"exercise 3.*missing.*{field}"):
        load_exercises(write(tmp_path, raw_data))


def test_misspelt_field_is_rejected(tmp_path, raw_data):
    raw_data["exercises"][0]["stop_iff"] = raw_data["exercises"][0]["stop_if"]
    with pytest.raises(ExerciseDataError, match="unknown field.*stop_iff"):
        load_exercises(write(tmp_path, raw_data))


def test_an_exercise_the_article_does_not_name_is_rejected(tmp_path, raw_data):
    extra = copy.deepcopy(raw_data["exercises"][0])
    extra.update(id="squat_jumps", name="Squat jumps", article_phrase="squat jumps")
    raw_data["exercises"].append(extra)
    with pytest.raises(ExerciseDataError, match="not in the article"):
        load_exercises(write(tmp_path, raw_data))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["exercises"][0].update(how=["One step.", "Two steps."]), "how must have 3 to 5"),
        (lambda d: d["exercises"][0].update(how="Just do it."), "how must be a list"),
        (lambda d: d["exercises"][0].update(max_pain_score=11), "max_pain_score"),
        (lambda d: d["exercises"][0].update(max_pain_score="7"), "max_pain_score"),
        (lambda d: d["exercises"][0].update(stop_if=[]), "stop_if must have at least 1"),
        (lambda d: d["exercises"][0]["easier"].pop("dose"), "easier.*missing dose"),
        (lambda d: d["exercises"][1].update(id="calf_stretch"), "used twice"),
        (lambda d: d["exercises"][0].update(id="Calf Stretch"), "snake_case"),
        (lambda d: d.pop("source"), "source"),
        (
            lambda d: d.update(exercises=[e for e in d["exercises"] if e["target"] == "ankle"]),
            "no exercise has target 'hip'",
        ),
        (lambda d: d.update(exercises=[]), "non-empty list"),
    ],
)
def test_other_data_errors_are_explained(tmp_path, raw_data, change, message):
    change(raw_data)
    with pytest.raises(ExerciseDataError, match=message):
        load_exercises(write(tmp_path, raw_data))


def test_broken_yaml_and_missing_file_are_clear_errors(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("exercises: [\n  - id: x", encoding="utf-8")
    with pytest.raises(ExerciseDataError, match="not valid YAML"):
        load_exercises(broken)
    with pytest.raises(ExerciseDataError, match="cannot read"):
        load_exercises(tmp_path / "nope.yml")


def test_an_edited_file_is_reloaded(tmp_path, raw_data):
    path = write(tmp_path, raw_data)
    assert load_exercises(path).exercises[0].starting_dose == raw_data["exercises"][0]["starting_dose"]
    raw_data["exercises"][0]["starting_dose"] = "hold 45 s × 2 each side, once a day"
    path.write_text(yaml.safe_dump(raw_data, allow_unicode=True) + "\n# edited\n", encoding="utf-8")
    assert load_exercises(path).exercises[0].starting_dose == "hold 45 s × 2 each side, once a day"


def test_a_custom_library_drives_the_plan(raw_data):
    for exercise in raw_data["exercises"]:
        exercise["max_pain_score"] = 10
    library = parse_exercises(raw_data, "test", article_text=ARTICLE_TEXT)
    assert len(plan_exercises("ankle", 10, library=library).exercises) == 3
