"""Lengths of time people type, in days: "3 weeks", "2-3 wks", "a month and a half", "since yesterday".

Read from lower-case text. How often ("3 times a week", "5 days a week") and
how old ("a 55-year-old") are not lengths of time and are never read as one.
Ranges count their longer end ("2-3 weeks" -> 21), and vague counts their
usual meaning ("a few weeks" -> 21, "several" -> 4).
"""

from __future__ import annotations

import re
from typing import Callable, List, NamedTuple, Optional

from language.numbers import NUMBER_WORD, VAGUE_COUNTS, age_spans, count_value
from language.text import longest_first

DAYS_PER_WEEK, DAYS_PER_MONTH, DAYS_PER_YEAR = 7.0, 30.0, 365.0

_UNIT_DAYS = (
    (r"(?:hours?|hrs?|hr)", 1 / 24),
    (r"(?:days?|dys?|dayz)", 1.0),
    (r"(?:weeks?|weks?|wks?|wk)", DAYS_PER_WEEK),
    (r"(?:fortnights?)", 14.0),
    (r"(?:months?|mnths?|mths?|mnth|mth|monts?|mos?|mon)", DAYS_PER_MONTH),
    (r"(?:years?|yrs?|yr|yeras?|yeasr|yaers?)", DAYS_PER_YEAR),
)
# Single-letter units, only straight after digits ("3w", "2d", "1y").
_SHORT_UNITS = {"h": 1 / 24, "d": 1.0, "w": DAYS_PER_WEEK, "m": DAYS_PER_MONTH, "y": DAYS_PER_YEAR}
_UNIT = "(?P<unit>" + "|".join(pattern for pattern, _ in _UNIT_DAYS) + r")\b"
_VAGUE = "|".join(sorted(VAGUE_COUNTS, key=len, reverse=True))
_COUNT = rf"(?:(?<![\w.,])\d{{1,4}}(?:[.,]\d{{1,2}})?(?![\d])|{NUMBER_WORD}|\b(?:{_VAGUE})\b)"
_COUNTED = re.compile(
    rf"(?P<q1>{_COUNT})(?:\s*(?:-|to|or|/)\s*(?P<q2>{_COUNT}))?(?P<half1>\s+and\s+a\s+half)?"
    rf"\s*(?:\+\s*)?(?:-\s*)?{_UNIT}"
    r"(?P<half2>\s+and\s+a\s+half)?(?P<or_more>\s+or\s+(?P<q3>two|three|four|so|more|\d))?"
)
_COUNTED_SHORT = re.compile(r"(?<![\w.,])(?P<q1>\d{1,4}(?:[.,]\d{1,2})?)(?P<unit>[hdwmy])\b")
_HALF_A = re.compile(rf"\bhalf\s+(?:a|an)\s+{_UNIT}")
_SINCE_LAST = re.compile(
    r"\b(?:since\s+)?(?:last|past)\s+(?P<unit>week|month|year|fortnight)\b|"
    r"\b(?:since|from)\s+(?:a\s+)?(?P<unit2>week|month|year|fortnight)\s+ago\b"
)
_RECENT = (
    (re.compile(r"\b(?:since\s+)?(?:yesterday|last night)\b"), 1.0),
    (
        re.compile(
            r"\b(?:since|started|began|from|just)\s+(?:this morning|today|earlier today|this afternoon)\b|"
            r"^\W*(?:today|this morning|earlier today)\W*$"
        ),
        0.5,
    ),
    (re.compile(r"\b(?:since|started|began|from)\s+(?:the\s+)?(?:day before yesterday)\b"), 2.0),
)
# "3 times a week", "5 days a week", "twice a day": how often, not how long.
FREQUENCY = re.compile(
    rf"(?:{NUMBER_WORD}|\b(?:once|twice|thrice|a few|several|a couple of|couple of)\b|(?<!\d)\d{{1,4}}(?!\d))"
    r"\s*(?:x|times?|days?|"
    r"sessions?|nights?|runs?|hours?|hrs?|mins?|minutes?)?\s*(?:a|an|per|each|every|/|in a)\s*(?:day|week|wk|"
    r"month|year|fortnight)\b|\b(?:every|each|per)\s+(?:other\s+)?(?:\d{1,3}\s+)?(?:day|week|wk|month|year|"
    r"fortnight)s?\b|\b(?:times?|x)\s+(?:a|per)\s+(?:day|week|month)\b|\b(?:once|twice|thrice)\s+(?:a|per)\b"
)
# "one day it just went": when it happened, not how long ago.
_ONE_DAY_THEN = re.compile(
    r"\s*,?\s*(?:it|i|my|the|when|while|after|out|something|this|that|he|she|we|last|"
    r"playing|at|during|in|on)\b"
)


class Duration(NamedTuple):
    start: int
    end: int
    days: float


def unit_days(unit: str) -> Optional[float]:
    """Days in one "week", "wks", "mth", "w"...; None for anything else."""
    for pattern, days in _UNIT_DAYS:
        if re.fullmatch(pattern, unit):
            return days
    return _SHORT_UNITS.get(unit)


Veto = Callable[[str, int, int], bool]


def find_durations(text: str, veto: Optional[Veto] = None) -> List[Duration]:
    """Every length of time in ``text`` (lower case), in text order, the longest reading winning.

    ``veto(text, start, end)`` may turn down a counted one ("3 weeks") that the
    caller knows is about something else ("I have a race in 3 weeks").
    """
    blocked = [m.span() for m in FREQUENCY.finditer(text)] + age_spans(text)

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in blocked)

    found = []
    for pattern in (_COUNTED, _COUNTED_SHORT):
        for match in pattern.finditer(text):
            if free(*match.span()) and not (veto and veto(text, *match.span())):
                found.append((match.span(), _counted_days(text, match)))
    for match in _HALF_A.finditer(text):
        days = unit_days(match.group("unit"))
        found.append((match.span(), 0.5 * days if days and free(*match.span()) else None))
    for match in _SINCE_LAST.finditer(text):
        found.append((match.span(), unit_days(match.group("unit") or match.group("unit2"))))
    for pattern, days in _RECENT:
        found.extend((match.span(), days) for match in pattern.finditer(text))
    known = [(span, days) for span, days in found if days is not None]
    return [Duration(start, end, days) for (start, end), days in longest_first(known, lambda item: item[0])]


def _counted_days(text: str, match: "re.Match[str]") -> Optional[float]:
    days = unit_days(match.group("unit"))
    groups = match.groupdict()
    said = [match.group("q1")] + ([groups["q2"]] if groups.get("q2") else [])
    counts = [c for c in map(count_value, said) if c is not None and c >= 0]
    if days is None or not counts:
        return None
    count = max(counts)  # "2-3 weeks": the longer, assume the more persistent problem
    if groups.get("half1") or groups.get("half2"):
        count += 0.5
    more = groups.get("q3")
    if more and more not in ("so", "more"):
        count = max(count, count_value(more) or count)  # "a week or two"
    q1 = match.group("q1").strip()
    if q1 in ("a", "an", "one") and days == 1.0 and _ONE_DAY_THEN.match(text, match.end()):
        return None  # "one day it just went" tells how it started, not how long ago
    if match.group("unit").endswith("s") and q1 in ("a", "an"):
        return None  # "a weeks" is noise
    return count * days
