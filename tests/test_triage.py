"""Red-flag triage (coaching/triage.py, coaching/red_flags.yml).

The expected levels below are written from the clinical guidance (Ottawa Knee
Rules; NHS knee pain, DVT and 111 guidance; NICE CKS DVT) and the unknown-answer
policy, not read from the YAML: the tests check that the data file and the
code together give the advice the guidance asks for.

(Over 300 lines: the triage rules' cases, one block per rule family, kept beside each other.)
"""

from __future__ import annotations

import itertools
import statistics
import time
from pathlib import Path

import pytest
import yaml

from coaching import triage
from coaching.triage import (
    A_AND_E,
    EMERGENCY,
    LEVELS,
    SAME_DAY,
    SELF_CARE,
    SOON,
    RedFlagsError,
    assess,
    detect_volunteered,
    format_triage_message,
    is_red_flag_level,
    load_red_flags,
    next_question,
    screening_complete,
)

U = "unknown"
SLOTS = list(triage.SLOTS)
INJURY_FOLLOW_UPS = ["rf_can_bend_90", "rf_pop_swelling"]
RANK = {level: i for i, level in enumerate(LEVELS)}
# The answer that is the warning sign (rf_injury "yes" only opens the follow-ups).
WARNING = {
    "rf_injury": True,
    "rf_can_bear_weight": False,
    "rf_can_bend_90": False,
    "rf_pop_swelling": True,
    "rf_age_55_plus": True,
    "rf_hot_red_swollen": True,
    "rf_calf_pain_swelling": True,
    "rf_breathless_chest_pain": True,
    "rf_locking_giving_way": True,
    "rf_other_warning_signs": True,
    # never asked: set from free text, the age and the pain score
    "rf_deformity": True,
    "rf_severe_pain": True,
    "rf_faint_from_pain": True,
    "rf_cold_foot": True,
    "rf_several_joints": True,
    "rf_operated_knee": True,
    "rf_chest_pain": True,
    "rf_coughing_blood": True,
    "rf_under_16": True,
}
# The questions everyone is asked, all answered "no sign" (age under 55 comes from the age question).
ALL_CLEAR = {
    "rf_injury": False,
    "rf_can_bear_weight": True,
    "rf_hot_red_swollen": False,
    "rf_calf_pain_swelling": False,
    "rf_locking_giving_way": False,
    "rf_other_warning_signs": False,
    "rf_age_55_plus": False,
}


def expected_level(a):
    """The guidance, spelled out independently of the YAML."""
    levels = [SELF_CARE]
    injury, calf, breath = a.get("rf_injury"), a.get("rf_calf_pain_swelling"), a.get("rf_breathless_chest_pain")
    # Ottawa (after injury) or NHS (without): can't bear weight / can't bend to 90 -> today
    if a.get("rf_can_bear_weight") is False or a.get("rf_can_bend_90") is False:
        levels.append(SAME_DAY)
    if a.get("rf_pop_swelling") is True:
        levels.append(SAME_DAY)
    if a.get("rf_age_55_plus") is True:
        levels.append(SAME_DAY if injury is True else SOON if injury == U else SELF_CARE)
    if a.get("rf_hot_red_swollen") is True:
        levels.append(SAME_DAY)
    if calf is True:
        levels.append(SAME_DAY)
    if breath is True:
        levels.append(EMERGENCY if calf in (True, U) else SAME_DAY)
    if a.get("rf_locking_giving_way") is True:
        levels.append(SAME_DAY)
    if a.get("rf_other_warning_signs") is True:
        levels.append(SOON)
    # "I don't know": at least soon; same day where a clot can't be ruled out
    for slot in (
        "rf_can_bear_weight",
        "rf_can_bend_90",
        "rf_pop_swelling",
        "rf_hot_red_swollen",
        "rf_locking_giving_way",
        "rf_other_warning_signs",
    ):
        if a.get(slot) == U:
            levels.append(SOON)
    if a.get("rf_age_55_plus") == U and injury in (True, U):
        levels.append(SOON)
    if calf == U or breath == U:
        levels.append(SAME_DAY)
    return max(levels, key=RANK.__getitem__)


def reachable_answers(values):
    """Every complete set of answers a person can give, respecting ask_when (age 55+ comes from their age)."""
    for injury, bear, hot, calf, lock, other, age in itertools.product(values, repeat=7):
        follow_ups = itertools.product(values, repeat=2) if injury in (True, U) else [()]
        for fu in follow_ups:
            breaths = values if calf in (True, U) else [None]
            for breath in breaths:
                answers = {
                    "rf_injury": injury,
                    "rf_can_bear_weight": bear,
                    "rf_hot_red_swollen": hot,
                    "rf_calf_pain_swelling": calf,
                    "rf_locking_giving_way": lock,
                    "rf_other_warning_signs": other,
                    "rf_age_55_plus": age,
                }
                answers.update(zip(INJURY_FOLLOW_UPS, fu))
                if breath is not None:
                    answers["rf_breathless_chest_pain"] = breath
                yield answers


