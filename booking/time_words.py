"""The time tokenizer: a message's words about when, read into `time_tokens`.

`read_time_words` reads a normalised text (`time_vocabulary.normalise`) in a fixed
order of steps, each blanking what it used so later steps do not read it again:
calendar dates first (their numbers are not hours), then clock times, then
relative days, weeks, weekday names, months and parts of the day. Nothing here
knows today's date: `time_resolver` works out which days the tokens mean.
"""

from __future__ import annotations

import re
from typing import Optional

from booking.slot_types import MONTH_NAMES
from booking.time_tokens import (
    CalendarDate,
    ClockTime,
    DayOfMonth,
    DaysFromToday,
    EveryWeekday,
    MonthFromNow,
    NamedMonth,
    PartOfDay,
    TimeWords,
    WeekdayName,
    Weekend,
    WeekSpan,
)
from booking.time_vocabulary import (
    FLEXIBLE,
    HOUR_WORD_RE,
    HOUR_WORDS,
    MONTH_RE,
    MONTH_WORDS,
    NOT_A_NEGATION,
    NEGATION,
    PLURAL_WEEKDAYS,
    WEEKDAY_RE,
    WEEKDAY_WORDS,
)

_CLAUSE_BREAK = re.compile(r"[,.;!?]|\bbut\b|\binstead\b|\bthough\b|\bhowever\b|\bactually\b")
_NEGATION_REACH = 40  # characters before a mention that a negation may stand in


