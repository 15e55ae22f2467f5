"""The time resolver: `time_tokens` and today's date (in the trainer's zone) -> a `Preference`.

Rules, for the tokens `time_words` reads:

* Weekdays: "tuesday", "on tuesday" and "next tuesday" mean the coming Tuesday,
  strictly after today, so on a Tuesday they mean a week later (someone who
  means today says "today"); "this tuesday" said on a Tuesday means today.
  "tuesday next week" / "next week tuesday" is the Tuesday of next week
  (weeks run Monday to Sunday). "tuesdays" (plural) means every Tuesday.
* "this weekend" / "the weekend": the coming Saturday and Sunday (today
  included when today is one of them); "next weekend": the one after that.
  "this week": today to Sunday; "next week": next Monday to Sunday.
* Dates without a year mean the next time that date comes round, today included.
* Without am/pm, hours 1-6 mean the afternoon (nobody books 2am), 7-11 the
  morning, unless the message says morning/afternoon/evening.
* "not mornings" means from 12:00; "not evenings" before 17:00. Negated days
  are left out ("any day except Monday" is every day ahead but Mondays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import FrozenSet, List, Optional, Set, Tuple, Union

from booking.slot_types import AFTERNOON_ENDS, MONTH_NAMES, MORNING_ENDS, WEEKDAY_NAMES, Preference
from booking.time_tokens import (
    CalendarDate,
    ClockTime,
    DayMention,
    DayOfMonth,
    DaysFromToday,
    EveryWeekday,
    MonthFromNow,
    NamedMonth,
    TimeWords,
    Weekend,
)
from common.clock import require_aware, zone_or_utc

OPEN_SPAN_DAYS = 62  # how far "tuesdays", "weekdays" or "any day except monday" reach
_WEEKEND = frozenset({5, 6})


@dataclass
class _Days:
    """Days a mention stands for, worked out from today."""

    dates: FrozenSet[date]
    label: str
    position: int
    negated: bool = False
    weekdays: FrozenSet[int] = frozenset()  # set when the mention named days of the week


def local_today(now: datetime, zone: Union[tzinfo, str, None]) -> date:
    """Today's date in the zone (a name, or UTC when it is unknown)."""
    zone = zone if isinstance(zone, tzinfo) else zone_or_utc(zone)[0]
    return require_aware(now).astimezone(zone).date()


def resolve(words: TimeWords, today: date) -> Optional[Preference]:
    """The preference the tokens state, or None when they say nothing about time."""
    dates, date_label = _dates(words, today)
    wanted_parts = list(dict.fromkeys(p.part for p in words.parts if not p.negated))
    unwanted_parts = {p.part for p in words.parts if p.negated}
    if words.tonight and "evening" not in wanted_parts:
        wanted_parts.append("evening")
    part = wanted_parts[0] if len(wanted_parts) == 1 else None  # "morning or afternoon": no narrowing

    at, earliest, latest = _clock_limits(words.times, part or (wanted_parts[0] if wanted_parts else None))
    if "morning" in unwanted_parts and not part:
        earliest = max(earliest or MORNING_ENDS, MORNING_ENDS)
    if "evening" in unwanted_parts and not part:
        latest = min(latest or AFTERNOON_ENDS, AFTERNOON_ENDS)

    said_something = dates is not None or wanted_parts or unwanted_parts or at or earliest or latest or words.flexible
    if not said_something:
        return None
    description = _describe(date_label, part, wanted_parts, at, earliest, latest, words.tonight)
    return Preference(dates=dates, part_of_day=part, at=at, description=description, earliest=earliest, latest=latest)


def named_weekdays(words: TimeWords, today: date) -> Set[int]:
    """The weekdays named ("tuesday 10"), unless a date was given too (then that date counts)."""
    if any(not mention.weekdays for mention in _day_mentions(words, today)):
        return set()
    return {name.weekday for name in words.weekdays if not name.negated}


# --- days ----------------------------------------------------------------------------


