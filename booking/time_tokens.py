"""What a message says about when, as tokens: the words read, nothing yet worked out from today.

`time_words` reads text into these; `time_resolver` turns them into dates and
times for a given day. Every token keeps where it stood in the text (to keep the
person's order when describing what they asked for) and whether it was negated
("not monday", "can't do mornings").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional, Union


@dataclass(frozen=True)
class Mention:
    """Where a token stood in the text, and whether a negation covered it."""

    position: int  # where it starts in the normalised text
    negated: bool  # "not monday", "can't do mornings", "not at 9"


@dataclass(frozen=True)
class CalendarDate(Mention):
    """ "2 dec", "December 3rd", "3/12", "2026-12-02": without a year, the next time it comes round."""

    month: int
    day: int
    year: Optional[int] = None


@dataclass(frozen=True)
class DayOfMonth(Mention):
    """ "the 5th": the next time that day of the month comes round."""

    day: int


@dataclass(frozen=True)
class DaysFromToday(Mention):
    """ "today", "tomorrow", "tonight", "the day after tomorrow"."""

    days: int
    label: str


@dataclass(frozen=True)
class Weekend(Mention):
    """ "this weekend", "next weekend"."""

    next: bool


@dataclass(frozen=True)
class EveryWeekday(Mention):
    """ "weekdays", "weekends", "during the week": those days of every week ahead."""

    weekdays: FrozenSet[int]  # 0 = Monday
    label: str


@dataclass(frozen=True)
class MonthFromNow(Mention):
    """ "this month" (from today) or "next month"."""

    next: bool


@dataclass(frozen=True)
class NamedMonth(Mention):
    """ "in december": the coming one (this month's remaining days when it is this month)."""

    month: int
    label: str


DayMention = Union[CalendarDate, DayOfMonth, DaysFromToday, Weekend, EveryWeekday, MonthFromNow, NamedMonth]


@dataclass(frozen=True)
class WeekSpan(Mention):
    """ "this week" (today to Sunday), "next week", "the week after next" (Monday to Sunday)."""

    weeks_ahead: int
    label: str


@dataclass(frozen=True)
class WeekdayName(Mention):
    """ "tuesday", "next tues", "this friday", "mondays" (plural: every Monday)."""

    weekday: int  # 0 = Monday
    modifier: str  # "", "next", "this", "coming", "this coming"
    plural: bool


@dataclass(frozen=True)
class PartOfDay(Mention):
    part: str  # morning | afternoon | evening


@dataclass(frozen=True)
class ClockTime(Mention):
    """ "10am", "at 2", "half two", "after 3", one end of "between 2 and 4"."""

    hour: int
    minute: int
    meridiem: Optional[str]  # am | pm | None (not said)
    role: str  # at | earliest | latest


@dataclass
class TimeWords:
    """Everything one message says about when, each list in the order it was read."""

    days: List[DayMention] = field(default_factory=list)
    weeks: List[WeekSpan] = field(default_factory=list)
    weekdays: List[WeekdayName] = field(default_factory=list)
    parts: List[PartOfDay] = field(default_factory=list)
    times: List[ClockTime] = field(default_factory=list)
    flexible: bool = False  # "any time", "whenever", "don't mind"
    tonight: bool = False
