"""Everything one message says at once: "left knee, front, stairs, 3 weeks, 6/10" fills five answers."""

from __future__ import annotations

import re
from typing import Any, Dict

from coaching.intake.activities import activities_in
from coaching.intake.activity_level import level_from_hits, level_hits
from coaching.intake.location import parse_knee_location, parse_side
from coaching.intake.onset import parse_duration_days, parse_onset
from coaching.intake.pain import as_score, pain_value
from coaching.intake.reading import never_raises, normalise
from coaching.intake.self_checks import parse_distance_cm, parse_hip_check
from coaching.intake.yes_no import parse_yes_no

# Slot names used by extract_intake_facts.
SLOT_SIDE = "knee_side"
SLOT_LOCATION = "knee_location"
SLOT_PAIN_SCORE = "pain_score"
SLOT_DURATION = "pain_duration_days"
SLOT_ONSET = "pain_onset"
SLOT_ACTIVITIES = "aggravating_activities"
SLOT_ACTIVITY_LEVEL = "activity_level"

_PAIN_CONTEXT = re.compile(
    r"\b(?:hurts?|hurting|hurted|pain\w*|sore\w*|ache|aches|aching|achy|worse|worst|aggravat\w*|bother\w*|"
    r"kills?|killing|agony|flares?|flared|trigger\w*|twinges?|niggl\w*|tender|uncomfortable|discomfort|"
    r"struggl\w*|difficult|hard|can'?t|cannot|unable|problems?|issues?|bad|murder|nightmare|swell\w*|click\w*|"
    r"gives? way|gave way|injur\w*|twist\w*|popped|knees?|kneecaps?)\b|/\s*10\b|out of (?:10|ten)\b"
)


@never_raises(dict)
def extract_intake_facts(text: Any, entities: Any = ()) -> Dict[str, Any]:
    """All intake facts one message gives, keyed by slot name; only what was found is present.

    A pain score is only taken when it is unambiguous ("6/10", "pain 6",
    "about a 6" next to a pain word); a bare number could be anything.
    """
    norm = normalise(text)
    facts: Dict[str, Any] = {}
    side = parse_side(text, entities)
    if side:
        facts[SLOT_SIDE] = side
    location = parse_knee_location(text, entities)
    if location:
        facts[SLOT_LOCATION] = location
    score = as_score(pain_value(text, entities, strict=True))
    if score is not None:
        facts[SLOT_PAIN_SCORE] = score
    duration = parse_duration_days(text, entities)
    if duration is not None:
        facts[SLOT_DURATION] = duration
    onset = parse_onset(text)
    if onset:
        facts[SLOT_ONSET] = onset
    found_levels = level_hits(norm.text, loose=False)
    level = level_from_hits(found_levels)
    if level:
        facts[SLOT_ACTIVITY_LEVEL] = level
    # "I run twice a week" describes how active someone is, and "no, I can walk on it"
    # says nothing about what hurts: only activities in a sentence about pain count.
    painless = [
        (m.start(), m.end()) for m in re.finditer(r"[^.!?;\n]+", norm.text) if not _PAIN_CONTEXT.search(m.group(0))
    ]
    activities = activities_in(norm, entities, exclude=[(h.start, h.end) for h in found_levels] + painless)
    if activities:
        facts[SLOT_ACTIVITIES] = activities
    return facts


def warm_up() -> None:
    """Load the tokenizer and compile everything now rather than on the first message."""
    extract_intake_facts("left knee, front, 6/10, 3 weeks, stairs, came on gradually, gym twice a week")
    parse_distance_cm("left 10cm right 6cm")
    parse_hip_check("hip dropped")
    parse_yes_no("yes")
