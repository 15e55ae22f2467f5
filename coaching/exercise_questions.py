"""Questions that ask which exercises help one target ("how do I loosen up tight calves?").

They get the article's exercises for that target, each with how-to, starting
dose and when to stop, from the same library and formatter as the
consultation's plan, and an offer of the consultation to tailor them. The
target is read from the words; the exercises come from coaching/exercises.yml.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional, Tuple

from coaching.exercise_plan import format_exercise_plan, plan_exercises

# What makes a message an exercise question: it asks what to do, not why.
_ASKS_WHAT_TO_DO = re.compile(
    r"\b(?:exercises?|stretch(?:es|ing)?|loosen(?:\s+up)?|strengthen(?:ing)?|mobili[sz]e|mobility|"
    r"what (?:helps?|(?:would|could|might|will) help|can i do|should i do|do i do|works?)|helps? (?:with|for)|"
    r"how (?:do|can|should) i (?:fix|improve|help|work on|"
    r"loosen|strengthen|stretch|stop)|routine|drills?|work(?:outs?)? for)\b",
    re.I,
)
# (pattern, consultation profile, activities the plan's notes speak to)
_TARGETS: Tuple[Tuple["re.Pattern[str]", str, Tuple[str, ...]], ...] = (
    (re.compile(r"\b(?:run|runs|runn(?:er|ers|ing)|jog(?:ger|gers|ging)?)\b", re.I), "both", ("running",)),
    (re.compile(r"\b(?:stairs?|steps|staircase)\b", re.I), "both", ("stairs",)),
    (
        re.compile(
            r"\b(?:knees?\s+(?:cav(?:e|es|ing)|collaps\w*|roll\w*|drop\w*)\s+in(?:wards?)?|valgus|"
            r"wobbly\s+hips?|hip\s+(?:stability|instability|drop)|glutes?|gluteal|bum|weak\s+hips?|hips?)\b",
            re.I,
        ),
        "hip",
        (),
    ),
    (re.compile(r"\b(?:calf|calves|calfs|achilles|ankles?|dorsiflexion)\b", re.I), "ankle", ()),
)
OFFER = (
    "These are the article's general starting points. If you'd like them chosen and dosed for your own "
    'knee, say "check my knee" for a short consultation (a few safety questions come first).'
)


def exercise_target(question: str) -> Optional[Tuple[str, Tuple[str, ...]]]:
    """(profile, activities) when the message asks which exercises help a target, else None."""
    question = question or ""
    if len(question) > 500 or not _ASKS_WHAT_TO_DO.search(question):
        return None
    for pattern, profile, activities in _TARGETS:
        if pattern.search(question):
            return profile, activities
    return None


def exercises_for(question: str) -> Optional[str]:
    """The answer to an exercise question, or None when it isn't one."""
    target = exercise_target(question)
    if target is None:
        return None
    profile, activities = target
    plan = plan_exercises(profile, None, activities)
    # No pain score was asked for: the starting doses stand, without a note about assuming one.
    plan = replace(plan, notes=[n for n in plan.notes if "didn't give a pain score" not in n])
    return format_exercise_plan(plan, picked_for=_what(profile, activities)) + "\n\n" + OFFER


def _what(profile: str, activities: Tuple[str, ...]) -> str:
    if activities:
        return "knees that hurt with " + " and ".join(activities)
    return {"ankle": "stiff ankles and tight calves", "hip": "hip stability"}.get(profile, "the ankles and hips")