BOOLEAN_ANSWERS = list(reachable_answers([True, False]))
ALL_ANSWERS = list(reachable_answers([True, False, U]))


def flagged(answers):
    # age 55+ is an Ottawa sign only after an injury; without one it is just an age
    return {
        slot
        for slot, value in answers.items()
        if slot != "rf_injury"
        and value == WARNING[slot]
        and (slot != "rf_age_55_plus" or answers.get("rf_injury") is True)
    }


# --- each rule alone -------------------------------------------------------------


@pytest.mark.parametrize(
    "answers, level, reason_flag, words",
    [
        ({"rf_injury": True, "rf_can_bear_weight": False}, SAME_DAY, "rf_can_bear_weight", "X-ray"),
        ({"rf_injury": True, "rf_can_bend_90": False}, SAME_DAY, "rf_can_bend_90", "X-ray"),
        ({"rf_injury": True, "rf_age_55_plus": True}, SAME_DAY, "rf_age_55_plus", "X-ray"),
        ({"rf_injury": True, "rf_pop_swelling": True}, SAME_DAY, "rf_pop_swelling", "pop"),
        ({"rf_injury": False, "rf_hot_red_swollen": True}, SAME_DAY, "rf_hot_red_swollen", "infection"),
        ({"rf_calf_pain_swelling": True}, SAME_DAY, "rf_calf_pain_swelling", "blood clot"),
        (
            {"rf_calf_pain_swelling": True, "rf_breathless_chest_pain": True},
            EMERGENCY,
            "rf_breathless_chest_pain",
            "emergency",
        ),
        ({"rf_locking_giving_way": True}, SAME_DAY, "rf_locking_giving_way", "giving way"),
        ({"rf_other_warning_signs": True}, SOON, "rf_other_warning_signs", "numbness"),
        # the same inabilities without an injury still need care today (NHS)
        ({"rf_injury": False, "rf_can_bear_weight": False}, SAME_DAY, "rf_can_bear_weight", "today"),
        ({"rf_can_bend_90": False}, SAME_DAY, "rf_can_bend_90", "today"),
        # signs people mention unasked (levels checked against coaching/safety_sources.yml)
        ({"rf_injury": True, "rf_deformity": True}, A_AND_E, "rf_deformity", "A&E"),
        ({"rf_injury": False, "rf_deformity": True}, SAME_DAY, "rf_deformity", "today"),
        ({"rf_faint_from_pain": True}, A_AND_E, "rf_faint_from_pain", "faint"),
        ({"rf_cold_foot": True}, A_AND_E, "rf_cold_foot", "cold"),
        ({"rf_chest_pain": True}, EMERGENCY, "rf_chest_pain", "chest pain"),
        ({"rf_coughing_blood": True}, SAME_DAY, "rf_coughing_blood", "coughing up blood"),
        ({"rf_coughing_blood": True, "rf_calf_pain_swelling": True}, EMERGENCY, "rf_coughing_blood", "calf"),
        ({"rf_severe_pain": True}, SAME_DAY, "rf_severe_pain", "severe"),
        ({"rf_operated_knee": True, "rf_hot_red_swollen": True}, SAME_DAY, "rf_operated_knee", "surgical team"),
        ({"rf_several_joints": True}, SOON, "rf_several_joints", "joints"),
        ({"rf_under_16": True}, SOON, "rf_under_16", "parent"),
    ],
)
def test_each_rule_alone(answers, level, reason_flag, words):
    result = assess(answers)
    assert result.level == level
    assert result.is_red_flag and not result.allows_exercises
    assert [r.flag for r in result.reasons].count(reason_flag) >= 1
    assert any(words.lower() in r.reason.lower() for r in result.reasons if r.flag == reason_flag)


def test_no_warning_signs_is_self_care_and_allows_exercises():
    result = assess(ALL_CLEAR)
    assert result.level == SELF_CARE and result.reasons == []
    assert result.allows_exercises and not result.is_red_flag and result.screening_complete


def test_an_operated_knee_alone_is_not_a_red_flag():
    assert assess({**ALL_CLEAR, "rf_operated_knee": True}).level == SELF_CARE


