"""The consultation's order and answer reading, without Rasa (coaching/consultation.py)."""

import pytest

from coaching import consultation as flow

ALL_CLEAR = {
    "age_years": 34,
    "rf_age_55_plus": False,
    "rf_under_16": False,
    "rf_injury": False,
    "rf_can_bear_weight": True,
    "rf_hot_red_swollen": False,
    "rf_calf_pain_swelling": False,
    "rf_locking_giving_way": False,
    "rf_other_warning_signs": False,
}
ADULT = {"age_years": 34, "rf_age_55_plus": False, "rf_under_16": False}


def test_the_age_then_the_safety_questions_come_first():
    assert flow.remaining_slots({}) == ["age_years"]
    assert flow.remaining_slots(ADULT) == ["rf_injury"]
    # walking is asked of everyone, injured or not
    assert flow.remaining_slots({**ADULT, "rf_injury": False}) == ["rf_can_bear_weight"]


@pytest.mark.parametrize(
    "answer, age",
    [("30", 30), ("I'm thirty", 30), ("mid 50s", 55), ("55+", 55), ("over 60", 61), ("im 14", 14), ("forty two", 42)],
)
def test_the_age_is_read_as_a_number(answer, age):
    reading = flow.read_message({}, "age_years", answer, "inform_symptoms")
    assert reading.updates["age_years"] == age
    assert reading.updates["rf_age_55_plus"] is (age >= 55)
    assert reading.updates["rf_under_16"] is (age < 16)


@pytest.mark.parametrize("answer", ["yes", "no", "old enough", "older than you think"])
def test_yes_or_no_to_the_age_question_is_asked_again_never_guessed(answer):
    reading = flow.read_message({}, "age_years", answer, "affirm" if answer == "yes" else "deny")
    assert "age_years" not in reading.updates and "rf_age_55_plus" not in reading.updates
    assert reading.notes and "number" in reading.notes[0]


def test_a_child_gets_no_adult_exercise_plan():
    slots = {**ALL_CLEAR, **flow.read_message({}, "age_years", "12", "inform_symptoms").updates}
    result = flow.assess(slots)
    assert result.level == "soon" and not result.allows_exercises
    assert any("parent" in r.reason for r in result.reasons)
    assert flow.remaining_slots(slots) == []  # no self-checks for a child either


def test_severe_pain_skips_the_self_checks():
    reading = flow.read_message(ALL_CLEAR, "pain_score", "8/10", "inform_symptoms")
    slots = {**ALL_CLEAR, **reading.updates}
    assert slots["rf_severe_pain"] is True
    assert flow.assess(slots).level == "same_day"
    assert not set(flow.remaining_slots(slots)) & set(flow.CHECK_SLOTS)


def test_after_an_injury_the_ottawa_questions_follow_and_onset_is_not_asked():
    assert flow.remaining_slots({**ADULT, "rf_injury": True}) == ["rf_can_bear_weight"]
    cleared = {
        **ALL_CLEAR,
        "rf_injury": True,
        "rf_can_bear_weight": True,
        "rf_can_bend_90": True,
        "rf_pop_swelling": False,
        "rf_age_55_plus": False,
    }
    assert "pain_onset" not in flow.remaining_slots(cleared)


def test_no_warning_signs_then_intake_then_self_checks():
    remaining = flow.remaining_slots(ALL_CLEAR)
    assert remaining == flow.INTAKE_SLOTS + flow.CHECK_SLOTS
    answered = {**ALL_CLEAR, **{slot: "unknown" for slot in flow.INTAKE_SLOTS + flow.CHECK_SLOTS}}
    assert flow.remaining_slots(answered) == []


def test_a_red_flag_stops_the_intake():
    remaining = flow.remaining_slots({**ADULT, "rf_injury": False, "rf_hot_red_swollen": True})
    assert not set(remaining) & set(flow.INTAKE_SLOTS + flow.CHECK_SLOTS)
    assert flow.assess({"rf_injury": False, "rf_hot_red_swollen": True}).level == "same_day"
    # calf pain with breathlessness: nothing more to ask, it's an emergency
    emergency = {
        **ADULT,
        "rf_injury": False,
        "rf_hot_red_swollen": False,
        "rf_calf_pain_swelling": True,
        "rf_breathless_chest_pain": True,
    }
    assert flow.remaining_slots(emergency) == []
    assert flow.assess(emergency).level == "emergency"


def test_several_facts_in_one_message():
    reading = flow.read_message(
        {}, "rf_injury", "no. left knee, front, hurts on stairs for 3 weeks, about 6/10", "inform_symptoms"
    )
    assert reading.updates["rf_injury"] is False
    assert reading.updates["knee_side"] == "left"
    assert reading.updates["knee_location"] == "front"
    assert reading.updates["aggravating_activities"] == ["stairs"]
    assert reading.updates["pain_duration_days"] == 21
    assert reading.updates["pain_score"] == 6


def test_a_question_is_not_mined_for_answers():
    reading = flow.read_message(ALL_CLEAR, "knee_side", "why does my left knee hurt on stairs?", "ask_article_question")
    assert reading.updates == {}


def test_correction_overwrites_the_earlier_answer():
    reading = flow.read_message(
        {**ALL_CLEAR, "knee_side": "left"}, "knee_location", "actually it's the right one", "inform_symptoms"
    )
    assert reading.updates["knee_side"] == "right"


def test_dont_know_and_skip_mark_the_question_unknown():
    assert flow.read_message(ALL_CLEAR, "knee_side", "idk", "dont_know").updates["knee_side"] == "unknown"
    assert flow.read_message(ALL_CLEAR, "hip_check", "skip", "skip").updates["hip_check"] == "unknown"


def test_a_volunteered_red_flag_in_the_middle_of_the_intake():
    reading = flow.read_message(ALL_CLEAR, "pain_score", "6, and it keeps giving way", "inform_symptoms")
    assert reading.updates["pain_score"] == 6
    slots = {**ALL_CLEAR, **reading.updates}
    assert flow.assess(slots).level == "same_day"  # a knee that gives way: seen today
    assert flow.remaining_slots(slots) == []


def test_out_of_range_pain_score_is_asked_again():
    reading = flow.read_message(ALL_CLEAR, "pain_score", "11", "inform_symptoms")
    assert "pain_score" not in reading.updates
    assert reading.notes and "0" in reading.notes[0]


def test_both_ankles_measured_in_one_answer():
    reading = flow.read_message(ALL_CLEAR, "ankle_wall_left_cm", "left 10 right 6", "report_self_check")
    assert reading.updates["ankle_wall_left_cm"] == 10
    assert reading.updates["ankle_wall_right_cm"] == 6


def test_intake_summary_reads_like_a_note():
    summary = flow.intake_summary(
        {
            **ALL_CLEAR,
            "knee_side": "left",
            "aggravating_activities": ["stairs", "running"],
            "requested_slot": "x",
            "consent_given": True,
        }
    )
    assert "requested_slot" not in summary and "consent_given" not in summary
    text = flow.describe_intake(summary)
    assert "knee: left" in text and "worse with: stairs, running" in text


def test_a_short_answer_mistaken_for_a_question_still_answers():
    reading = flow.read_message(ALL_CLEAR, "activity_level", "light exercise", "ask_article_question")
    assert reading.updates == {"activity_level": "light"}
    reading = flow.read_message(ALL_CLEAR, "activity_level", "what exercise is light?", "ask_article_question")
    assert reading.updates == {}
