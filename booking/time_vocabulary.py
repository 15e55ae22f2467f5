"""The words people use about time, and `normalise`: cleaned text with typos corrected towards them.

Shared by the time tokenizer (`time_words`) and the slot chooser (`time_phrases`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict

from booking.slot_types import MONTH_NAMES, WEEKDAY_NAMES
from language.numbers import UNITS
from language.spelling import TypoCorrector
from language.text import clean

WEEKDAY_WORDS: Dict[str, int] = {name: i for i, name in enumerate(WEEKDAY_NAMES)}
WEEKDAY_WORDS.update(
    {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6}
)
PLURAL_WEEKDAYS = {name + "s": i for i, name in enumerate(WEEKDAY_NAMES)}

MONTH_WORDS: Dict[str, int] = {name: i + 1 for i, name in enumerate(MONTH_NAMES)}
MONTH_WORDS.update({name[:3]: i + 1 for i, name in enumerate(MONTH_NAMES)})
MONTH_WORDS["sept"] = 9

HOUR_WORDS = {word: value for word, value in UNITS.items() if 1 <= value <= 12}  # "at ten", "two pm"

_SYNONYMS = {
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrow": "tomorrow",
    "tmorrow": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "2mrw": "tomorrow",
    "tomoz": "tomorrow",
    "tomo": "tomorrow",
    "todya": "today",
    "toady": "today",
    "tdy": "today",
    "tonite": "tonight",
    "2nite": "tonight",
    "2night": "tonight",
    "arvo": "afternoon",
    "mornin": "morning",
    "morn": "morning",
    "wkend": "weekend",
    "wknd": "weekend",
    "nxt": "next",
    "mornings": "morning",
    "afternoons": "afternoon",
    "evenings": "evening",
    "nights": "evening",
    "night": "evening",
    "anytime": "any time",
    "whenevs": "whenever",
    "mourning": "morning",  # an English word, so the typo corrector leaves it alone
}

# Words typos are corrected towards; a weekday or month name wins a tie ("wensday": wednesday, not weekday).
_CORRECTION_TARGETS = (
    set(WEEKDAY_NAMES)
    | set(PLURAL_WEEKDAYS)
    | set(MONTH_NAMES)
    | {
        "today",
        "tomorrow",
        "tonight",
        "morning",
        "afternoon",
        "evening",
        "weekend",
        "weekends",
        "weekday",
        "weekdays",
        "anytime",
        "whenever",
        "lunchtime",
        "midday",
    }
)

WEEKDAY_RE = "|".join(sorted(WEEKDAY_WORDS, key=len, reverse=True))
MONTH_RE = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))
HOUR_WORD_RE = "|".join(HOUR_WORDS)

# Exclusions, not language/negation's denials: for a time, "except", "busy" and "away" rule
# it out, where for a symptom those words start a new clause; and the look-back within a
# clause (booking/time_words.py) reads "can't do mornings". Switching to the shared detector
# changed thousands of the time-phrase results, so booking keeps this one on purpose.
NEGATION = re.compile(
    r"\b(not|no|never|except|excluding|apart from|other than|besides|can't|cant|cannot|can not|won't|"
    r"isn't|isnt|doesn't|doesnt|don't|dont|busy|unavailable|away)\b"
)
# Phrases with a negation word that say "flexible", not "exclude".
NOT_A_NEGATION = re.compile(r"\b(don'?t|do not|doesn'?t|does not|wouldn'?t) (mind|matter|care)\b|\bno preference\b")

FLEXIBLE = re.compile(
    r"\b(any ?time|whenever|any day|any slot|anything (works|is fine|goes)|flexible|no preference|whatever (suits|works|is free)|"
    r"(don'?t|do not|doesn'?t|does not) (mind|matter|care)|asap|as soon as possible|soonest|earliest|"
    r"first available|next available|either)\b"
)


# --- normalising -------------------------------------------------------------------


def normalise(text: str) -> str:
    """Cleaned and lower case, a.m./p.m. and o'clock unified, typos corrected."""
    text = clean(text).lower()
    text = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", text)
    text = re.sub(r"\bo'?\s?clock\b", " oclock", text)
    text = re.sub(r"(?<=\d)(am|pm)\b", r" \1", text)  # "10am" -> "10 am"
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b", r" \1", text)  # "5th" -> "5 th"
    return re.sub(r"[a-z']+", lambda m: _correct_word(m.group(0)), text)


def _correct_word(word: str) -> str:
    if word in _SYNONYMS:
        return _SYNONYMS[word]
    corrected = _typo_corrector().correct(word)
    return _SYNONYMS.get(corrected, corrected)


@lru_cache(maxsize=1)
def _typo_corrector() -> TypoCorrector:
    # "weds", "sept", "tmrw" are abbreviations, not typos; "gnight" is goodnight, not tonight.
    known = set(WEEKDAY_WORDS) | set(MONTH_WORDS) | set(_SYNONYMS) | {"gnight"}
    return TypoCorrector(_CORRECTION_TARGETS, preferred=set(WEEKDAY_NAMES) | set(MONTH_NAMES), extra_known=known)
