"""The articles' exercises for a movement profile and a pain level: the public names.

In three parts: coaching/exercise_library.py loads and checks the exercises each article names
(coaching/exercises.yml for the trainer's article), coaching/exercise_planning.py picks them
for a profile and a pain level, coaching/exercise_format.py writes the plan as chat text. The
bot's actions and the tests import from here.
"""

from __future__ import annotations

from coaching.exercise_format import NOT_A_SUBSTITUTE, format_exercise_plan
from coaching.exercise_library import (
    DATA_FILE,
    EasierVersion,
    Exercise,
    ExerciseDataError,
    ExerciseLibrary,
    load_exercises,
    parse_exercises,
)
from coaching.exercise_planning import ASSUMED_PAIN, HIGH_PAIN, ExercisePlan, PlannedExercise, plan_exercises

__all__ = [
    "DATA_FILE",
    "HIGH_PAIN",
    "ASSUMED_PAIN",
    "NOT_A_SUBSTITUTE",
    "EasierVersion",
    "Exercise",
    "ExerciseDataError",
    "ExerciseLibrary",
    "ExercisePlan",
    "PlannedExercise",
    "format_exercise_plan",
    "load_exercises",
    "parse_exercises",
    "plan_exercises",
]
