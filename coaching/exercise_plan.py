"""Choosing the article's exercises for a movement profile and a pain level.

The exercises are data (coaching/exercises.yml, edited by the trainer): only the six the
article names, each with steps, a starting dose, an easier version and when to stop. This
module picks from them; it never invents an exercise.

* ankle -> the ankle exercises; hip -> the hip exercises;
* both -> a balanced subset: the first two suitable of each, ankle first;
* unclear -> a gentle starter, the gentlest ankle and the gentlest hip exercise, plus the
  advice that the specialist can assess which link applies.

Pain decides what is suitable: an exercise is left out above its ``max_pain_score``; from
7/10 up only the exercises still suitable are offered, in their easier version with fewer
reps; with no pain score, moderate pain is assumed.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

DATA_FILE = Path(__file__).resolve().parent / "exercises.yml"
ARTICLE_SOURCES = Path(__file__).resolve().parent.parent / "knowledge" / "sources"

TARGETS = ("ankle", "hip")
PROFILES = ("ankle", "hip", "both", "unclear")
HIGH_PAIN = 7  # from this score up: easier versions only
LOW_PAIN_MAX = 3  # 0-3 low, 4-6 moderate, 7-10 high
ASSUMED_PAIN = 5  # moderate, used when the pain score is unknown
PER_TARGET_FOR_BOTH = 2
MIN_STEPS, MAX_STEPS = 3, 5

_REQUIRED = ("id", "name", "target", "article_phrase", "how", "starting_dose", "easier", "stop_if", "max_pain_score")
_EASIER_FIELDS = ("how", "dose")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class ExerciseDataError(ValueError):
    """The exercises file is missing, malformed or names an exercise the article doesn't."""


@dataclass(frozen=True)
class EasierVersion:
    how: Tuple[str, ...]
    dose: str


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    target: str  # "ankle" | "hip"
    article_phrase: str
    how: Tuple[str, ...]
    starting_dose: str
    easier: EasierVersion
    stop_if: Tuple[str, ...]
    max_pain_score: int


@dataclass(frozen=True)
class ExerciseLibrary:
    source_title: str
    source_author: str
    exercises: Tuple[Exercise, ...]

    def for_target(self, target: str) -> List[Exercise]:
        return [e for e in self.exercises if e.target == target]


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


@dataclass
class ExercisePlan:
    profile: str
    pain_score: Optional[int]  # as given; None when unknown
    pain_level: str  # "low" | "moderate" | "high"
    exercises: List[PlannedExercise]
    notes: List[str] = field(default_factory=list)
    source_title: str = ""
    source_author: str = ""

    @property
    def exercise_ids(self) -> List[str]:
        return [e.id for e in self.exercises]


# ---------------------------------------------------------------------- loading


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _article_text(sources_dir: Optional[Path]) -> Optional[str]:
    folder = Path(sources_dir) if sources_dir is not None else ARTICLE_SOURCES
    if not folder.is_dir():
        return None
    texts = [p.read_text(encoding="utf-8-sig") for p in sorted(folder.iterdir()) if p.suffix in (".txt", ".md")]
    return _normalised("\n".join(texts)) if texts else None


