"""The consultation's flow as plain functions over slot values.

Order, always: red-flag screening first (coaching/triage.py decides which
question comes next and stops at a red flag), then the intake, then the two
guided self-checks. Every message is read for all the facts it contains, so
"left knee, front, stairs, 3 weeks, 6/10" fills five answers at once and
"actually it's the right one" corrects an earlier answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from coaching import intake as parse
from coaching import input_checks, question_retries, triage
from coaching.self_check_answers import ankle_feel
from language.numbers import parse_age
from language.text import QUESTION_STARTS

UNKNOWN = parse.UNKNOWN

INTAKE_SLOTS = [
    "knee_side",
    "knee_location",
    "pain_onset",
    "pain_duration_days",
    "pain_score",
    "aggravating_activities",
    "activity_level",
]
CHECK_SLOTS = ["ankle_wall_left_cm", "ankle_wall_right_cm", "hip_check"]
AGE_SLOT = "age_years"  # asked first, as a number: it sets rf_age_55_plus and rf_under_16
# From this pain score up the pain is severe (red_flags.yml, rf_severe_pain): no self-checks.
SEVERE_PAIN_FROM = 8
AGE_AS_A_NUMBER = 'Please tell me the age as a number, for example 34 (or say "skip").'
UNDER_16 = (
    "Thanks. As you're under 16, I won't suggest an exercise plan: growing knees need a professional "
    "look, with a parent or carer. I'll still ask the safety questions, so I can say how soon."
)

# Intents whose messages may carry facts about the knee. A question such as
# "why does my knee hurt on stairs?" must be answered, not mined for answers.
# Intents that start something else: never counted as a failed answer to the open question.
OTHER_REQUESTS = {
    "request_human",
    "request_booking",
    "cancel_booking",
    "reschedule_booking",
    "inform_booking_details",
    "delete_my_data",
    "export_my_data",
    "start_over",
    "stop",
    "out_of_scope",
    "ask_article_question",
}
FACT_INTENTS = {
    "inform_symptoms",
    "report_red_flag",
    "report_self_check",
    "affirm",
    "deny",
    "dont_know",
    "skip",
    "request_assessment",
    "nlu_fallback",
}


def screening_slots() -> List[str]:
    return [question.slot for question in triage.load_red_flags().questions]


def triage_answers(slots: Mapping[str, Any]) -> Dict[str, Any]:
    return {slot: slots.get(slot) for slot in screening_slots() if slots.get(slot) is not None}


def volunteered(slots: Mapping[str, Any]) -> frozenset:
    return frozenset(slots.get("volunteered_flags") or ())


def assess(slots: Mapping[str, Any]) -> triage.TriageResult:
    return triage.assess(triage_answers(slots), volunteered(slots))


def remaining_slots(slots: Mapping[str, Any]) -> List[str]:
    """Slots still to ask, in order; empty when the consultation can conclude."""
    answers, flags = triage_answers(slots), volunteered(slots)
    question = triage.next_question(answers, flags)
    if triage.assess(answers, flags).is_red_flag:
        # Only questions that could make it more urgent are still asked.
        return [question] if question else []
    if slots.get(AGE_SLOT) is None:
        return [AGE_SLOT]  # the age decides whether adult advice applies at all
    if question:
        return [question]  # safety questions come before anything else
    intake = [s for s in INTAKE_SLOTS if slots.get(s) is None]
    if slots.get("rf_injury") is True and "pain_onset" in intake:
        intake.remove("pain_onset")  # an injury is a sudden onset
    checks = [s for s in CHECK_SLOTS if slots.get(s) is None]
    return intake + checks


@dataclass
class MessageReading:
    """What one message changes: slot updates and things to tell the person."""

    updates: Dict[str, Any] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)


def read_message(
    slots: Mapping[str, Any],
    requested_slot: Optional[str],
    text: str,
    intent: Optional[str],
    entities: Sequence[Mapping[str, Any]] = (),
) -> MessageReading:
    text = text or ""
    reading = MessageReading()
    updates = reading.updates
    if intent not in FACT_INTENTS:
        # The classifier can mistake a short answer ("light exercise") for a
        # question; a real question is left for the question-answering rule.
        if requested_slot and not _looks_like_question(text):
            value = _answer_for(requested_slot, text, intent, entities, reading, slots)
            if value is not None:
                updates[requested_slot] = value
        derive_answers(updates)
        return reading

    # Red flags are looked for in every message, asked or not.
    found = triage.detect_volunteered(text)
    if found.flags:
        updates["volunteered_flags"] = sorted(volunteered(slots) | set(found.flags))
    updates.update(found.answers)

    # Everything else the message says about the knee fills what is still
    # open; earlier answers change only when the person corrects themselves
    # ("I run twice a week" answers activity level, it doesn't replace "stairs").
    correcting = _is_correction(text)
    for slot, value in parse.extract_intake_facts(text, entities).items():
        if correcting or slots.get(slot) is None:
            updates[slot] = value
    if requested_slot != AGE_SLOT and (correcting or slots.get(AGE_SLOT) is None):
        age = parse_age(text)  # "I'm 60 and fell on it": said unasked, still counts
        if age is not None:
            updates.update(age_answers(age))

    if requested_slot:
        value = _answer_for(requested_slot, text, intent, entities, reading, slots)
        if value is not None:
            updates[requested_slot] = value
        elif parse.is_dont_know(text, intent):
            updates[requested_slot] = UNKNOWN
    derive_answers(updates)
    return reading


def read_turn(
    slots: Mapping[str, Any],
    requested_slot: Optional[str],
    text: str,
    intent: Optional[str],
    entities: Sequence[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
) -> MessageReading:
    """`read_message`, then for an answer that couldn't be read: a hint the second time, "unknown"
    the third (coaching/question_retries.py; `events` count how often the question was just asked)."""
    reading = read_message(slots, requested_slot, text, intent, entities)
    if requested_slot and is_attempted_answer(text, intent) and requested_slot not in reading.updates:
        asked = question_retries.times_asked_in_a_row(requested_slot, events)
        updates, notes = question_retries.not_understood(requested_slot, asked)
        if updates or not reading.notes:  # a question's own hint ("as a number") stands the second time
            reading.notes[:] = notes
        reading.updates.update(updates)
        derive_answers(reading.updates)
    return reading


def screening_cleared(asked_slot: Optional[str], next_slot: Optional[str]) -> bool:
    """True when the last safety question was answered and the next question is another kind: say so."""
    return bool(asked_slot and next_slot and asked_slot.startswith("rf_") and not next_slot.startswith("rf_"))


def age_answers(age: int) -> Dict[str, Any]:
    return {AGE_SLOT: age, "rf_age_55_plus": age >= 55, "rf_under_16": age < 16}


def derive_answers(updates: Dict[str, Any]) -> None:
    """Screening answers that follow from other answers: the age, and a severe pain score."""
    if updates.get(AGE_SLOT) == UNKNOWN:
        updates["rf_age_55_plus"] = UNKNOWN
    elif isinstance(updates.get(AGE_SLOT), int):
        updates.update(age_answers(updates[AGE_SLOT]))
    score = updates.get("pain_score")
    if isinstance(score, int) and score >= SEVERE_PAIN_FROM:
        updates["rf_severe_pain"] = True


def _answer_for(
    slot: str,
    text: str,
    intent: Optional[str],
    entities,
    reading: MessageReading,
    slots: Optional[Mapping[str, Any]] = None,
) -> Any:
    if slot == AGE_SLOT:
        age = parse_age(text, expecting_age=True)
        if age is None and not parse.is_dont_know(text, intent):
            reading.notes.append(AGE_AS_A_NUMBER)  # "yes" or "no" to "how old are you?" is never a guess
        elif age is not None and age < 16:
            reading.notes.append(UNDER_16)
        return age
    if slot.startswith("rf_"):
        return _safety_answer(slot, text, intent)
    if slot == "knee_side":
        return parse.parse_side(text, entities)
    if slot == "knee_location":
        return parse.parse_knee_location(text, entities)
    if slot == "pain_onset":
        return parse.parse_onset(text)
    if slot == "pain_duration_days":
        return parse.parse_duration_days(text, entities)
    if slot == "pain_score":
        if parse.pain_score_out_of_range(text):
            reading.notes.append("Please give a number from 0 (no pain) to 10 (the worst pain imaginable).")
            return None
        return parse.parse_pain_score(text, entities)
    if slot == "aggravating_activities":
        activities = parse.parse_activities(text, entities)
        if activities:
            return activities
        return [] if _says_nothing_in_particular(text, intent) else None
    if slot == "activity_level":
        return parse.parse_activity_level(text)
    if slot in ("ankle_wall_left_cm", "ankle_wall_right_cm"):
        distances = parse.parse_distance_cm(text)
        side = "left" if slot.endswith("left_cm") else "right"
        if distances.get(side) is not None:
            # "left 10, right 6" answers both sides at once
            other = "right" if side == "left" else "left"
            if distances.get(other) is not None:
                reading.updates[f"ankle_wall_{other}_cm"] = distances[other]
            return distances[side]
        if distances.get("any") is not None:
            return distances["any"]
        # "my ankles feel really tight", "left one is worse": how it felt, per side
        felt = ankle_feel(text, side, {**(slots or {}), **reading.updates})
        for felt_side, value in felt.items():
            if felt_side != side:
                reading.updates[f"ankle_wall_{felt_side}_cm"] = value
        return felt.get(side)
    if slot == "hip_check":
        return parse.parse_hip_check(text)
    return None


# "fine", "all good", "neither", "looks normal": no sign there, whatever the classifier made of it
# ("calves are fine" read as a yes to "are you short of breath?" would call 999).
_ALL_CLEAR = re.compile(
    r"\b(?:fine|ok(?:ay)?|all good|good|normal|no (?:problems?|issues?|worries)|nothing(?: like that)?|none|"
    r"neither|all clear|no change|as usual)\b",
    re.I,
)
_NOT_BEFORE = re.compile(r"\b(?:not|n't|never|no longer)\s+(?:\w+\s+){0,2}$", re.I)
_EXPLICIT_YES_NO = re.compile(r"^\W*(?:yes|yeah|yep|yup|y|no|nope|nah|n)\b", re.I)


def _safety_answer(slot: str, text: str, intent: Optional[str]) -> Optional[bool]:
    if not _EXPLICIT_YES_NO.search(text or ""):
        clear = _ALL_CLEAR.search(text or "")
        if clear and not _NOT_BEFORE.search(text[: clear.start()]):
            return not triage.load_red_flags().question(slot).flag_value
    return parse.parse_yes_no(text, intent)


def _looks_like_question(text: str) -> bool:
    words = text.strip().lower().split()
    # "can do" or "do" alone is an answer; "can you explain..." is a question
    return "?" in text or (len(words) >= 3 and words[0] in QUESTION_STARTS)


def is_attempted_answer(text: str, intent: Optional[str]) -> bool:
    """A message meant as an answer to the open question (not a question, not another request).

    An unusable message (emoji only, another language, code) is not one: the person is told
    what went wrong, and it must not count towards giving up on the question.
    """
    if input_checks.classify_message(text) is not None:
        return False
    return intent in FACT_INTENTS or (intent not in OTHER_REQUESTS and not _looks_like_question(text or ""))


_CORRECTION_CUES = ("actually", "sorry", "i meant", "no wait", "correction", "not the", "my mistake", "oops")


def _is_correction(text: str) -> bool:
    lowered = text.lower()
    return any(cue in lowered for cue in _CORRECTION_CUES)


def _says_nothing_in_particular(text: str, intent: Optional[str]) -> bool:
    lowered = text.lower()
    return intent == "deny" or any(
        phrase in lowered for phrase in ("nothing", "no particular", "not really", "everything", "all the time")
    )


def intake_summary(slots: Mapping[str, Any]) -> Dict[str, Any]:
    """The answers worth keeping for the trainer, unknowns included."""
    keep = [AGE_SLOT] + screening_slots() + INTAKE_SLOTS + CHECK_SLOTS + ["volunteered_flags"]
    return {slot: slots.get(slot) for slot in keep if slots.get(slot) is not None}


def describe_intake(summary: Mapping[str, Any]) -> str:
    """One line per answer, in words, for the trainer's record."""
    labels = {
        AGE_SLOT: "age",
        "knee_side": "knee",
        "knee_location": "where",
        "pain_onset": "onset",
        "pain_duration_days": "duration (days)",
        "pain_score": "pain (0-10)",
        "aggravating_activities": "worse with",
        "activity_level": "activity level",
        "ankle_wall_left_cm": "knee-to-wall left (cm)",
        "ankle_wall_right_cm": "knee-to-wall right (cm)",
        "hip_check": "single-leg squat",
    }
    lines = []
    for slot, label in labels.items():
        if slot in summary:
            value = summary[slot]
            if isinstance(value, (list, tuple)):
                value = ", ".join(value) or "nothing in particular"
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def facts_from_messages(messages: Iterable[tuple]) -> Dict[str, Any]:
    """Facts from earlier messages (text, entities), e.g. the one that started the consultation."""
    facts: Dict[str, Any] = {}
    for text, entities in messages:
        facts.update(parse.extract_intake_facts(text or "", entities or ()))
    return facts