def test_injury_alone_or_age_alone_is_not_a_red_flag():
    answers = {
        "rf_injury": True,
        "rf_can_bear_weight": True,
        "rf_can_bend_90": True,
        "rf_pop_swelling": False,
        "rf_age_55_plus": False,
        **{k: v for k, v in ALL_CLEAR.items() if k != "rf_injury"},
    }
    assert assess(answers).level == SELF_CARE
    # Ottawa's age criterion is about injured knees: 60 with gradual pain is not a red flag
    assert assess({**ALL_CLEAR, "rf_age_55_plus": True}).level == SELF_CARE


def test_fever_with_a_hot_knee_is_still_same_day_not_emergency():
    found = detect_volunteered("my knee is hot and red and I've got a fever")
    assert {"hot_red_swollen", "fever"} <= found.flags
    assert assess(found.answers, found.flags).level == SAME_DAY


# --- every combination -----------------------------------------------------------


def test_every_complete_set_of_answers_gets_the_guidance_level():
    # yes / no / "I don't know" for every question that would be asked
    assert len(ALL_ANSWERS) > 30_000
    wrong = [(a, got) for a in ALL_ANSWERS if (got := assess(a).level) != expected_level(a)]
    assert not wrong, wrong[:3]


@pytest.mark.parametrize("answers", BOOLEAN_ANSWERS, ids=lambda a: "".join("YN"[v is False] for v in a.values()))
def test_invariants_for_every_combination_of_yes_and_no(answers):
    result = assess(answers)
    gates = {k: answers[k] for k in ("rf_injury", "rf_calf_pain_swelling") if k in answers}
    alone = [assess({**gates, slot: answers[slot]}).level for slot in answers]
    assert result.level == max(alone, key=RANK.__getitem__), "level is the most urgent single sign"
    assert result.allows_exercises == (result.level == SELF_CARE)
    assert result.is_red_flag == (result.level != SELF_CARE)
    assert flagged(answers) <= {r.flag for r in result.reasons}, "every warning sign is explained"
    is_emergency = answers["rf_calf_pain_swelling"] is True and answers.get("rf_breathless_chest_pain") is True
    assert (result.level == EMERGENCY) == is_emergency
    assert all(r.source.strip() and r.reason.strip() for r in result.reasons)
    # deterministic, whatever order the answers come in
    assert assess(dict(reversed(list(answers.items())))) == result


@pytest.mark.parametrize(
    "a, b",
    itertools.combinations(
        [
            "rf_can_bear_weight",
            "rf_can_bend_90",
            "rf_pop_swelling",
            "rf_age_55_plus",
            "rf_hot_red_swollen",
            "rf_calf_pain_swelling",
            "rf_locking_giving_way",
            "rf_other_warning_signs",
        ],
        2,
    ),
)
def test_each_pair_of_signs_lists_both_reasons_and_takes_the_more_urgent_level(a, b):
    base = {"rf_injury": True}
    both = assess({**base, a: WARNING[a], b: WARNING[b]})
    single = [assess({**base, s: WARNING[s]}).level for s in (a, b)]
    assert both.level == max(single, key=RANK.__getitem__)
    assert {a, b} <= {r.flag for r in both.reasons}


def test_reasons_come_most_urgent_first():
    result = assess(
        {
            "rf_locking_giving_way": True,
            "rf_calf_pain_swelling": True,
            "rf_breathless_chest_pain": True,
            "rf_hot_red_swollen": True,
        }
    )
    ranks = [RANK[next(rule.level for rule in load_red_flags().rules if rule.id == r.rule)] for r in result.reasons]
    assert ranks == sorted(ranks, reverse=True)
    assert result.reasons[0].flag == "rf_breathless_chest_pain"


# --- which question next -------------------------------------------------------------

_NEXT = {}


def _next(asked, volunteered):
    key = (tuple(asked.items()), volunteered)
    if key not in _NEXT:
        _NEXT[key] = next_question(asked, volunteered)
    return _NEXT[key]


def ask_all(answers_of, volunteered=frozenset()):
    """Run the screening with someone who answers from answers_of; returns the asked slots."""
    # the age comes from the age question before the screening, not from a yes/no question
    asked = {slot: answers_of[slot] for slot in ("rf_age_55_plus",) if slot in answers_of}
    order = []
    while (slot := _next(asked, frozenset(volunteered))) is not None:
        assert slot not in asked, f"{slot} asked twice"
        assert slot in answers_of, f"{slot} asked although ask_when rules it out"
        order.append(slot)
        asked[slot] = answers_of[slot]
        assert len(order) <= len(SLOTS)
    return order, asked


