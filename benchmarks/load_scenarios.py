"""Scripted conversations for the load benchmark (benchmarks/conversation_load.py).

A scenario is one conversation: an ordered list of user turns sent over the
REST channel with one fresh sender id. The load runner starts scenarios round
robin (conversation 0 gets SCENARIOS[0], conversation 1 SCENARIOS[1], ...),
so adding a scenario here puts it into the benchmark without touching the runner.

Per turn:
- ``expect_reply``: an empty reply (``[]``) counts as an error when True.
- ``expect``: optional text (case-insensitive) the reply should contain. A reply
  without it is not an error (the server answered), but it is counted as a
  *mismatch*, so a fast benchmark of wrong answers (e.g. everything falling
  back) shows up in the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence


@dataclass(frozen=True)
class Turn:
    text: str
    expect_reply: bool = True
    expect: Optional[str] = None


@dataclass(frozen=True)
class Scenario:
    name: str
    turns: Sequence[Turn] = field(default_factory=tuple)


def _turns(*items) -> tuple:
    """Turns from strings or (text, expect) pairs."""
    result = []
    for item in items:
        if isinstance(item, Turn):
            result.append(item)
        elif isinstance(item, tuple):
            result.append(Turn(item[0], expect=item[1]))
        else:
            result.append(Turn(item))
    return tuple(result)


# --- our assistant (knee pain, stiff ankles, hip instability) -------------

ARTICLE_QUESTIONS = Scenario(
    "article_questions",
    _turns(
        ("hi", "not a doctor"),
        ("why do stiff ankles cause knee pain?", "ankle"),
        ("what is maltracking", "maltracking"),
        ("what exercises help my hips", "glute"),
        ("thanks", "welcome"),
    ),
)

# The way people type: typos, no punctuation, a capability question.
TYPED_QUICKLY = Scenario(
    "typed_quickly",
    _turns(
        ("hello there", "not a doctor"),
        ("what can you do?", "exercises"),
        ("can weak hips cause knee pain", "hip"),
        ("whats runners knee", "patellofemoral"),
        ("what exercises help my ankles?", "calf"),
        ("bye", "take care"),
    ),
)

# A whole consultation: consent, the age, six safety questions, intake, two
# self-checks, explanation and exercises (the heaviest path: form validation on
# every turn, knowledge-base queries and a saved record at the end).
CONSULTATION = Scenario(
    "consultation",
    _turns(
        ("my left knee hurts at the front when i go down stairs", "is that okay"),
        ("yes", "how old"),
        ("34", "injury"),
        "no",
        ("yes i can walk on it", "hot, red"),
        "nope",
        "no",
        "no",
        ("nah", "urgent care"),
        ("it came on gradually", "how long"),
        ("about 3 weeks", "0 (no pain)"),
        ("5", "how active"),
        ("i run twice a week", "knee-to-wall"),
        ("6 cm", "right foot"),
        ("7cm", "hip self-check"),
        ("everything stayed level", "calf stretch"),
    ),
)

SCENARIOS: List[Scenario] = [ARTICLE_QUESTIONS, TYPED_QUICKLY, CONSULTATION]


# --- baseline: Rasa's starter bot from `rasa init` (the moodbot) ----------

MOODBOT = Scenario(
    "moodbot_sad_path",
    _turns(
        ("hello", "how are you"),
        ("I am sad", "cheer you up"),
        ("yes", "carry on"),
        ("bye", "bye"),
    ),
)

BASELINE_SCENARIOS: List[Scenario] = [MOODBOT]