def _text(value, where: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ExerciseDataError(f"{where}: {name} must be a non-empty text")
    return value.strip()


def _texts(value, where: str, name: str, least: int, most: Optional[int] = None) -> Tuple[str, ...]:
    if not isinstance(value, list):
        raise ExerciseDataError(f"{where}: {name} must be a list")
    items = tuple(_text(v, where, f"each item of {name}") for v in value)
    if len(items) < least or (most is not None and len(items) > most):
        size = f"{least} to {most}" if most is not None else f"at least {least}"
        raise ExerciseDataError(f"{where}: {name} must have {size} items, not {len(items)}")
    return items


def _exercise(raw, number: int, source: str, article: Optional[str]) -> Exercise:
    where = f"{source}: exercise {number}"
    if not isinstance(raw, dict):
        raise ExerciseDataError(f"{where}: expected a mapping of {', '.join(_REQUIRED)}")
    if isinstance(raw.get("id"), str):
        where += f" ({raw['id']})"
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ExerciseDataError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(str(k) for k in raw if k not in _REQUIRED)
    if unknown:
        raise ExerciseDataError(f"{where}: unknown field(s) {', '.join(unknown)} (expected {', '.join(_REQUIRED)})")
    exercise_id = _text(raw["id"], where, "id")
    if not _ID.match(exercise_id):
        raise ExerciseDataError(f"{where}: id must be snake_case letters, digits and _")
    target = raw["target"]
    if target not in TARGETS:
        raise ExerciseDataError(f"{where}: target must be 'ankle' or 'hip', not {target!r}")
    phrase = _text(raw["article_phrase"], where, "article_phrase")
    if article is not None and _normalised(phrase) not in article:
        raise ExerciseDataError(
            f"{where}: article_phrase {phrase!r} is not in the article: only the article's exercises may be listed"
        )
    easier = raw["easier"]
    if not isinstance(easier, dict):
        raise ExerciseDataError(f"{where}: easier must be a mapping with how and dose")
    missing = [k for k in _EASIER_FIELDS if k not in easier]
    unknown = sorted(str(k) for k in easier if k not in _EASIER_FIELDS)
    if missing or unknown:
        raise ExerciseDataError(
            f"{where}: easier must have exactly the fields how and dose"
            + (f" (missing {', '.join(missing)})" if missing else "")
            + (f" (unknown {', '.join(unknown)})" if unknown else "")
        )
    max_pain = raw["max_pain_score"]
    if isinstance(max_pain, bool) or not isinstance(max_pain, int) or not 0 <= max_pain <= 10:
        raise ExerciseDataError(f"{where}: max_pain_score must be a whole number from 0 to 10, not {max_pain!r}")
    return Exercise(
        id=exercise_id,
        name=_text(raw["name"], where, "name"),
        target=target,
        article_phrase=phrase,
        how=_texts(raw["how"], where, "how", MIN_STEPS, MAX_STEPS),
        starting_dose=_text(raw["starting_dose"], where, "starting_dose"),
        easier=EasierVersion(
            how=_texts(easier["how"], where, "easier.how", 1, MAX_STEPS),
            dose=_text(easier["dose"], where, "easier.dose"),
        ),
        stop_if=_texts(raw["stop_if"], where, "stop_if", 1),
        max_pain_score=max_pain,
    )


def parse_exercises(data, source: str = "exercises", article_text: Optional[str] = None) -> ExerciseLibrary:
    """Validate already-loaded YAML data; ``article_text`` (if given) must contain every article_phrase."""
    if not isinstance(data, dict):
        raise ExerciseDataError(f"{source}: expected a mapping with 'source' and 'exercises'")
    unknown = sorted(str(k) for k in data if k not in ("source", "exercises"))
    if unknown:
        raise ExerciseDataError(f"{source}: unknown top-level field(s) {', '.join(unknown)}")
    meta = data.get("source")
    if not isinstance(meta, dict):
        raise ExerciseDataError(f"{source}: missing 'source' with the article's title and author")
    title = _text(meta.get("title"), source, "source.title")
    author = _text(meta.get("author"), source, "source.author")
    raw_exercises = data.get("exercises")
    if not isinstance(raw_exercises, list) or not raw_exercises:
        raise ExerciseDataError(f"{source}: 'exercises' must be a non-empty list")
    article = _normalised(article_text) if article_text is not None else None
    exercises = tuple(_exercise(raw, n, source, article) for n, raw in enumerate(raw_exercises, start=1))
    seen: Dict[str, int] = {}
    for number, exercise in enumerate(exercises, start=1):
        if exercise.id in seen:
            raise ExerciseDataError(f"{source}: exercise {number}: id {exercise.id!r} is used twice")
        seen[exercise.id] = number
    for target in TARGETS:
        if not any(e.target == target for e in exercises):
            raise ExerciseDataError(f"{source}: no exercise has target {target!r}")
    return ExerciseLibrary(title, author, exercises)


_cache: Dict[Tuple[str, int, int, str], ExerciseLibrary] = {}


def load_exercises(path: Optional[Path] = None, sources_dir: Optional[Path] = None) -> ExerciseLibrary:
    """Read and validate the exercises file (cached until the file changes).

    Every article_phrase is checked against the articles in ``sources_dir`` (default:
    knowledge/sources), so an exercise the article doesn't name is rejected."""
    path = Path(path or DATA_FILE)
    try:
        stat = path.stat()
    except OSError as error:
        raise ExerciseDataError(f"{path}: cannot read the exercises file ({error.strerror})") from error
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, str(sources_dir or ARTICLE_SOURCES))
    if key not in _cache:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ExerciseDataError(f"{path}: not valid YAML: {error}") from error
        _cache[key] = parse_exercises(data, str(path), _article_text(sources_dir))
    return _cache[key]


# ---------------------------------------------------------------------- planning


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


def _planned(exercise: Exercise, high_pain: bool) -> PlannedExercise:
    return PlannedExercise(
        id=exercise.id,
        name=exercise.name,
        target=exercise.target,
        article_phrase=exercise.article_phrase,
        how=exercise.easier.how if high_pain else exercise.how,
        dose=exercise.easier.dose if high_pain else exercise.starting_dose,
        stop_if=exercise.stop_if,
        easier=high_pain,
    )


def _gentlest(exercises: Sequence[Exercise]) -> List[Exercise]:
    """The one with the highest max_pain_score (the first in the file on a tie)."""
    if not exercises:
        return []
    best = max(e.max_pain_score for e in exercises)
    return [next(e for e in exercises if e.max_pain_score == best)]


