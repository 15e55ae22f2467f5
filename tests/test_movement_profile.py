"""Movement profile: which of the article's links (ankle, hip, both) the intake answers point to."""

import json

import pytest

from coaching.movement_profile import (
    ANKLE_DIFFERENCE_CM,
    ANKLE_GUIDE_CM,
    movement_profile,
    symptom_terms,
)

GOOD_ANKLES = {"ankle_wall_left_cm": 12, "ankle_wall_right_cm": 12.5}


def profile_of(**intake):
    return movement_profile(intake).profile


# ---------------------------------------------------------------- realistic intakes


def test_runner_with_a_stiff_left_ankle_and_steady_hips_is_an_ankle_profile():
    result = movement_profile(
        {
            "knee_side": "left",
            "knee_location": "front",
            "pain_onset": "gradual",
            "pain_duration_days": 42,
            "pain_score": 4,
            "aggravating_activities": ["running", "stairs"],
            "activity_level": "active",
            "ankle_wall_left_cm": 6,
            "ankle_wall_right_cm": 11,
            "hip_check": "normal",
        }
    )
    assert result.profile == "ankle"
    assert result.drivers == ("ankle",)
    text = " ".join(result.findings)
    assert "left ankle reached 6 cm" in text and "10 cm" in text
    assert "same side as your sore knee" in text


def test_footballer_whose_knee_caves_in_with_good_ankles_is_a_hip_profile():
    result = movement_profile(
        {
            "knee_side": "right",
            "knee_location": "inside",
            "aggravating_activities": ["changing_direction", "sport"],
            "activity_level": "athlete",
            "hip_check": "knee_caves_in",
            **GOOD_ANKLES,
        }
    )
    assert result.profile == "hip"
    assert any("knee caves in" in f for f in result.findings)


def test_stiff_ankles_and_a_pelvis_drop_is_both():
    result = movement_profile({"ankle_wall_left_cm": 7, "ankle_wall_right_cm": 8, "hip_check": "pelvis_drop"})
    assert result.profile == "both"
    assert result.drivers == ("ankle", "hip")
    assert any("pelvis dropped" in f for f in result.findings)


def test_hip_check_answer_both_means_both_hip_signs():
    result = movement_profile({"hip_check": "both", **GOOD_ANKLES})
    assert result.profile == "hip"
    assert set(result.driver_signals["hip"].evidence) == {"pelvis_drop", "knee_caves_in"}


def test_both_checks_fine_is_unclear_and_says_so():
    result = movement_profile({"hip_check": "normal", **GOOD_ANKLES})
    assert result.profile == "unclear"
    assert any("neither check" in f for f in result.findings)


# ---------------------------------------------------------------- thresholds


@pytest.mark.parametrize("left, restricted", [(9.9, True), (9.99, True), (10, False), (10.0, False), (0, True)])
def test_ankle_guide_boundary(left, restricted):
    # the other ankle matches within 1 cm, so only the guide can decide
    right = left + 0.5
    result = movement_profile({"ankle_wall_left_cm": left, "ankle_wall_right_cm": right, "hip_check": "normal"})
    assert (result.profile == "ankle") is restricted


def test_guide_is_ten_and_difference_is_two_cm():
    assert ANKLE_GUIDE_CM == 10
    assert ANKLE_DIFFERENCE_CM == 2


@pytest.mark.parametrize(
    "left, right, asymmetric",
    [
        (12, 14, True),
        (14, 12, True),
        (12.2, 10.2, True),  # exactly 2 cm (even with float rounding)
        (12, 13.9, False),
        (10.1, 12.0, False),
        (15, 16.5, False),
        (11, 20, True),
    ],
)
def test_left_right_difference_boundary_with_both_ankles_past_the_guide(left, right, asymmetric):
    result = movement_profile({"ankle_wall_left_cm": left, "ankle_wall_right_cm": right, "hip_check": "normal"})
    assert (result.profile == "ankle") is asymmetric


def test_asymmetry_names_the_shorter_side_as_the_stiffer_one():
    result = movement_profile({"ankle_wall_left_cm": 14, "ankle_wall_right_cm": 11, "knee_side": "left"})
    ankle = result.driver_signals["ankle"]
    assert ankle.details["stiffer_side"] == "right"
    text = " ".join(result.findings)
    assert "right ankle reached 3 cm less than your left" in text
    assert "sore knee is the left one" in text  # stated as a fact, not explained away


def test_one_measured_ankle_is_enough_for_the_guide():
    assert profile_of(ankle_wall_right_cm=8) == "ankle"
    assert profile_of(ankle_wall_right_cm=11) == "unclear"


# ---------------------------------------------------------------- unknown and messy values


@pytest.mark.parametrize("value", [None, "unknown", "", "  ", "not sure", "60", 60, -3, float("nan"), True, [7]])
def test_unusable_ankle_values_are_ignored(value):
    result = movement_profile({"ankle_wall_left_cm": value, "ankle_wall_right_cm": value, "hip_check": "unknown"})
    assert result.profile == "unclear"
    assert result.driver_signals["ankle"].status == "unknown"


def test_an_implausible_measurement_is_reported_not_guessed():
    result = movement_profile({"ankle_wall_left_cm": 60, "ankle_wall_right_cm": 11})
    assert result.profile == "unclear"
    assert any("(60)" in f and "left it out" in f for f in result.findings)


