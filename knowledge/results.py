"""Plain, immutable results returned by ``KnowledgeBase`` (safe to compare, hash and log)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class Passage:
    """One sentence of a source article."""

    id: int
    text: str
    section: str  # heading of its section ("" before the first heading)
    document_title: str
    author: Optional[str]
    position: int  # order of the sentence in its document
    score: float = 0.0  # ranking score for answer(); 0.0 elsewhere
    document_id: int = 0


@dataclass(frozen=True)
class CausalStep:
    """``cause`` -> ``effect`` as stated by the passage it was extracted from."""

    cause: str
    cause_label: str
    relation: str
    effect: str
    effect_label: str
    passage: Passage
    depth: int = 1  # 1 = directly from the driver's mechanism, 2 = one step further


@dataclass(frozen=True)
class ExerciseMention:
    name: str  # concept name, e.g. "glute_bridges"
    label: str  # display label from the vocabulary
    target: str  # "ankle" or "hip"
    surface: str  # the words used in the article
    passage: Passage


@dataclass(frozen=True)
class Explanation:
    driver: str  # "ankle", "hip" or "both"
    links: Tuple[CausalStep, ...]  # how the driver leads to knee problems
    remedies: Tuple[CausalStep, ...]  # what the article says the exercises improve
    exercises: Tuple[ExerciseMention, ...]
    passages: Tuple[Passage, ...]  # best passages for the symptoms given, if any
