"""The exercise plan as chat text: numbered exercises with steps, dose and when to stop, then notes."""

from __future__ import annotations

from typing import List, Sequence

from coaching.exercise_planning import ExercisePlan

NOT_A_SUBSTITUTE = (
    "These exercises come from the trainer's article; they are general suggestions, not a diagnosis "
    "and not a substitute for a clinician. If you are unsure, or your knee gets worse, see a doctor "
    "or physiotherapist."
)


def _named(title: str, author: str) -> str:
    return f'"{title}"' + (f" by {author}" if author else "")


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def format_exercise_plan(plan: ExercisePlan, picked_for: str = "your answers") -> str:
    """The plan as chat text; an exercise from another of the articles names its article."""
    several = len(plan.sources) > 1
    if several:
        source = "the trainer's articles " + _join([_named(t, a) for t, a in plan.sources])
    else:
        source = f'the trainer\'s article "{plan.source_title}"' if plan.source_title else "the trainer's article"
        if plan.source_author:
            source += f" by {plan.source_author}"
    parts: List[str] = []
    if plan.exercises:
        parts.append(f"Here are exercises from {source}, picked for {picked_for}:")
    for number, exercise in enumerate(plan.exercises, start=1):
        title = f"{number}. {exercise.name}" + (" (easier version)" if exercise.easier else "")
        target = exercise.target_words or f"{exercise.target}s"
        phrase = f"\u201c{exercise.article_phrase}\u201d"
        origin = f'{phrase} in "{exercise.source_title}"' if several else f"the article's {phrase}"
        lines = [f"{title} \u2014 for the {target} ({origin})"]
        lines.append("How:")
        lines.extend(f"  - {step}" for step in exercise.how)
        lines.append(f"Dose: {exercise.dose}")
        lines.append("Stop and contact the specialist if you notice: " + "; ".join(exercise.stop_if) + ".")
        parts.append("\n".join(lines))
    parts.extend(plan.notes)
    parts.append(NOT_A_SUBSTITUTE)
    return "\n\n".join(parts)


__all__ = ["NOT_A_SUBSTITUTE", "format_exercise_plan"]