def test_questions_follow_the_order_and_skip_injury_questions_without_injury():
    order, _ = ask_all({**ALL_CLEAR})
    # walking is asked of everyone: not being able to needs care today with or without an injury
    assert order == [
        "rf_injury",
        "rf_can_bear_weight",
        "rf_hot_red_swollen",
        "rf_calf_pain_swelling",
        "rf_locking_giving_way",
        "rf_other_warning_signs",
    ]


def test_injury_opens_the_ottawa_questions():
    answers = {**ALL_CLEAR, "rf_injury": True, "rf_can_bend_90": True, "rf_pop_swelling": False}
    order, _ = ask_all(answers)
    assert order == [
        "rf_injury",
        "rf_can_bear_weight",
        "rf_can_bend_90",
        "rf_pop_swelling",
        "rf_hot_red_swollen",
        "rf_calf_pain_swelling",
        "rf_locking_giving_way",
        "rf_other_warning_signs",
    ]


def test_calf_signs_open_the_breathlessness_question():
    asked = {"rf_injury": False, "rf_can_bear_weight": True, "rf_hot_red_swollen": False}
    assert next_question({**asked, "rf_calf_pain_swelling": True}) == "rf_breathless_chest_pain"
    assert next_question({**asked, "rf_calf_pain_swelling": False}) == "rf_locking_giving_way"


def test_emergency_stops_the_questions():
    answers = {
        "rf_injury": False,
        "rf_hot_red_swollen": False,
        "rf_calf_pain_swelling": True,
        "rf_breathless_chest_pain": True,
    }
    assert next_question(answers) is None and screening_complete(answers)


def test_same_day_only_asks_what_could_make_it_an_emergency():
    after_injury = {"rf_injury": True, "rf_can_bear_weight": False}
    assert next_question(after_injury) == "rf_calf_pain_swelling"  # bend, pop, age, hot skipped
    assert next_question({**after_injury, "rf_calf_pain_swelling": True}) == "rf_breathless_chest_pain"
    done = {**after_injury, "rf_calf_pain_swelling": False}
    assert next_question(done) is None and screening_complete(done)
    assert not assess(done).allows_exercises


def test_soon_keeps_asking_everything():
    asked = {
        "rf_injury": False,
        "rf_can_bear_weight": True,
        "rf_hot_red_swollen": False,
        "rf_calf_pain_swelling": False,
    }
    assert assess(asked, {"numbness"}).level == SOON
    assert next_question(asked, {"numbness"}) == "rf_locking_giving_way"


def test_volunteered_answers_are_not_asked_again():
    found = detect_volunteered("it keeps locking on me")
    order, _ = ask_all({**ALL_CLEAR}, found.flags)
    assert "rf_locking_giving_way" not in order
    assert assess({}, found.flags).level == SAME_DAY


def test_volunteered_emergency_needs_no_questions():
    found = detect_volunteered("my calf is swollen and sore and I'm short of breath")
    assert assess(found.answers, found.flags).level == EMERGENCY
    assert next_question({}, found.flags) is None


def test_volunteered_breathlessness_asks_about_the_calf():
    found = detect_volunteered("I've been a bit short of breath")
    assert assess({}, found.flags).level == SAME_DAY
    assert next_question({}, found.flags) == "rf_calf_pain_swelling"
    assert assess({"rf_calf_pain_swelling": True}, found.flags).level == EMERGENCY


def test_skipping_questions_never_lowers_the_level():
    """Asked as the screening asks, every person ends at the level all their answers would give."""
    conversations = {}  # people share their first answers: each conversation is run once
    for answers_of in ALL_ANSWERS:
        order, asked = ask_all(answers_of)
        assert order == sorted(order, key=SLOTS.index)
        key = tuple(asked.items())
        result = conversations.get(key) or conversations.setdefault(key, assess(asked))
        assert result.level == expected_level(answers_of), (answers_of, asked)
        assert result.screening_complete
        if result.level == EMERGENCY:
            assert order[-1] == "rf_breathless_chest_pain"  # nothing asked after the emergency


def test_screening_not_complete_means_no_exercises_yet():
    result = assess({"rf_injury": False})
    assert result.level == SELF_CARE and not result.screening_complete
    assert not result.allows_exercises
    assert "exercises" in format_triage_message(result)
    assert "fine to carry on" not in format_triage_message(result)


