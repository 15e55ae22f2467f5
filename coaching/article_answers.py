"""Turning knowledge-base passages into an answer a person can trust.

Every answer quotes the article, says where the quote comes from, and reminds
the person that this is general information, not a diagnosis. Which joints a
question can ask about and which exercises an answer would hand out come from
the articles' drivers and exercises (knowledge/sources/*.meta.yml).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Dict, FrozenSet, List, Optional, Protocol, Sequence, Tuple

from coaching.exercise_library import ExerciseLibrary, load_exercises
from coaching.movement_profile import article_drivers
from knowledge.drivers import Catalogue
from knowledge.vocabulary import load_vocabulary


class PassageLike(Protocol):
    text: str
    section: str
    score: float


NOT_A_DIAGNOSIS = (
    "This is general information from the trainer's article, not a diagnosis: "
    "a doctor or physiotherapist can assess your knee properly."
)

# A second passage is quoted only when it is nearly as relevant as the first.
SECOND_PASSAGE_RATIO = 0.75


def choose_passages(passages: Sequence[PassageLike], min_score: float) -> List[PassageLike]:
    """The one or two passages worth quoting, or none when nothing is relevant."""
    if not passages or passages[0].score < min_score:
        return []
    chosen = [passages[0]]
    if len(passages) > 1 and passages[1].score >= SECOND_PASSAGE_RATIO * passages[0].score:
        chosen.append(passages[1])
    return chosen


def compose_answer(
    passages: Sequence[PassageLike],
    cite: Callable[[PassageLike], str],
    lead: str = "Here's what the trainer's article says:",
) -> str:
    """Quote the passages, each followed by its source, then the disclaimer."""
    parts = [lead]
    for index, passage in enumerate(passages):
        parts.append(f"“{passage.text.strip()}”")
        citation = cite(passage)
        following = passages[index + 1] if index + 1 < len(passages) else None
        if following is None or cite(following) != citation:
            parts.append(f"({citation})")  # once after the quotes it covers
    parts.append(NOT_A_DIAGNOSIS)
    return "\n\n".join(parts)


_CAUSAL_WORDS = {
    "why",
    "cause",
    "causes",
    "causing",
    "lead",
    "leads",
    "affect",
    "affects",
    "connected",
    "connection",
    "link",
    "linked",
    "relate",
    "related",
    "mess",
    "make",
    "makes",
    "hurt",
    "how",
}
_GENERIC_CONCEPTS = {"knee", "pain", "stiffness", "instability", "joint_stress", "weakness"}


def driver_question(question: str, concepts, catalogue: Optional[Catalogue] = None) -> Optional[str]:
    """The driver ("ankle", "hip", or another article's) of a general why/how question
    about one driver and the knee.

    Such questions are best answered with the article's causal chain for that
    driver rather than with the sentences that merely repeat the same words.
    """
    words = {w.strip("?!.,") for w in (question or "").lower().split()}
    if not words & _CAUSAL_WORDS:
        return None
    concepts = set(concepts)
    named = _driver_concepts(tuple(d.name for d in article_drivers(catalogue)))
    drivers = [d for d, names in named.items() if concepts & names]
    if len(drivers) != 1:
        return None
    specific = concepts - named[drivers[0]] - _GENERIC_CONCEPTS
    return drivers[0] if not specific else None


@lru_cache(maxsize=4)
def _driver_concepts(drivers: Tuple[str, ...]) -> Dict[str, FrozenSet[str]]:
    """The concepts that say which driver is asked about, but nothing more specific: its name
    ("ankle") and the vocabulary's mechanisms that start there ("ankle_stiffness")."""
    specs = load_vocabulary()
    return {d: frozenset({d} | {s.name for s in specs if s.kind == "mechanism" and s.target == d}) for d in drivers}


NOTHING_FOUND = (
    "I couldn't find anything about that in the trainer's article. I can explain how "
    "stiff ankles and hip instability relate to knee pain, what terms like maltracking "
    "or runner's knee mean, and which exercises the article suggests. "
    "Could you ask that another way?"
)


_EXERCISE_WORDS = (
    "exercise",
    "stretch",
    "strengthen",
    "bridge",
    "clamshell",
    "leg raise",
    "ankle circle",
    "dorsiflexion",
)


def mentions_exercises(*texts: str, library: Optional[ExerciseLibrary] = None) -> bool:
    """Whether an answer would hand out exercises (withheld after a red flag): the general words
    above, or the name or the article's words of an exercise in the library."""
    library = library or load_exercises()
    words = _EXERCISE_WORDS + tuple(w.lower() for e in library.exercises for w in (e.name, e.article_phrase))
    return any(word in (text or "").lower() for text in texts for word in words)


EXERCISES_WITHHELD = (
    "Because of what you told me earlier, please have your knee checked by a clinician "
    "before starting any exercises. Once they've said exercise is safe, I'm happy to go "
    "through the article's exercises with you."
)
