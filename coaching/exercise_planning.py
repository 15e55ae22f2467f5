"""Choosing the articles' exercises for a movement profile and a pain level.

The exercises come from the library (coaching/exercise_library.py): only those the articles
name. This module picks from them; it never invents an exercise.

* one driver (a profile such as "ankle") -> that driver's exercises;
* several drivers ("both", "hip+foot") -> a balanced subset: the first two suitable of each,
  in the articles' order;
* unclear -> a gentle starter, the gentlest exercise of each driver, plus the advice that the
  specialist can assess which link applies.

Pain decides what is suitable: an exercise is left out above its ``max_pain_score``; from
7/10 up only the exercises still suitable are offered, in their easier version with fewer
reps; with no pain score, moderate pain is assumed. What a driver's article says about the
activities that bring the pain on comes from its metadata (``plan_note``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from coaching.exercise_library import Exercise, ExerciseLibrary, load_exercises
from coaching.movement_profile import ACTIVITY_WORDS, UNCLEAR, bring_phrase, profile_drivers
from knowledge.drivers import Driver, load_catalogue

HIGH_PAIN = 7  # from this score up: easier versions only
LOW_PAIN_MAX = 3  # 0-3 low, 4-6 moderate, 7-10 high
ASSUMED_PAIN = 5  # moderate, used when the pain score is unknown
PER_TARGET_FOR_BOTH = 2


@dataclass(frozen=True)
class PlannedExercise:
    """One exercise as the person should do it now (steps and dose already fit the pain level)."""

    id: str
    name: str
    target: str
    article_phrase: str
    how: Tuple[str, ...]
    dose: str
    stop_if: Tuple[str, ...]
    easier: bool  # True when this is the easier version
    target_words: str = ""  # what the target is about, e.g. "ankles" ("for the ankles")
    source_title: str = ""


@dataclass
class ExercisePlan:
    profile: str
    pain_score: Optional[int]  # as given; None when unknown
    pain_level: str  # "low" | "moderate" | "high"
    exercises: List[PlannedExercise]
    notes: List[str] = field(default_factory=list)
    source_title: str = ""
    source_author: str = ""
    # (title, author) of every article the exercises come from, when there are several
    sources: List[Tuple[str, str]] = field(default_factory=list)

    @property
    def exercise_ids(self) -> List[str]:
        return [e.id for e in self.exercises]


def _pain(pain_score) -> Optional[int]:
    """A usable 0-10 score, or None ("unknown", missing, out of range, not a number)."""
    if isinstance(pain_score, bool) or pain_score is None:
        return None
    if isinstance(pain_score, str):
        match = re.match(r"^\s*(\d{1,2}(?:\.\d+)?)\s*(?:/\s*10)?\s*$", pain_score)
        if not match:
            return None
        pain_score = float(match.group(1))
    if not isinstance(pain_score, (int, float)) or not math.isfinite(pain_score):
        return None
    score = int(round(pain_score))
    return score if 0 <= score <= 10 else None


def _level(score: int) -> str:
    return "low" if score <= LOW_PAIN_MAX else ("moderate" if score < HIGH_PAIN else "high")


def _planned(exercise: Exercise, high_pain: bool, driver: Driver) -> PlannedExercise:
    return PlannedExercise(
        id=exercise.id,
        name=exercise.name,
        target=exercise.target,
        article_phrase=exercise.article_phrase,
        how=exercise.easier.how if high_pain else exercise.how,
        dose=exercise.easier.dose if high_pain else exercise.starting_dose,
        stop_if=exercise.stop_if,
        easier=high_pain,
        target_words=driver.body,
        source_title=exercise.source_title,
    )


def _gentlest(exercises: Sequence[Exercise]) -> List[Exercise]:
    """The one with the highest max_pain_score (the first in the file on a tie)."""
    if not exercises:
        return []
    best = max(e.max_pain_score for e in exercises)
    return [next(e for e in exercises if e.max_pain_score == best)]


def _join(words: List[str], last: str = "and") -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


def _drivers(library: ExerciseLibrary) -> List[Driver]:
    """The library's drivers; for a library parsed on its own, its targets in file order, with
    the words of the knowledge base's drivers of the same name where there are any."""
    if library.drivers:
        return list(library.drivers)
    known = load_catalogue()
    targets = dict.fromkeys(e.target for e in library.exercises)
    return [known.driver(t) or Driver(t, (), t, t + "s", "", library.source_title) for t in targets]


