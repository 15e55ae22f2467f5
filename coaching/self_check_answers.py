"""Knee-to-wall answers in words: "my ankles feel really tight", "fine", "left one is worse", "same".

The number in centimetres is best, but people often answer with how it felt.
Those answers become "stiff" or "fine" per side, which the movement profile
reads like a measurement under or over the guide. Sides come from the words,
else from the question being asked; "same as the other one" copies the other side.

Words for stiffness come from the knowledge base's vocabulary (the `stiffness`
concept's synonyms, knowledge/vocabulary.yml) as well as the forms below, so a word
the trainer adds there ("rigid", "can't bend") is understood here too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, Mapping, Optional, Pattern

from knowledge.vocabulary import load_vocabulary

STIFF, FINE = "stiff", "fine"
SIDES = ("left", "right")

_STIFF_FORMS = (
    r"\b(?:tight\w*|stiff\w*|restrict\w*|limited|block\w*|struggl\w*|barely|hard(?:ly)?|"
    r"(?:could(?:n'?t| not)|can'?t|cannot|did(?:n'?t| not)) (?:get|reach|touch|make) (?:it |the wall|to the wall)\w*|"
    r"nowhere near|not (?:even )?close|worse|tighter|stiffer|less)\b"
)
_FINE = re.compile(
    r"\b(?:fine|ok(?:ay)?|no (?:problems?|issues?|bother)|easy|easily|normal|loose|good|great|no trouble|"
    r"alright|all right|better|looser)\b",
    re.I,
)
_NOT = re.compile(r"\b(?:not|n't|no|never)\s+(?:\w+\s+){0,2}$", re.I)
_BOTH = re.compile(r"\b(?:both|they(?:'re| are)?|them|ankles|each|either)\b", re.I)
_SAME = re.compile(r"\b(?:same|similar|no different|identical|just as)\b", re.I)
_SIDE = re.compile(r"\b(left|right)\b", re.I)


@lru_cache(maxsize=1)
def _stiff() -> Pattern[str]:
    phrases = sorted((p for c in load_vocabulary() if c.name == "stiffness" for p in c.phrases), key=len, reverse=True)
    vocabulary = "|".join(re.escape(p.lower()).replace(r"\ ", r"\s+") for p in phrases)
    return re.compile(_STIFF_FORMS + (rf"|\b(?:{vocabulary})\b" if vocabulary else ""), re.I)


def _feel(fragment: str) -> Optional[str]:
    """stiff / fine for a piece of text, with "not tight" read as fine and "not fine" as stiff."""
    for pattern, value, opposite in ((_stiff(), STIFF, FINE), (_FINE, FINE, STIFF)):
        match = pattern.search(fragment)
        if match:
            return opposite if _NOT.search(fragment[: match.start()]) else value
    return None


def ankle_feel(text: Any, asked_side: str, slots: Mapping[str, Any]) -> Dict[str, str]:
    """Per-side stiff/fine read from a knee-to-wall answer in words; empty when it says neither."""
    text = str(text or "")[:500]
    other = "right" if asked_side == "left" else "left"
    if _SAME.search(text) and not _SIDE.search(text):
        copied = slots.get(f"ankle_wall_{other}_cm")
        return {asked_side: copied} if copied is not None else {}
    feel = _feel(text)
    if feel is None:
        return {}
    named = [side.lower() for side in _SIDE.findall(text)]
    if named and re.search(r"\b(?:worse|tighter|stiffer|less)\b", text, re.I):
        worse = named[0]
        return {worse: STIFF, ("right" if worse == "left" else "left"): FINE}  # "left one is worse"
    if named:
        return {side: feel for side in dict.fromkeys(named)}
    if _BOTH.search(text):
        return {side: feel for side in SIDES}
    return {asked_side: feel}
