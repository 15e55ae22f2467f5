"""Numbers people type, in digits or words, and ages ("I'm thirty", "mid 50s", "55+", "over 60").

An age is only read where the words say it is one: a bare number answering
"how old are you?", or "I'm 14", "my son is 12", "aged 60", "40 years old".
"Yes" or "no" is not an age: the caller asks again rather than guessing.
"""

from __future__ import annotations

import math
import re
from typing import List, Optional, Tuple

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
DECADES = {
    "twenties": 20,
    "thirties": 30,
    "forties": 40,
    "fourties": 40,
    "fifties": 50,
    "sixties": 60,
    "seventies": 70,
    "eighties": 80,
    "nineties": 90,
}
OTHER_WORDS = {"nil": 0, "nought": 0, "hundred": 100}  # numbers, but not ages
# How many, said without a number: "a couple of weeks", "a few times", "twice".
VAGUE_COUNTS = {
    "a": 1,
    "an": 1,
    "a single": 1,
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
    "couple": 2,
    "a few": 3,
    "few": 3,
    "several": 4,
    "a number of": 3,
}
TIMES = {"once": 1, "twice": 2, "thrice": 3}
MAX_AGE = 120

_WORD_NUMBER = (
    r"(?:(?:" + "|".join(TENS) + r")(?:[\s-]+(?:" + "|".join(w for w in UNITS if UNITS[w] < 10) + r"))?"
    r"|" + "|".join(sorted(UNITS, key=len, reverse=True)) + r")"
)
NUMBER = rf"(?:\d{{1,3}}|{_WORD_NUMBER})"
# Any number in words, between word boundaries: "seven", "twenty-five", "nil", "a hundred".
NUMBER_WORD = r"\b(?:" + _WORD_NUMBER + "|" + "|".join(OTHER_WORDS) + r")\b"
_NUMBER_RE = re.compile(rf"^{NUMBER}$")
_DECIMAL = re.compile(r"^(?P<minus>-\s?)?(?P<digits>\d+(?:[.,]\d+)?)$")


def number_value(raw: str) -> Optional[int]:
    """ "55", "fifty five", "fifty-five", "twelve" -> int; anything else None."""
    raw = raw.strip().lower()
    if raw.isdigit():
        return int(raw)
    if not _NUMBER_RE.match(raw):
        return None
    words = re.split(r"[\s-]+", raw)
    total = 0
    for word in words:
        total += TENS.get(word, UNITS.get(word, 0))
    return total


def to_number(raw: str) -> Optional[float]:
    """ "6", "6.5", "7,5", "-2", "seven", "twenty-five", "nil" -> float; anything else None."""
    raw = raw.strip().lower()
    decimal = _DECIMAL.match(raw)
    if decimal:
        value = float(decimal.group("digits").replace(",", "."))
        if not math.isfinite(value):
            return None
        return -value if decimal.group("minus") else value
    if raw in OTHER_WORDS:
        return float(OTHER_WORDS[raw])
    whole = number_value(raw)
    return None if whole is None else float(whole)


def count_value(raw: str) -> Optional[float]:
    """A number, or a count in words: "a couple of" -> 2, "a few" -> 3, "twice" -> 2."""
    raw = re.sub(r"\s+", " ", raw.strip().lower())
    if raw in VAGUE_COUNTS:
        return float(VAGUE_COUNTS[raw])
    if raw in TIMES:
        return float(TIMES[raw])
    return to_number(raw)


