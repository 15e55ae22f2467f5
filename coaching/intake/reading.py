"""How intake reads a message before looking for answers in it.

The text goes through the shared toolkit (language/): cleaned, lower-cased,
stretched letters squeezed, text-speak expanded, and every unknown word
corrected towards the intake's own words ("stiars" -> "stairs", "rigth" ->
"right"). Positions stay mapped onto the original message, so a mention found
in the reading can be compared with where Rasa's entities stand.
"""

from __future__ import annotations

import functools
import logging
import re
from functools import lru_cache
from typing import Any, Callable, Iterable, List

from language.spelling import TypoCorrector
from language.text import MappedText

logger = logging.getLogger("coaching.intake")

# Longer messages are cut (the input guard already sends anything over
# input_checks.MAX_MESSAGE_CHARS to the fallback); keeps every parser fast.
MAX_PARSE_CHARS = 5000

# The words the intake's patterns are written with: a typo is corrected towards one of them.
VOCABULARY = (
    "left",
    "right",
    "knee",
    "knees",
    "kneecap",
    "kneecaps",
    "patella",
    "outside",
    "inside",
    "lateral",
    "medial",
    "everywhere",
    "behind",
    "pain",
    "hurts",
    "pilates",
    "stairs",
    "staircase",
    "running",
    "jogging",
    "sprinting",
    "squats",
    "squatting",
    "crouching",
    "lunges",
    "cycling",
    "biking",
    "bicycle",
    "kneeling",
    "walking",
    "hiking",
    "jumping",
    "sitting",
    "driving",
    "turning",
    "pivoting",
    "twisting",
    "basketball",
    "football",
    "netball",
    "tennis",
    "volleyball",
    "badminton",
    "hockey",
    "rugby",
    "soccer",
    "cricket",
    "exercise",
    "active",
    "sedentary",
    "marathon",
    "compete",
    "competitive",
    "gradually",
    "gradual",
    "suddenly",
    "sudden",
    "twisted",
    "injured",
    "remember",
    "yesterday",
    "fortnight",
    "weeks",
    "months",
    "years",
    "centimetres",
    "centimeters",
    "inches",
    "millimetres",
    "millimeters",
    "dropped",
    "dipped",
    "caved",
    "inwards",
    "collapsed",
    "pelvis",
)


@lru_cache(maxsize=1)
def _speller() -> TypoCorrector:
    return TypoCorrector(VOCABULARY)


def never_raises(default: Callable[[], Any]):
    """Log a parsing bug and return the "nothing found" value instead of raising."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception:  # noqa: BLE001 - a parser bug must not end the conversation
                logger.exception("intake parsing failed in %s", func.__name__)
                return default()

        return wrapper

    return decorate


def _read(raw: Any) -> MappedText:
    text = MappedText.of(raw, MAX_PARSE_CHARS).cleaned().lower().single_spaced().squeezed()
    return _speller().correct_words(text.text_speak_expanded())


@lru_cache(maxsize=256)
def _read_cached(raw: Any) -> MappedText:
    return _read(raw)


def normalise(raw: Any) -> MappedText:
    """The message as the parsers read it (``.text``), mapped onto the original (``.span``)."""
    if isinstance(raw, str) or raw is None:
        return _read_cached(raw)
    return _read(raw)


def lower_original(raw: Any) -> str:
    """The original text lower-cased character for character (positions unchanged)."""
    if raw is None:
        return ""
    raw = (raw if isinstance(raw, str) else str(raw))[:MAX_PARSE_CHARS]
    return "".join((char.lower() or " ")[0] for char in raw)


def words(text: str) -> List[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def before(text: str, pos: int, chars: int = 40) -> str:
    return text[max(0, pos - chars) : pos]


def after(text: str, pos: int, chars: int = 40) -> str:
    return text[pos : pos + chars]


def word_before(text: str, pos: int) -> str:
    found = re.findall(r"[a-z]+(?:'[a-z]+)?", before(text, pos, 30))
    return found[-1] if found else ""


_FILLER = frozenset(
    {
        "the",
        "my",
        "at",
        "on",
        "in",
        "its",
        "it's",
        "it",
        "is",
        "of",
        "knee",
        "part",
        "bit",
        "a",
        "round",
        "around",
        "mostly",
        "mainly",
        "just",
        "um",
        "erm",
        "side",
        "area",
        "kind",
        "sort",
        "i",
        "think",
        "probably",
        "more",
        "towards",
        "toward",
    }
)


def short_answer(found: Iterable[str], *wanted: str) -> bool:
    """Is the answer only ``wanted`` words and filler ("um the back I think")?"""
    rest = [w for w in found if w not in _FILLER]
    return bool(rest) and all(w in wanted for w in rest)