# --- "I don't know" --------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers, level, slot",
    [
        ({"rf_injury": True, "rf_can_bear_weight": U}, SOON, "rf_can_bear_weight"),
        ({"rf_injury": True, "rf_can_bend_90": U}, SOON, "rf_can_bend_90"),
        ({"rf_injury": True, "rf_pop_swelling": U}, SOON, "rf_pop_swelling"),
        ({"rf_injury": True, "rf_age_55_plus": U}, SOON, "rf_age_55_plus"),
        ({"rf_hot_red_swollen": U}, SOON, "rf_hot_red_swollen"),
        ({"rf_calf_pain_swelling": U}, SAME_DAY, "rf_calf_pain_swelling"),
        ({"rf_calf_pain_swelling": True, "rf_breathless_chest_pain": U}, SAME_DAY, "rf_breathless_chest_pain"),
        ({"rf_locking_giving_way": U}, SOON, "rf_locking_giving_way"),
        ({"rf_other_warning_signs": U}, SOON, "rf_other_warning_signs"),
    ],
)
def test_unknown_answers_are_never_cleared(answers, level, slot):
    result = assess(answers)
    assert result.level == level and not result.allows_exercises
    assert any(r.flag == slot and ("sure" in r.reason or "didn't tell me" in r.reason) for r in result.reasons)


def test_not_knowing_about_an_injury_asks_the_injury_questions():
    assert next_question({"rf_injury": U}) == "rf_can_bear_weight"
    assert assess({"rf_injury": U}).level == SELF_CARE  # not a red flag by itself
    assert assess({"rf_injury": U, "rf_can_bear_weight": False}).level == SAME_DAY
    assert assess({"rf_injury": U, "rf_age_55_plus": True}).level == SOON


def test_unsure_about_the_calf_with_breathlessness_is_an_emergency():
    assert (
        next_question(
            {"rf_injury": False, "rf_can_bear_weight": True, "rf_hot_red_swollen": False, "rf_calf_pain_swelling": U}
        )
        == "rf_breathless_chest_pain"
    )
    assert assess({"rf_calf_pain_swelling": U, "rf_breathless_chest_pain": True}).level == EMERGENCY


def test_answers_may_come_as_words_from_slots():
    assert assess({"rf_calf_pain_swelling": "yes"}).level == SAME_DAY
    assert assess({"rf_calf_pain_swelling": "Unknown"}).level == SAME_DAY
    assert assess({"rf_calf_pain_swelling": "no", "knee_side": "left", "requested_slot": None}).level == SELF_CARE


@pytest.mark.parametrize("answers", [{"rf_calf_pain": True}, {"rf_injury": "maybe"}, {"rf_injury": 3}])
def test_bad_answers_are_refused_loudly(answers):
    with pytest.raises(ValueError):
        assess(answers)


def test_unknown_volunteered_flag_is_refused():
    with pytest.raises(ValueError):
        assess({}, frozenset({"not_a_sign"}))


def test_a_volunteered_warning_sign_is_not_cleared_by_a_later_yes():
    assert assess({"rf_can_bear_weight": True}, {"cannot_bear_weight"}).level == SAME_DAY


# --- volunteered free text -----------------------------------------------------------