_PART = {"early": 2, "mid": 5, "middle": 5, "late": 8}
_DECADE_DIGITS = r"(?P<decade>[1-9]0)'?s"
_DECADE_WORDS = r"(?P<decade_word>" + "|".join(DECADES) + r")"
_NOT_AN_AGE_AFTER = (
    r"(?!\s*(?:%|percent|/|out of|stone|st\b|foot|feet|ft\b|'|inches|kg|kilos?|lbs?|pounds|cm|mm|km|miles?|metres?|meters?|inch|"
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|times?|steps?|reps?|sets?|degrees?|am\b|pm\b|"
    r"o'?clock|th\b|st\b|nd\b|rd\b|:|\.\d))"
)
# "55+", "3 or more": an age, unless a span of time follows ("6+ months", "5 or more years").
_NOT_A_SPAN_AFTER = r"(?!\s*(?:years?|yrs?|yr)\b(?![\s-]*old))"
_AGE_PATTERNS = [
    # "mid 50s", "late forties", "in my 60s"
    (re.compile(rf"\b(?P<part>early|mid|middle|late)[\s-]*(?:{_DECADE_DIGITS}|{_DECADE_WORDS})", re.I), "part"),
    (re.compile(rf"\b(?:in\s+(?:my|his|her|their)\s+)(?:{_DECADE_DIGITS}|{_DECADE_WORDS})", re.I), "decade"),
    # "55+", "55 or older", "over 60", "under 16"
    (
        re.compile(
            rf"(?<![\w.])(?P<n>{NUMBER})\s*(?:\+|or (?:older|over|above|more))"
            rf"{_NOT_AN_AGE_AFTER}{_NOT_A_SPAN_AFTER}",
            re.I,
        ),
        "n",
    ),
    (re.compile(rf"\b(?:over|above|older than|more than)\s+(?P<n>{NUMBER})\b{_NOT_AN_AGE_AFTER}", re.I), "over"),
    (re.compile(rf"\b(?:under|below|younger than|less than)\s+(?P<n>{NUMBER})\b{_NOT_AN_AGE_AFTER}", re.I), "under"),
    # "40 years old", "12yo", "aged 60", "age: 35", "a 13 year old"
    (re.compile(rf"(?<![\w.])(?P<n>{NUMBER})[\s-]*(?:years?|yrs?|yr|y)[\s-]*(?:old|of age)\b", re.I), "n"),
    # "12yo", "12 y/o"; a bare "12 yrs" is as often how long ("had it 12 yrs")
    (re.compile(rf"(?<![\w.])(?P<n>{NUMBER})\s*y/?o\b", re.I), "n"),
    (re.compile(rf"\b(?:aged?|age\s*[:=]|age is)\s*(?P<n>{NUMBER})\b{_NOT_AN_AGE_AFTER}", re.I), "n"),
    # "my daughter (7)"
    (re.compile(r"\b(?:son|daughter|child|kid|boy|girl|grandson|granddaughter)\s*\(\s*(?P<n>\d{1,2})\s*\)", re.I), "n"),
    # "I'm 14", "my son is 12", "she's eleven"
    (
        re.compile(
            rf"\b(?:i'?m|i am|im|he'?s|she'?s|he is|she is|they'?re|they are|(?:son|daughter|child|kid|boy|girl|"
            rf"grandson|granddaughter|teenager|lad)(?:'s|\s+is|\s+who'?s|\s+who is|\s*,)|(?:son|daughter|child|kid|boy|girl)"
            rf"\s+aged?)\s+(?:only\s+|just\s+|nearly\s+|almost\s+|turning\s+)?(?P<n>{NUMBER})\b{_NOT_AN_AGE_AFTER}",
            re.I,
        ),
        "n",
    ),
    # "since my 50th birthday": the weakest sign, so it comes last
    (re.compile(r"(?<![\w.])(?P<n>\d{1,3})(?:th|st|nd|rd)?\s+birthday\b", re.I), "n"),
]
_BARE_NUMBER = re.compile(
    rf"^\s*(?:(?:i'?m|i am|im|age|aged|about|around|roughly|nearly|almost|just)\s+)*(?P<n>{NUMBER})"
    rf"(?:\s*(?:years?|yrs?|y/?o))?(?:\s+(?:years?\s+)?old)?\s*[.!]?\s*$",
    re.I,
)
_BARE_DECADE = re.compile(rf"^\s*(?:(?:i'?m|im|i am)\s+)?(?:{_DECADE_DIGITS}|{_DECADE_WORDS})\s*[.!]?\s*$", re.I)


def _decade(match) -> int:
    """The decade a pattern's "decade" or "decade_word" group names: "50s", "fifties" -> 50."""
    if match.groupdict().get("decade"):
        return int(match.group("decade"))
    return DECADES[match.group("decade_word").lower()]


def _plausible(age: Optional[int]) -> Optional[int]:
    return age if age is not None and 0 < age <= MAX_AGE else None


def age_spans(text: str) -> List[Tuple[int, int]]:
    """Where the text states an age ("40 years old", "aged 60", "I'm 14"): for readers that must not take it for
    something else, such as how long the pain has lasted."""
    return [match.span() for pattern, _ in _AGE_PATTERNS for match in pattern.finditer(text or "")]


def parse_age(text: Optional[str], *, expecting_age: bool = False) -> Optional[int]:
    """The age a message states, in years, or None.

    ``expecting_age``: the message answers "how old are you?", so a bare
    number ("34", "thirty") or decade ("50s") is an age too.
    """
    text = (text or "").strip()
    if not text or len(text) > 2000:
        return None
    if expecting_age:
        bare = _BARE_NUMBER.match(text)
        if bare:
            return _plausible(number_value(bare.group("n")))
        decade = _BARE_DECADE.match(text)
        if decade:
            return _plausible(_decade(decade) + 5)
    for pattern, kind in _AGE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        if kind == "part":
            return _plausible(_decade(match) + _PART[match.group("part").lower()])
        if kind == "decade":
            return _plausible(_decade(match) + 5)
        value = number_value(match.group("n"))
        if value is None:
            continue
        if kind == "over":
            value += 1
        elif kind == "under":
            value -= 1
        return _plausible(value)
    return None