def _activity_notes(drivers: Sequence[Driver], activities: Sequence[str]) -> List[str]:
    if isinstance(activities, str):
        activities = [activities]
    given = {a.strip().lower().replace(" ", "_") for a in activities or () if isinstance(a, str)}
    notes = []
    for driver in drivers:
        note = driver.plan_note
        words = [ACTIVITY_WORDS[a] for a in note.activities if a in given] if note else []
        if note and words:
            notes.append(f"You said {bring_phrase(words)} on your pain: {note.says}")
    return notes


def plan_exercises(
    profile: Optional[str],
    pain_score=None,
    activities: Sequence[str] = (),
    library: Optional[ExerciseLibrary] = None,
) -> ExercisePlan:
    """The exercises to suggest, with steps and doses fitted to the pain level, and notes."""
    profile = UNCLEAR if profile is None else str(profile).strip().lower()
    library = library or load_exercises()
    drivers = _drivers(library)
    by_name = {d.name: d for d in drivers}
    targets = [by_name[name] for name in profile_drivers(profile, list(by_name))]
    unclear, several = profile == UNCLEAR, len(targets) > 1
    given = _pain(pain_score)
    score = ASSUMED_PAIN if given is None else given
    high = score >= HIGH_PAIN
    notes: List[str] = []
    if given is None:
        notes.append("You didn't give a pain score, so I've assumed moderate pain.")

    chosen: List[Exercise] = []
    left_out: List[Exercise] = []
    for target in targets:
        candidates = library.for_target(target.name)
        suitable = [e for e in candidates if e.max_pain_score >= score]
        if unclear:
            chosen.extend(_gentlest(suitable))
        elif several:
            chosen.extend(suitable[:PER_TARGET_FOR_BOTH])
        else:
            chosen.extend(suitable)
            left_out.extend(e for e in candidates if e.max_pain_score < score)

    if unclear and chosen:
        notes.append(
            "Your answers don't show which link applies to you, so this is a gentle starter with "
            f"{_join([f'one {t.name}' for t in targets])} exercise. A physical therapist or movement "
            "specialist can assess which one applies and adjust the plan."
        )
    if chosen and high:
        notes.append(
            f"Because your pain is {score}/10, these are only the gentlest exercises, in easier versions "
            "with fewer reps. When the pain settles, the specialist can help you build up."
        )
    if left_out and chosen:
        names = [f"{e.name} (for pain up to {e.max_pain_score}/10)" for e in left_out]
        notes.append(f"Left out for now because of your pain level: {_join(names)}.")
    if not chosen:
        notes.append(
            f"With pain at {score}/10 I'd rather not suggest exercises yet: please get your knee checked "
            f"by a doctor or physiotherapist first. They can also assess whether your "
            f"{_join([d.body for d in drivers], 'or')} play a part."
        )
    else:
        notes.extend(_activity_notes(targets, activities))
    sources = list(
        dict.fromkeys(
            (e.source_title or library.source_title, e.source_author or library.source_author) for e in chosen
        )
    )
    title, author = sources[0] if sources else (library.source_title, library.source_author)
    return ExercisePlan(
        profile=profile,
        pain_score=given,
        pain_level=_level(score),
        exercises=[_planned(e, high, by_name[e.target]) for e in chosen],
        notes=notes,
        source_title=title,
        source_author=author,
        sources=sources if len(sources) > 1 else [],
    )


__all__ = ["ASSUMED_PAIN", "HIGH_PAIN", "ExercisePlan", "PlannedExercise", "plan_exercises"]