def _dates(words: TimeWords, today: date) -> Tuple[Optional[FrozenSet[date]], str]:
    """The days wanted (None: any) and how to say them."""
    mentions = _day_mentions(words, today)
    positive = [m for m in mentions if not m.negated]
    excluded: Set[date] = set().union(*(m.dates for m in mentions if m.negated))
    excluded_weekdays = {name.weekday for name in words.weekdays if name.negated}
    weeks = [_week(span.weeks_ahead, today) + (span.label,) for span in words.weeks if not span.negated]
    for span in words.weeks:
        if span.negated:  # "not this week"
            excluded |= set(_span(*_week(span.weeks_ahead, today)))

    by_weekday, weeks_narrowed = _weekday_days(words, weeks, today)
    positive += by_weekday
    if not weeks_narrowed:
        positive += [_Days(frozenset(_span(first, last)), label, -1) for first, last, label in weeks]

    dates: Optional[FrozenSet[date]] = None
    label = ""
    if positive:
        positive.sort(key=lambda m: m.position)
        dates = frozenset().union(*(m.dates for m in positive))
        label = " or ".join(dict.fromkeys(m.label for m in positive))
    elif excluded or excluded_weekdays:
        dates = frozenset(_open_span(today))
        names = [m.label for m in mentions if m.negated]
        names += [span.label for span in words.weeks if span.negated]
        names += [WEEKDAY_NAMES[w].title() for w in sorted(excluded_weekdays)]
        label = "any day except " + " or ".join(dict.fromkeys(names))
    if dates is not None:
        dates = frozenset(d for d in dates if d not in excluded and d.weekday() not in excluded_weekdays)
    return dates, label


def _day_mentions(words: TimeWords, today: date) -> List[_Days]:
    found = (_days_of(mention, today) for mention in words.days)
    return [days for days in found if days is not None]


def _days_of(mention: DayMention, today: date) -> Optional[_Days]:
    """The days one mention stands for; None for a date that does not exist ("31/2")."""
    position, negated = mention.position, mention.negated
    if isinstance(mention, CalendarDate):
        return _one_day(_next_date(today, mention.month, mention.day, mention.year), position, negated)
    if isinstance(mention, DayOfMonth):
        return _one_day(_next_day_of_month(today, mention.day), position, negated)
    if isinstance(mention, DaysFromToday):
        return _Days(frozenset({today + timedelta(days=mention.days)}), mention.label, position, negated)
    if isinstance(mention, Weekend):
        label = "next weekend" if mention.next else "this weekend"
        return _Days(_weekend(today, mention.next), label, position, negated, _WEEKEND)
    if isinstance(mention, EveryWeekday):
        days = frozenset(d for d in _open_span(today) if d.weekday() in mention.weekdays)
        return _Days(days, mention.label, position, negated, mention.weekdays)
    if isinstance(mention, MonthFromNow):
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1) if mention.next else today
        return _Days(_rest_of_month(first), "next month" if mention.next else "this month", position, negated)
    return _Days(_named_month(today, mention), mention.label, position, negated)


def _one_day(day: Optional[date], position: int, negated: bool) -> Optional[_Days]:
    return None if day is None else _Days(frozenset({day}), _date_label(day), position, negated)


def _weekday_days(words: TimeWords, weeks: List[Tuple[date, date, str]], today: date) -> Tuple[List[_Days], bool]:
    """Days for the weekday names (every one, the one in a named week, or the coming one), and
    whether a name picked its day from a named week (then that week is not wanted whole)."""
    found: List[_Days] = []
    weeks_narrowed = False
    for name in words.weekdays:
        if name.negated:
            continue
        one_weekday = frozenset({name.weekday})
        if name.plural:
            days = frozenset(d for d in _open_span(today) if d.weekday() == name.weekday)
            found.append(_Days(days, WEEKDAY_NAMES[name.weekday].title() + "s", name.position, weekdays=one_weekday))
            continue
        in_weeks = _in_weeks(name.weekday, weeks)
        if in_weeks:  # "tuesday next week": that week's Tuesday
            weeks_narrowed = True
            found += [
                _Days(frozenset({day}), _date_label(day), name.position, weekdays=one_weekday) for day in in_weeks
            ]
            continue
        ahead = (name.weekday - today.weekday()) % 7
        if ahead == 0 and name.modifier != "this":
            ahead = 7  # "tuesday"/"next tuesday" said on a Tuesday: a week later
        day = today + timedelta(days=ahead)
        found.append(_Days(frozenset({day}), _date_label(day), name.position, weekdays=one_weekday))
    return found, weeks_narrowed


def _in_weeks(weekday: int, weeks: List[Tuple[date, date, str]]) -> List[date]:
    return [
        day
        for first, last, _ in weeks
        for day in [first - timedelta(days=first.weekday()) + timedelta(days=weekday)]
        if first <= day <= last
    ]