POSITIVE = [
    # (what someone writes, signs that must be found, level of the advice)
    ("I twisted it and it swelled up straight away", {"injury", "rapid_swelling"}, SAME_DAY),
    (
        "i twisted my knee n it swelled up rite away, then it was really sweling and swolen straight away",
        {"injury", "rapid_swelling"},
        SAME_DAY,
    ),
    ("can't put any weight on it", {"cannot_bear_weight"}, SAME_DAY),
    ("cant weight bear since yesterday", {"cannot_bear_weight"}, SAME_DAY),
    ("i cnt walk at all since the fall", {"cannot_bear_weight", "injury"}, SAME_DAY),
    ("it's hot and red", {"hot_red_swollen"}, SAME_DAY),
    ("knee's proper swollen mate, ballooned after I went over on it", {"hot_red_swollen", "injury"}, SAME_DAY),
    ("my calf is swollen and sore", {"calf"}, SAME_DAY),
    ("my calf's killing me and its all swollen", {"calf"}, SAME_DAY),
    ("I'm short of breath", {"breathless_chest_pain"}, SAME_DAY),
    ("calf pain and i'm short of breath", {"calf", "breathless_chest_pain"}, EMERGENCY),
    ("sore calf + chest feels tight", {"calf", "chest_pain"}, EMERGENCY),
    ("it keeps locking", {"locking_giving_way"}, SAME_DAY),
    ("it gave way on the stairs", {"locking_giving_way"}, SAME_DAY),
    ("knee went from under me twice today", {"locking_giving_way"}, SAME_DAY),
    ("my knee locked and i cant straighten it", {"locking_giving_way"}, SAME_DAY),
    ("pins and needles in my foot", {"numbness"}, SOON),
    ("pins n needles in my toes", {"numbness"}, SOON),
    ("pain wakes me at night", {"night_rest_pain"}, SOON),
    ("constant ache day and night", {"night_rest_pain"}, SOON),
    ("lost a lot of weight without trying", {"weight_loss"}, SOON),
    ("been losing weight for no reason", {"weight_loss"}, SOON),
    ("I fell and now can't bend it", {"injury", "cannot_bend"}, SAME_DAY),
    ("fell off my bike and now my knee wont bend", {"injury", "cannot_bend"}, SAME_DAY),
    ("heard a pop", {"pop"}, SAME_DAY),
    ("heard a loud pop in my right knee when i landed a jump", {"pop"}, SAME_DAY),
    ("bust my knee playing footy, heard a crack, cant walk on it", {"injury", "pop", "cannot_bear_weight"}, SAME_DAY),
    ("tripped on the kerb, knee blew up within an hour", {"injury", "rapid_swelling"}, SAME_DAY),
    ("No pop, but it swelled up straight away", {"rapid_swelling"}, SAME_DAY),
    ("feeling shivery with a hot swollen knee", {"fever", "hot_red_swollen"}, SAME_DAY),
    ("got a temp and my knee is throbbing", {"fever"}, SAME_DAY),
    ("my kneecap popped out of place", {"pop", "deformity"}, A_AND_E),  # a pop is an injury: A&E
    ("my leg is bent at a weird angle", {"deformity"}, SAME_DAY),
    ("fell off my bike and my leg is bent at a weird angle", {"injury", "deformity"}, A_AND_E),
    ("my foot has gone cold and pale", {"cold_foot"}, A_AND_E),
    ("the pain is so bad i threw up", {"faint_from_pain"}, A_AND_E),
    ("coughing up blood since last night", {"coughing_blood"}, SAME_DAY),
    ("worst pain of my life, paracetamol isnt touching it", {"severe_pain"}, SAME_DAY),
    ("its a 9/10", {"severe_pain"}, SAME_DAY),
    ("had a knee replacement in may and now its red hot and swollen", {"operated_knee", "hot_red_swollen"}, SAME_DAY),
    ("my fingers and wrists are swollen as well as my knee", {"several_joints"}, SOON),
    ("my son is 12 and his knee really hurts after football", {"child"}, SOON),
    ("cant wieght bear", {"cannot_bear_weight"}, SAME_DAY),
    ("on crutches since friday", {"cannot_bear_weight"}, SAME_DAY),
    ("calf feels tight and swollen", {"calf"}, SAME_DAY),
    ("i was carried off the pitch", {"carried_off"}, SAME_DAY),
    ("limping and can't put my foot down", {"cannot_bear_weight"}, SAME_DAY),
    ("can't move my knee at all", {"cannot_bend"}, SAME_DAY),
    ("history of cancer and now my knee hurts constantly", {"cancer_history", "night_rest_pain"}, SOON),
    ("I can hardly breathe and my calf is swollen", {"chest_pain", "calf"}, EMERGENCY),
    (
        "My knee is massively swollen, I can’t bear weight on it and I’m 58",
        {"hot_red_swollen", "cannot_bear_weight"},
        SAME_DAY,
    ),
    # a denial doesn't reach past "but", a full stop or a new clause
    ("I don't know if it's broken but I can't put weight on it", {"cannot_bear_weight"}, SAME_DAY),
    ("It isn't just swollen, it's hot too", {"hot_red_swollen"}, SAME_DAY),
    ("never had knee problems before, now it's hot and swollen", {"hot_red_swollen"}, SAME_DAY),
    ("No. My calf hurts", {"calf"}, SAME_DAY),
    ("my knee is fine but my chest hurts", {"chest_pain"}, EMERGENCY),
    ("didn't fall, it just swelled up massively", {"hot_red_swollen"}, SAME_DAY),
    ("no injury, my calf is really swollen", {"calf"}, SAME_DAY),
]


@pytest.mark.parametrize("text, signs, level", POSITIVE, ids=[p[0][:40] for p in POSITIVE])
def test_volunteered_red_flags_are_caught(text, signs, level):
    found = detect_volunteered(text)
    assert signs <= found.flags, found.flags
    assert assess(found.answers, found.flags).level == level
    # free text only ever reports a warning sign, never clears one
    assert all(value == WARNING[slot] for slot, value in found.answers.items())