@pytest.mark.parametrize("value", ["6 cm", "6cm", " 6 ", "6,5", "9.9 centimetres"])
def test_measurements_typed_as_text_are_read(value):
    assert profile_of(ankle_wall_left_cm=value, ankle_wall_right_cm=value) == "ankle"


@pytest.mark.parametrize("value", ["Knee caves in", "knee-caves-in", "KNEE_CAVES_IN", ["knee_caves_in"]])
def test_hip_check_spellings(value):
    assert profile_of(hip_check=value, **GOOD_ANKLES) == "hip"


@pytest.mark.parametrize("intake", [{}, None, "not a dict", {"hip_check": "wobbly", "ankle_wall_left_cm": "far"}])
def test_no_usable_checks_is_unclear(intake):
    result = movement_profile(intake)
    assert result.profile == "unclear"
    assert all(s.status == "unknown" for s in result.driver_signals.values())
    assert any("can't tell about your ankles" in f for f in result.findings)
    assert any("can't tell about your hips" in f for f in result.findings)


# ---------------------------------------------------------------- symptoms are weak hints only


def test_symptoms_alone_never_make_a_profile_but_show_a_leaning():
    result = movement_profile({"knee_location": "front", "aggravating_activities": ["stairs", "squatting", "running"]})
    assert result.profile == "unclear"
    assert result.leaning == "ankle"
    assert any("weak hint" in f for f in result.findings)


def test_hip_hints_lean_to_the_hips():
    result = movement_profile({"knee_location": "inside", "aggravating_activities": ["changing_direction"]})
    assert (result.profile, result.leaning) == ("unclear", "hip")


def test_equal_hints_do_not_lean():
    result = movement_profile({"knee_location": "front", "aggravating_activities": ["sport"]})
    assert (result.profile, result.leaning) == ("unclear", None)


def test_checks_outweigh_contradicting_symptoms():
    # every symptom says "hips", but the hip check was normal and the ankle is stiff
    result = movement_profile(
        {
            "knee_location": "inside",
            "aggravating_activities": ["changing_direction", "jumping", "sport"],
            "hip_check": "normal",
            "ankle_wall_left_cm": 5,
            "ankle_wall_right_cm": 5.5,
        }
    )
    assert result.profile == "ankle"
    assert result.driver_signals["hip"].hints == []  # a known check leaves no room for hints


def test_normal_checks_are_not_overruled_by_symptoms():
    result = movement_profile(
        {
            "knee_location": "front",
            "aggravating_activities": ["stairs", "squatting"],
            "hip_check": "normal",
            **GOOD_ANKLES,
        }
    )
    assert (result.profile, result.leaning) == ("unclear", None)


def test_hints_are_recorded_for_the_unchecked_joint_without_changing_the_profile():
    result = movement_profile({"hip_check": "knee_caves_in", "aggravating_activities": ["stairs"]})
    assert result.profile == "hip"
    assert result.driver_signals["ankle"].hints  # stairs hint the ankle, which wasn't checked


def test_normal_and_a_problem_on_the_hip_check_counts_the_problem_and_says_so():
    result = movement_profile({"hip_check": ["normal", "pelvis_drop"], **GOOD_ANKLES})
    assert result.profile == "hip"
    assert any("looked normal" in f for f in result.findings)


# ---------------------------------------------------------------- plain language, plain data


@pytest.mark.parametrize(
    "intake",
    [
        {"ankle_wall_left_cm": 6, "hip_check": "both", "knee_location": "front"},
        {"knee_location": "outside", "aggravating_activities": ["running"]},
        {"hip_check": "normal", **GOOD_ANKLES},
    ],
)
def test_findings_never_diagnose(intake):
    text = " ".join(movement_profile(intake).findings).lower()
    assert "you have" not in text and "diagnos" not in text


def test_profile_is_plain_data():
    result = movement_profile({"ankle_wall_left_cm": 6, "hip_check": "pelvis_drop"})
    data = json.loads(json.dumps(result.to_dict()))
    assert data["profile"] == "both"
    assert data["driver_signals"]["ankle"]["details"]["left_cm"] == 6


def test_same_intake_same_profile():
    intake = {
        "ankle_wall_left_cm": 9,
        "ankle_wall_right_cm": 12,
        "hip_check": "knee_caves_in",
        "knee_location": "front",
    }
    assert movement_profile(intake) == movement_profile(dict(intake))


# ---------------------------------------------------------------- knowledge-base search words


@pytest.mark.parametrize(
    "location, term", [("front", "kneecap pain PFPS"), ("outside", "IT band"), ("inside", "meniscus ligament")]
)
def test_symptom_terms_for_where_it_hurts(location, term):
    assert symptom_terms({"knee_location": location})[0] == term


def test_symptom_terms_include_activities_and_what_the_check_showed_without_duplicates():
    terms = symptom_terms(
        {
            "knee_location": "front",
            "aggravating_activities": ["stairs", "changing_direction", "stairs", "kneeling"],
            "hip_check": "knee_caves_in",
        }
    )
    assert "stairs" in terms and "changes in direction" in terms
    assert any("inwards" in t for t in terms)
    assert len(terms) == len(set(terms))
    assert not any("kneel" in t for t in terms)  # the article says nothing about kneeling


@pytest.mark.parametrize("intake", [{}, None, {"knee_location": "unknown", "aggravating_activities": "unknown"}])
def test_no_symptoms_no_terms(intake):
    assert symptom_terms(intake) == []