def _join(words: List[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _bring(words: List[str]) -> str:
    plural = len(words) > 1 or words[0] in ("stairs", "squats")
    return _join(words) + (" bring" if plural else " brings")


_ANKLE_ACTIVITIES = {"walking": "walking", "running": "running", "stairs": "stairs", "squatting": "squats"}
_HIP_ACTIVITIES = {"changing_direction": "changing direction", "jumping": "jumping", "sport": "sport"}


def _activity_notes(targets: Iterable[str], activities: Sequence[str]) -> List[str]:
    if isinstance(activities, str):
        activities = [activities]
    given = {a.strip().lower().replace(" ", "_") for a in activities or () if isinstance(a, str)}
    notes = []
    ankle_words = [w for a, w in _ANKLE_ACTIVITIES.items() if a in given]
    hip_words = [w for a, w in _HIP_ACTIVITIES.items() if a in given]
    if "ankle" in targets and ankle_words:
        notes.append(
            f"You said {_bring(ankle_words)} on your pain: the article says stiff ankles restrict the "
            "range of motion walking, running and other weight-bearing activities need, which is what "
            "the ankle exercises work on."
        )
    if "hip" in targets and hip_words:
        notes.append(
            f"You said {_bring(hip_words)} on your pain: the article says weak hip muscles fail to "
            "support the knee especially in sudden changes of direction or impact, which is what the hip "
            "exercises work on."
        )
    return notes


def plan_exercises(
    profile: Optional[str],
    pain_score=None,
    activities: Sequence[str] = (),
    library: Optional[ExerciseLibrary] = None,
) -> ExercisePlan:
    """The exercises to suggest, with steps and doses fitted to the pain level, and notes."""
    profile = "unclear" if profile is None else str(profile).strip().lower()
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    library = library or load_exercises()
    given = _pain(pain_score)
    score = ASSUMED_PAIN if given is None else given
    high = score >= HIGH_PAIN
    notes: List[str] = []
    if given is None:
        notes.append("You didn't give a pain score, so I've assumed moderate pain.")

    targets = ("ankle", "hip") if profile in ("both", "unclear") else (profile,)
    chosen: List[Exercise] = []
    left_out: List[Exercise] = []
    for target in targets:
        candidates = library.for_target(target)
        suitable = [e for e in candidates if e.max_pain_score >= score]
        if profile == "both":
            chosen.extend(suitable[:PER_TARGET_FOR_BOTH])
        elif profile == "unclear":
            chosen.extend(_gentlest(suitable))
        else:
            chosen.extend(suitable)
            left_out.extend(e for e in candidates if e.max_pain_score < score)

    if profile == "unclear" and chosen:
        notes.append(
            "Your answers don't show which link applies to you, so this is a gentle starter with one "
            "ankle and one hip exercise. A physical therapist or movement specialist can assess which "
            "one applies and adjust the plan."
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
            "by a doctor or physiotherapist first. They can also assess whether your ankles or hips "
            "play a part."
        )
    else:
        notes.extend(_activity_notes(targets, activities))
    return ExercisePlan(
        profile=profile,
        pain_score=given,
        pain_level=_level(score),
        exercises=[_planned(e, high) for e in chosen],
        notes=notes,
        source_title=library.source_title,
        source_author=library.source_author,
    )


NOT_A_SUBSTITUTE = (
    "These exercises come from the trainer's article; they are general suggestions, not a diagnosis "
    "and not a substitute for a clinician. If you are unsure, or your knee gets worse, see a doctor "
    "or physiotherapist."
)


def format_exercise_plan(plan: ExercisePlan, picked_for: str = "your answers") -> str:
    """The plan as chat text: numbered exercises with steps, dose and when to stop, then notes."""
    source = f'the trainer\'s article "{plan.source_title}"' if plan.source_title else "the trainer's article"
    if plan.source_author:
        source += f" by {plan.source_author}"
    parts: List[str] = []
    if plan.exercises:
        parts.append(f"Here are exercises from {source}, picked for {picked_for}:")
    for number, exercise in enumerate(plan.exercises, start=1):
        title = f"{number}. {exercise.name}" + (" (easier version)" if exercise.easier else "")
        lines = [f"{title} \u2014 for the {exercise.target}s (the article's \u201c{exercise.article_phrase}\u201d)"]
        lines.append("How:")
        lines.extend(f"  - {step}" for step in exercise.how)
        lines.append(f"Dose: {exercise.dose}")
        lines.append("Stop and contact the specialist if you notice: " + "; ".join(exercise.stop_if) + ".")
        parts.append("\n".join(lines))
    parts.extend(plan.notes)
    parts.append(NOT_A_SUBSTITUTE)
    return "\n\n".join(parts)


__all__ = [
    "DATA_FILE", "HIGH_PAIN", "ASSUMED_PAIN", "EasierVersion", "Exercise", "ExerciseDataError",
    "ExerciseLibrary", "ExercisePlan", "PlannedExercise", "format_exercise_plan", "load_exercises",
    "parse_exercises", "plan_exercises",
]