INNOCENT = [
    "my knee is a bit swollen after running but I can walk fine",  # mild swelling: asked explicitly
    "no pop, no swelling",
    "I can bend it fine",
    "it isn't red or hot",
    "no calf pain",
    "I can put weight on it",
    "it never locks or gives way",
    "it happened without a pop",
    "there's no swelling, redness or heat",
    "I don't think it's swollen or hot",
    "no numbness or tingling",
    "I'm not short of breath and I have no chest pain",
    "It doesn't wake me at night",
    "no fever, no chills",
    "my knee clicks and pops when I squat",
    "I heard a pop when I squat sometimes",
    "my calves are tight after running",
    "can a tight calf cause knee pain?",
    "I do calf raises and hip bridges",
    "I fell asleep on the sofa and woke up with a stiff knee",
    "It's hot today so I ran in the evening",
    "I use a hot water bottle on my knee",
    "I've lost weight to take pressure off my knees",
    "I warm up before every run",
    "I can't walk far without it aching",
    "I can't bend it fully",
    "I can't bend it all the way",
    "don't lock your knees when you squat",
    "my knee locks out when I squat heavy",
    "the swelling went down quickly",
    "I popped to the shops and my knee ached",
    "I get out of breath when I run uphill",
    "I can't stand running on hills",
    "no injury, it came on gradually",
    "I didn't fall or twist it",
    "my knee cracks when I stand up",
    "it's not really swollen, just stiff in the morning",
    "I'm 40 and my knee aches on stairs",  # an adult's age is not a sign
    "what causes knees to give way?",  # a question about knees in general
    "it locked once last year but it's been fine since",  # over
    "I locked the door and my knee ached",
    "not swollen, red, or hot",
]


@pytest.mark.parametrize("text", INNOCENT)
def test_denials_and_everyday_knee_talk_raise_no_flag(text):
    found = detect_volunteered(text)
    assert found.flags == frozenset() and found.answers == {}
    assert not found


def test_an_injury_without_warning_signs_only_opens_the_injury_questions():
    found = detect_volunteered("I twisted it but there was no pop and no swelling")
    assert found.flags == {"injury"}
    assert assess(found.answers, found.flags).level == SELF_CARE
    assert next_question(found.answers, found.flags) == "rf_can_bear_weight"


def test_volunteered_reasons_say_what_was_mentioned():
    found = detect_volunteered("the pain wakes me up every night and I get pins and needles")
    reasons = [r.reason for r in assess(found.answers, found.flags).reasons]
    assert any("night" in r for r in reasons) and any("pins and needles" in r for r in reasons)
    assert len(reasons) == 2  # not also the generic list of every sign


def test_a_hot_swollen_calf_is_about_the_calf_not_the_knee():
    found = detect_volunteered("my calf is hot and swollen")
    assert found.flags == {"calf"}


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   \n\t",
        "🦵🔥😭",
        "😀" * 500,
        "'; DROP TABLE consultations; --",
        "<script>alert(1)</script>",
        "\x00\x01\x02",
        "a" * 10_000,
        "knee " * 2_000,
        "ðŸ˜€ mojibake â€™",
        "膝が痛い",
        "can't can't can't " * 300,
    ],
)
def test_any_input_is_handled(text):
    found = detect_volunteered(text)
    assert found.flags == frozenset()


def test_a_red_flag_at_the_end_of_a_long_message_is_still_found():
    text = "my knee has been sore on and off. " * 280 + "Now my calf is swollen and I'm short of breath."
    assert len(text) > 9_000
    started = time.perf_counter()
    found = detect_volunteered(text)
    assert time.perf_counter() - started < 2
    assert assess(found.answers, found.flags).level == EMERGENCY


def test_detection_is_fast_for_a_typical_message():
    text = "I twisted my left knee playing football last week, it's a bit swollen and sore on the stairs"
    detect_volunteered(text)  # first call builds the matcher
    runs = []
    for _ in range(30):
        started = time.perf_counter()
        detect_volunteered(text)
        runs.append(time.perf_counter() - started)
    assert statistics.median(runs) < 0.020


# --- the message ---------------------------------------------------------------------------


def test_emergency_message_starts_with_the_emergency_instruction():
    message = format_triage_message(assess({"rf_calf_pain_swelling": True, "rf_breathless_chest_pain": True}))
    first_sentence = message.split(".")[0]
    assert "999" in first_sentence
    assert "local emergency number" in message
    assert "not a diagnosis" in message
    assert "won't suggest exercises" in message


@pytest.mark.parametrize(
    "answers, says",
    [
        ({"rf_hot_red_swollen": True}, ["today", "NHS 111", "urgent appointment"]),
        ({"rf_other_warning_signs": True}, ["GP", "physiotherapist", "next few days"]),
        ({"rf_cold_foot": True}, ["Go to A&E now", "999"]),
    ],
)
def test_message_gives_the_advice_first_then_every_reason(answers, says):
    result = assess(answers)
    message = format_triage_message(result)
    assert message.startswith(result.advice)
    assert all(word in message.split("\n\n")[0] for word in says)
    assert "you told me" in message.lower()
    assert all(r.reason in message for r in result.reasons)
    assert "not a diagnosis" in message and "won't suggest exercises" in message