class _Reader:
    """The text being read, what is left of it, and the tokens found so far."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = TimeWords()
        self._left = list(text)
        self._negation_text = NOT_A_NEGATION.sub(lambda m: " " * len(m.group(0)), text)

    def find(self, pattern: str):
        """Matches in what earlier steps left; positions are the same as in the text."""
        return re.finditer(pattern, "".join(self._left))

    def take(self, match: "re.Match[str]", group: int = 0) -> None:
        start, end = match.start(group), match.end(group)
        self._left[start:end] = " " * (end - start)

    def negated(self, position: int) -> bool:
        """Whether a negation stands before this position in its clause ("not monday", "can't do mornings")."""
        clause = self._negation_text[max(0, position - _NEGATION_REACH) : position]
        breaks = list(_CLAUSE_BREAK.finditer(clause))
        if breaks:
            clause = clause[breaks[-1].end() :]
        return bool(NEGATION.search(clause))

    def add_time(self, position: int, hour: int, minute: int, meridiem: Optional[str], role: str) -> None:
        self.words.times.append(ClockTime(position, self.negated(position), hour, minute, meridiem, role))


def read_time_words(normal: str) -> TimeWords:
    """The tokens in a normalised text (see `normalise`)."""
    reader = _Reader(normal)
    for step in _STEPS:
        step(reader)
    reader.words.flexible = bool(FLEXIBLE.search(normal))
    return reader.words


def _iso_dates(reader: _Reader) -> None:
    for match in reader.find(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"):
        _add_date(reader, match, int(match[2]), int(match[3]), int(match[1]))


_WRITTEN_DATES = (
    # "2 dec", "tuesday 2nd of december 2026"
    rf"\b(?:(?:{WEEKDAY_RE})\s*,?\s*)?(?:the\s+)?(?P<day>\d{{1,2}})\s*(?:st|nd|rd|th)?\s*(?:of\s+)?(?P<month>{MONTH_RE})\b"
    r"(?:\s*,?\s*(?P<year>\d{4}))?",
    # "december 3rd", "dec the 3rd"; not "dec 3 pm"
    rf"\b(?:(?:{WEEKDAY_RE})\s*,?\s*)?(?P<month>{MONTH_RE})\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:\s*(?:st|nd|rd|th))?\b"
    r"(?!\s*(?::|am\b|pm\b|oclock))(?:\s*,?\s*(?P<year>\d{4}))?",
)


def _written_dates(reader: _Reader) -> None:
    for pattern in _WRITTEN_DATES:
        for match in reader.find(pattern):
            _add_date(reader, match, MONTH_WORDS[match["month"]], int(match["day"]), _year(match["year"]))


def _numeric_dates(reader: _Reader) -> None:
    for match in reader.find(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b"):  # day/month: UK order
        year = match[3] and (int(match[3]) + 2000 if len(match[3]) == 2 else int(match[3]))
        _add_date(reader, match, int(match[2]), int(match[1]), year or None)


def _days_of_month(reader: _Reader) -> None:
    """ "the 5th", "on the 12th"."""
    ordinal_day = r"\b(?:on\s+)?the\s+(\d{1,2})\s*(?:st|nd|rd|th)?\b(?!\s*(?::|am\b|pm\b|oclock|one\b|option\b))"
    for match in reader.find(ordinal_day + r"|\b(\d{1,2})\s*(st|nd|rd|th)\b"):
        reader.words.days.append(DayOfMonth(match.start(), reader.negated(match.start()), int(match[1] or match[2])))
        reader.take(match)


def _year(text: Optional[str]) -> Optional[int]:
    return int(text) if text else None


def _add_date(reader: _Reader, match: "re.Match[str]", month: int, day: int, year: Optional[int]) -> None:
    reader.words.days.append(CalendarDate(match.start(), reader.negated(match.start()), month, day, year))
    reader.take(match)


# Clock times. A preposition says how the time limits the start.
_ROLE_OF = {
    "at": "at",
    "@": "at",
    "around": "at",
    "about": "at",
    "for": "at",
    "approx": "at",
    "approximately": "at",
    "after": "earliest",
    "from": "earliest",
    "past": "earliest",
    "before": "latest",
    "by": "latest",
    "until": "latest",
    "till": "latest",
    "til": "latest",
}
_PREPOSITION = r"(?:(at|@|around|about|for|after|from|before|by|until|till|til)\s*)?"
_HOUR_MINUTE = r"(\d{1,2})(?:[:.h](\d{2}))?"


def _clock_pattern(name: str) -> str:
    return rf"(?P<{name}_h>\d{{1,2}})(?:[:.](?P<{name}_m>\d{{2}}))?\s*(?P<{name}_mer>am|pm)?"


def _time_ranges(reader: _Reader) -> None:
    """ "between 2 and 4", "from 10am to 12", "2-4pm": an earliest and a latest start."""
    patterns = [
        rf"\bbetween\s+{_clock_pattern('a')}\s*(?:-|and|to)\s*{_clock_pattern('b')}\b",
        rf"\b(?P<from>from\s+)?{_clock_pattern('a')}\s*(?:-|to|till|until)\s*{_clock_pattern('b')}\b",
    ]
    for pattern in patterns:
        for match in reader.find(pattern):
            said_from = "from" not in match.groupdict() or match["from"]
            if not said_from and not (match["a_mer"] or match["b_mer"]):
                continue  # "2-4" alone could be anything
            end_meridiem = match["b_mer"]
            # "2-4pm": the pm applies to both ends (but not in "11-1pm").
            start_meridiem = match["a_mer"] or (end_meridiem if int(match["a_h"]) <= int(match["b_h"]) else None)
            reader.add_time(match.start(), int(match["a_h"]), int(match["a_m"] or 0), start_meridiem, "earliest")
            reader.add_time(match.start(), int(match["b_h"]), int(match["b_m"] or 0), end_meridiem, "latest")
            reader.take(match)


def _clock_times(reader: _Reader) -> None:
    """ "10 am", "2:30 pm", "14:30", "10.30", "10 oclock", "at 10", "after 3"."""
    patterns = [
        rf"\b{_PREPOSITION}{_HOUR_MINUTE}\s*(am|pm)\b",
        rf"(?:\b|(?<=@)){_PREPOSITION}(\d{{1,2}})[:.h](\d{{2}})\b()",
        rf"\b{_PREPOSITION}(\d{{1,2}})()\s*oclock()",
        r"(?:\b|(?<=@))(at|@|around|about|after|before|from|by|until|till)\s*(\d{1,2})()\b()"
        r"(?!\s*(?:days?|weeks?|months?|mins?|minutes?|hours?|hrs?|people|sessions?)\b)",
    ]
    for pattern in patterns:
        for match in reader.find(pattern):
            hour, minute = int(match[2]), int(match[3] or 0)
            if hour > 23 or minute > 59 or (match[4] and not 1 <= hour <= 12):
                continue
            reader.add_time(match.start(), hour, minute, match[4] or None, _ROLE_OF.get(match[1] or "at", "at"))
            reader.take(match)


def _hour_words(reader: _Reader) -> None:
    """ "at ten", "two pm", "three oclock"."""
    pattern = (
        rf"\b(?:(at|around|about|after|before|from|by|until)\s+({HOUR_WORD_RE})\b(?:\s*(am|pm|oclock))?"
        rf"|({HOUR_WORD_RE})\s*(am|pm|oclock)\b)"
    )
    for match in reader.find(pattern):
        meridiem = match[3] or match[5]
        meridiem = meridiem if meridiem in ("am", "pm") else None
        reader.add_time(
            match.start(), HOUR_WORDS[match[2] or match[4]], 0, meridiem, _ROLE_OF.get(match[1] or "at", "at")
        )
        reader.take(match)


def _quarter_and_half_hours(reader: _Reader) -> None:
    """British "half two" (2:30), "half past 2", "quarter past/to 3"."""
    offsets = {"half past": 30, "half": 30, "quarter past": 15, "quarter to": -15}
    for match in reader.find(rf"\b(half past|quarter past|quarter to|half)\s+(\d{{1,2}}|{HOUR_WORD_RE})\b"):
        hour = int(match[2]) if match[2].isdigit() else HOUR_WORDS[match[2]]
        total = hour * 60 + offsets[match[1]]
        reader.add_time(match.start(), total // 60, total % 60, None, "at")
        reader.take(match)


def _noon(reader: _Reader) -> None:
    for match in reader.find(r"(?<!after )\b(noon|midday|lunchtime|lunch time|lunch)\b"):
        reader.add_time(match.start(), 12, 0, "pm", "at")
        reader.take(match)


def _hour_after_day(reader: _Reader) -> None:
    """A bare hour straight after a day: "tuesday 10", "tomorrow 2" (the day itself is read later)."""
    for match in reader.find(rf"\b({WEEKDAY_RE}|today|tomorrow)\s*,?\s+(\d{{1,2}})\b(?!\s*(?:/|-|days?|weeks?))"):
        hour = int(match[2])
        if hour > 23:
            continue
        reader.add_time(match.start(2), hour, 0, None, "at")
        reader.take(match, group=2)


# Days relative to today, weeks and months.


def _relative_days(reader: _Reader) -> None:
    days = reader.words.days
    for match in reader.find(r"\b(the\s+)?day after tomorrow\b"):
        days.append(DaysFromToday(match.start(), reader.negated(match.start()), 2, "the day after tomorrow"))
        reader.take(match)
    for match in reader.find(r"\bthis(?=\s+(?:morning|afternoon|evening)\b)"):  # the part of day is read later
        days.append(DaysFromToday(match.start(), reader.negated(match.start()), 0, "today"))
        reader.take(match)
    for match in reader.find(r"\b(today|tomorrow|tonight)\b"):
        word = match[1]
        days.append(DaysFromToday(match.start(), reader.negated(match.start()), int(word == "tomorrow"), word))
        reader.words.tonight = reader.words.tonight or word == "tonight"
        reader.take(match)


def _weeks(reader: _Reader) -> None:
    phrases = [
        (r"\bweek after next\b", 2, "the week after next"),
        (r"\bnext week\b", 1, "next week"),
        (r"\b(this|current|later this|rest of (the|this)) week\b", 0, "this week"),
    ]
    for pattern, weeks_ahead, label in phrases:
        for match in reader.find(pattern):
            reader.words.weeks.append(WeekSpan(match.start(), reader.negated(match.start()), weeks_ahead, label))
            reader.take(match)


def _weekends_and_weekdays(reader: _Reader) -> None:
    for match in reader.find(r"\b(this|next|the|at the|on the|coming)?\s*weekend\b(?!s)"):
        reader.words.days.append(Weekend(match.start(), reader.negated(match.start()), match[1] == "next"))
        reader.take(match)
    for match in reader.find(r"\b(weekends|weekdays|weekday|during the week)\b"):
        weekend = match[1] == "weekends"
        weekdays = frozenset({5, 6} if weekend else {0, 1, 2, 3, 4})
        label = "weekends" if weekend else "weekdays"
        reader.words.days.append(EveryWeekday(match.start(), reader.negated(match.start()), weekdays, label))
        reader.take(match)


def _weekday_names(reader: _Reader) -> None:
    """Weekday names with what came before them: "tuesday", "next tues", "fridays"."""
    plural_re = "|".join(PLURAL_WEEKDAYS)
    for match in reader.find(rf"\b(?:(last|next|this|coming|this coming)\s+)?({plural_re}|{WEEKDAY_RE})\b"):
        word, modifier = match[2], match[1] or ""
        if modifier == "last":
            reader.take(match)  # the past: nothing to book
            continue
        if word in _AMBIGUOUS_ABBREVIATIONS and not modifier and not _reads_as_a_day(reader.text, match):
            continue  # "the sun is shining", "I sat down"
        plural = word in PLURAL_WEEKDAYS
        weekday = PLURAL_WEEKDAYS[word] if plural else WEEKDAY_WORDS[word]
        reader.words.weekdays.append(
            WeekdayName(match.start(), reader.negated(match.start()), weekday, modifier, plural)
        )
        reader.take(match)


def _months(reader: _Reader) -> None:
    """ "this month", "next month", "in december"."""
    for match in reader.find(r"\b(this|next) month\b"):
        reader.words.days.append(MonthFromNow(match.start(), reader.negated(match.start()), match[1] == "next"))
        reader.take(match)
    for match in reader.find(r"\b(?:in|during|sometime in|early|late)\s+(" + "|".join(MONTH_NAMES) + r")\b"):
        month = MONTH_WORDS[match[1]]
        reader.words.days.append(NamedMonth(match.start(), reader.negated(match.start()), month, match[1].title()))
        reader.take(match)


def _parts_of_day(reader: _Reader) -> None:
    words = [
        (r"\b(morning|first thing)\b", "morning"),
        (r"\b(afternoon|after lunch)\b", "afternoon"),
        (r"\b(evening|after work)\b", "evening"),
    ]
    for pattern, part in words:
        for match in reader.find(pattern):
            reader.words.parts.append(PartOfDay(match.start(), reader.negated(match.start()), part))
            reader.take(match)


_AMBIGUOUS_ABBREVIATIONS = {"sun", "sat", "wed", "mon"}  # also everyday English words
_DAY_CONTEXT_BEFORE = re.compile(r"(?:\b(?:on|next|this|coming|about|or|and|say|from|until|till|by)|[,/&+-])\s*$")
_DAY_CONTEXT_AFTER = re.compile(
    r"^\s*(?:[,/&+?!.-]|\d|(?:or|and|at|am|pm|morning|afternoon|evening|night|the|next|week|" + MONTH_RE + r")\b|$)"
)


def _reads_as_a_day(text: str, match: "re.Match[str]") -> bool:
    """Whether "sat", "sun", "wed" or "mon" stands for a weekday here rather than a word."""
    before, after = text[: match.start()], text[match.end() :]
    if len(text.split()) <= 2:
        return True  # "sat?", "wed 10"
    return bool(_DAY_CONTEXT_BEFORE.search(before) or _DAY_CONTEXT_AFTER.match(after))


_STEPS = (
    _iso_dates,
    _written_dates,
    _numeric_dates,
    _days_of_month,
    _time_ranges,
    _clock_times,
    _hour_words,
    _quarter_and_half_hours,
    _noon,
    _hour_after_day,
    _relative_days,
    _weeks,
    _weekends_and_weekdays,
    _weekday_names,
    _months,
    _parts_of_day,
)