def _week(weeks_ahead: int, today: date) -> Tuple[date, date]:
    """First and last day: "this week" from today, later weeks from their Monday; all to Sunday."""
    monday = today - timedelta(days=today.weekday())
    first = today if weeks_ahead == 0 else monday + timedelta(days=7 * weeks_ahead)
    return first, monday + timedelta(days=7 * weeks_ahead + 6)


def _weekend(today: date, next_one: bool) -> FrozenSet[date]:
    saturday = today + timedelta(days=(5 - today.weekday()) % 7) if today.weekday() != 6 else today - timedelta(days=1)
    first = saturday + timedelta(days=7) if next_one else saturday
    return frozenset(d for d in (first, first + timedelta(days=1)) if d >= today)


def _rest_of_month(first: date) -> FrozenSet[date]:
    return frozenset(first + timedelta(days=i) for i in range(31) if (first + timedelta(days=i)).month == first.month)


def _named_month(today: date, mention: NamedMonth) -> FrozenSet[date]:
    year = today.year if mention.month >= today.month else today.year + 1
    return frozenset(d for d in _rest_of_month(date(year, mention.month, 1)) if d >= today)


def _span(first: date, last: date) -> List[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _open_span(today: date) -> List[date]:
    return [today + timedelta(days=i) for i in range(OPEN_SPAN_DAYS + 1)]


def _safe_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_date(today: date, month: int, day: int, year: Optional[int]) -> Optional[date]:
    if year is not None:
        return _safe_date(year, month, day)
    for candidate_year in range(today.year, today.year + 5):
        found = _safe_date(candidate_year, month, day)  # 29 February needs a leap year
        if found and found >= today:
            return found
    return None


def _next_day_of_month(today: date, day_number: int) -> Optional[date]:
    year, month = today.year, today.month
    for _ in range(13):  # the 31st may be a few months away
        found = _safe_date(year, month, day_number)
        if found and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _date_label(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()].title()} {day.day} {MONTH_NAMES[day.month - 1].title()}"


# --- times of day --------------------------------------------------------------------


def _clock_limits(times: List[ClockTime], part: Optional[str]) -> Tuple[Optional[time], Optional[time], Optional[time]]:
    """(at, earliest, latest) from the times said; the first "at" wins, the last limit of each kind."""
    at, earliest, latest = None, None, None
    for mention in times:
        clock = _clock(mention, part)
        if clock is None or mention.negated:
            continue
        if mention.role == "earliest":
            earliest = clock
        elif mention.role == "latest":
            latest = clock
        elif at is None:
            at = clock
    return at, earliest, latest


def _clock(mention: ClockTime, part: Optional[str]) -> Optional[time]:
    hour = mention.hour
    if mention.meridiem == "am":
        hour = 0 if hour == 12 else hour
    elif mention.meridiem == "pm":
        hour = hour if hour == 12 else hour + 12
    elif 1 <= hour <= 11:
        if part in ("afternoon", "evening"):
            hour += 12
        elif part != "morning" and hour <= 6:
            hour += 12  # "at 2": nobody books 2am
    if not 0 <= hour <= 23:
        return None
    return time(hour, mention.minute)


def _describe(
    date_label: str,
    part: Optional[str],
    wanted_parts: List[str],
    at: Optional[time],
    earliest: Optional[time],
    latest: Optional[time],
    tonight: bool,
) -> str:
    """How the preference is said back: "tomorrow afternoon", "Tuesday 1 December at 10:00"."""
    text = date_label
    if part and not (tonight and part == "evening" and date_label == "tonight"):
        if date_label == "today":
            text = f"this {part}"
        elif date_label in ("tomorrow", "tonight"):
            text = f"{date_label} {part}"
        elif date_label:
            text = f"{date_label} in the {part}"
        else:
            text = f"in the {part}"
    elif len(wanted_parts) > 1:
        text = f"{text} ({' or '.join(wanted_parts)})".strip()
    if at is not None:
        text = f"{text} at {at:%H:%M}".strip()
    if earliest is not None and latest is not None:
        text = f"{text} between {earliest:%H:%M} and {latest:%H:%M}".strip()
    elif earliest is not None:
        text = f"{text} after {earliest:%H:%M}".strip()
    elif latest is not None:
        text = f"{text} before {latest:%H:%M}".strip()
    return text or "any time"