def test_self_care_message_clears_without_withholding_exercises():
    message = format_triage_message(assess(ALL_CLEAR))
    assert "Nothing you've told me needs urgent care" in message
    assert "not a diagnosis" in message and "won't suggest exercises" not in message


def test_messages_never_diagnose():
    result = assess({slot: WARNING[slot] for slot in SLOTS})
    message = format_triage_message(result).lower()
    assert result.level == EMERGENCY and len(result.reasons) >= 9
    for phrase in ("you have a ", "you have an ", "diagnosed", "fracture", "dvt", "septic", "torn", "acl"):
        assert phrase not in message


@pytest.mark.parametrize(
    "level, red",
    [
        (None, False),
        (SELF_CARE, False),
        (SOON, True),
        (SAME_DAY, True),
        (A_AND_E, True),
        (EMERGENCY, True),
        ("something_new", True),
    ],
)
def test_is_red_flag_level(level, red):
    assert is_red_flag_level(level) is red


# --- the data file -------------------------------------------------------------------------


def test_every_rule_and_question_has_a_source():
    rules = load_red_flags()
    assert [q.slot for q in rules.questions] == SLOTS
    for item in list(rules.rules) + list(rules.questions):
        assert len(item.source) > 10
    sources = " ".join(r.source for r in rules.rules)
    for cited in ("Ottawa", "Stiell", "NHS", "NICE", "111"):
        assert cited in sources
    assert all(
        "DVT" in r.source or "thrombosis" in r.source
        for r in rules.rules
        if r.flag in ("rf_calf_pain_swelling", "rf_breathless_chest_pain")
        and r.when.get("rf_calf_pain_swelling", {"yes"}) & {"yes", "unknown"}
    )


def test_level_wording_says_what_to_do():
    levels = load_red_flags().levels
    assert levels[EMERGENCY].advice.startswith("Call 999 now")
    assert "local emergency number" in levels[EMERGENCY].advice
    assert levels[A_AND_E].advice.startswith("Go to A&E now") and "Don't drive yourself" in levels[A_AND_E].advice
    assert all(w in levels[SAME_DAY].advice for w in ("today", "urgent appointment", "NHS 111"))
    assert "GP" in levels[SOON].advice and "physiotherapist" in levels[SOON].advice
    assert [name for name, level in levels.items() if level.allows_exercises] == [SELF_CARE]


def test_the_default_file_is_loaded_once():
    assert load_red_flags() is load_red_flags()


def _write_variant(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(triage.DEFAULT_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "red_flags.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "change, complaint",
    [
        (lambda d: d["questions"][0].update(slot="rf_injured"), "unknown slot 'rf_injured'"),
        (lambda d: d["rules"][0].update(level="urgent"), "unknown level 'urgent'"),
        (lambda d: d["rules"][0]["when"].update(rf_calf=True), "unknown slot 'rf_calf'"),
        (lambda d: d["rules"][0].pop("source"), "`source`"),
        (lambda d: d["levels"][SOON].update(allows_exercises=True), "only self_care"),
        (lambda d: d["levels"].update(urgent=d["levels"][SOON]), "unknown key"),
        (lambda d: d["questions"].pop(), "missing"),
        (lambda d: d["questions"][1].update(ask_when={"rf_hot_red_swollen": "yes"}), "only name earlier"),
        (lambda d: d["volunteered"]["signs"][0].update(sets={"rf_injury": "no"}), "only its warning answer"),
        (lambda d: d["volunteered"]["signs"][0]["patterns"].append("{no_such_term}"), "unknown term"),
        (lambda d: d["levels"][EMERGENCY].update(advice="Go to A&E. Or call 999."), "999"),
    ],
)
def test_a_broken_data_file_is_refused_clearly(tmp_path, change, complaint):
    with pytest.raises(RedFlagsError, match=".*" + complaint.replace("(", r"\(")):
        load_red_flags(_write_variant(tmp_path, change))


def test_an_edited_data_file_changes_the_advice_without_code(tmp_path):
    def other_signs_today(data):
        for rule in data["rules"]:
            if rule["id"] == "other_warning_signs":
                rule["level"] = SAME_DAY

    rules = load_red_flags(_write_variant(tmp_path, other_signs_today))
    assert assess({"rf_other_warning_signs": True}, rules=rules).level == SAME_DAY
    assert assess({"rf_other_warning_signs": True}).level == SOON
