"""Turning knowledge-base passages into an answer a person can trust.

Every answer quotes the article, says where the quote comes from, and reminds
the person that this is general information, not a diagnosis.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Protocol, Sequence


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
    "why", "cause", "causes", "causing", "lead", "leads", "affect", "affects", "connected",
    "connection", "link", "linked", "relate", "related", "mess", "make", "makes", "hurt", "how",
}
# Concepts that say which joint is asked about, but nothing more specific.
_DRIVER_CONCEPTS = {"ankle": {"ankle", "ankle_stiffness"}, "hip": {"hip", "hip_instability"}}
_GENERIC_CONCEPTS = {"knee", "pain", "stiffness", "instability", "joint_stress", "weakness"}


def driver_question(question: str, concepts) -> Optional[str]:
    """"ankle" or "hip" for a general why/how question about one joint and the knee.

    Such questions are best answered with the article's causal chain for that
    joint rather than with the sentences that merely repeat the same words.
    """
    words = {w.strip("?!.,") for w in (question or "").lower().split()}
    if not words & _CAUSAL_WORDS:
        return None
    concepts = set(concepts)
    drivers = [d for d, names in _DRIVER_CONCEPTS.items() if concepts & names]
    if len(drivers) != 1:
        return None
    specific = concepts - _DRIVER_CONCEPTS[drivers[0]] - _GENERIC_CONCEPTS
    return drivers[0] if not specific else None


NOTHING_FOUND = (
    "I couldn't find anything about that in the trainer's article. I can explain how "
    "stiff ankles and hip instability relate to knee pain, what terms like maltracking "
    "or runner's knee mean, and which exercises the article suggests. "
    "Could you ask that another way?"
)


_EXERCISE_WORDS = ("exercise", "stretch", "strengthen", "bridge", "clamshell", "leg raise", "ankle circle", "dorsiflexion")


def mentions_exercises(*texts: str) -> bool:
    """Whether an answer would hand out exercises (withheld after a red flag)."""
    return any(word in (text or "").lower() for text in texts for word in _EXERCISE_WORDS)


EXERCISES_WITHHELD = (
    "Because of what you told me earlier, please have your knee checked by a clinician "
    "before starting any exercises. Once they've said exercise is safe, I'm happy to go "
    "through the article's exercises with you."
)
