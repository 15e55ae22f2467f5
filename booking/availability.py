"""The trainer's bookable hours, and the free session slots they leave.

Everything here is plain data in and out: the caller passes the configuration,
the bookings already taken and the current time, so the rules are easy to test
and the same answer comes back for the same inputs.

Rules (`free_slots`):

* Session starts lie on a grid of session_minutes + buffer_minutes from the
  start of each weekly window, in the trainer's local time; a session must end
  by the end of its window (its buffer may run past it).
* Local wall-clock times are turned into instants with the trainer's time zone,
  so "09:00" stays 09:00 across daylight-saving changes; a wall time that does
  not exist on the day the clocks go forward is skipped, and one that happens
  twice when they go back is taken at its first occurrence.
* Blocked dates have no slots.
* A slot starts at least min_notice_hours after now, and its local date is at
  most days_ahead days after today's local date.
* A slot is free when it and every taken booking keep buffer_minutes apart on
  both sides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Tuple, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from booking.slot_types import WEEKDAY_NAMES, Preference, Slot
from common.clock import DEFAULT_ZONE, UTC, require_aware

DEFAULTS: Dict[str, Any] = {
    "time_zone": DEFAULT_ZONE,
    "session_minutes": 60,
    "buffer_minutes": 15,
    "days_ahead": 21,
    "min_notice_hours": 12,
    "weekly_hours": {
        "monday": ["09:00-12:00", "13:00-17:00"],
        "tuesday": ["09:00-12:00", "13:00-17:00"],
        "wednesday": ["09:00-12:00", "13:00-17:00"],
        "thursday": ["09:00-12:00", "13:00-17:00"],
        "friday": ["09:00-12:00", "13:00-17:00"],
        "saturday": ["09:00-12:00"],
        "sunday": [],
    },
    "blocked_dates": [],
}

Window = Tuple[time, time]
Interval = Tuple[datetime, datetime]


class AvailabilityError(ValueError):
    """The availability file is missing, unreadable or has a bad key or value."""


@dataclass(frozen=True)
class Availability:
    time_zone: str = DEFAULT_ZONE
    session_minutes: int = 60
    buffer_minutes: int = 15
    days_ahead: int = 21
    min_notice_hours: float = 12
    # weekday (0 = Monday) -> sorted, non-overlapping (start, end) local windows
    weekly_hours: Dict[int, Tuple[Window, ...]] = field(default_factory=dict)
    blocked_dates: FrozenSet[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def session(self) -> timedelta:
        return timedelta(minutes=self.session_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


# --- loading the configuration -------------------------------------------------

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class _DatesAsText(yaml.SafeLoader):
    """SafeLoader that leaves 2026-12-25 as text, so a bad date gets our message, not YAML's."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)  # type: ignore[type-var]


def load_availability(path: Union[str, Path]) -> Availability:
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_DatesAsText)
    except OSError as error:
        raise AvailabilityError(f"cannot read availability file {path}: {error}") from error
    except yaml.YAMLError as error:
        raise AvailabilityError(f"availability file {path} is not valid YAML: {error}") from error
    try:
        return availability_from_dict(raw or {})
    except AvailabilityError as error:
        raise AvailabilityError(f"{path}: {error}") from error


def availability_from_dict(raw: Any) -> Availability:
    """Validate a parsed configuration; missing keys take DEFAULTS."""
    if not isinstance(raw, dict):
        raise AvailabilityError("the availability file must be a mapping of keys to values")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:  # a typo like "buffer_minute" would otherwise silently use the default
        raise AvailabilityError(f"unknown key(s) {', '.join(map(str, unknown))}; expected {', '.join(DEFAULTS)}")
    values = {**DEFAULTS, **raw}

    time_zone = values["time_zone"]
    try:
        ZoneInfo(str(time_zone))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise AvailabilityError(
            f"time_zone: {time_zone!r} is not a known IANA time zone (e.g. Europe/London)"
        ) from error

    session_minutes = _whole_number(values, "session_minutes", minimum=5)
    buffer_minutes = _whole_number(values, "buffer_minutes", minimum=0)
    days_ahead = _whole_number(values, "days_ahead", minimum=1)
    min_notice = values["min_notice_hours"]
    if isinstance(min_notice, bool) or not isinstance(min_notice, (int, float)) or min_notice < 0:
        raise AvailabilityError(f"min_notice_hours: {min_notice!r} must be a number of hours, 0 or more")

    weekly = _weekly_hours(values["weekly_hours"], session_minutes)
    blocked = _blocked_dates(values["blocked_dates"])
    return Availability(
        time_zone=str(time_zone),
        session_minutes=session_minutes,
        buffer_minutes=buffer_minutes,
        days_ahead=days_ahead,
        min_notice_hours=min_notice,
        weekly_hours=weekly,
        blocked_dates=blocked,
    )


def _whole_number(values: Dict[str, Any], key: str, minimum: int) -> int:
    value = values[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise AvailabilityError(f"{key}: {value!r} must be a whole number, {minimum} or more")
    return value


def _weekly_hours(raw: Any, session_minutes: int) -> Dict[int, Tuple[Window, ...]]:
    if not isinstance(raw, dict):
        raise AvailabilityError('weekly_hours must map weekday names (monday ... sunday) to lists of "HH:MM-HH:MM"')
    weekly: Dict[int, Tuple[Window, ...]] = {}
    for day_name, windows in raw.items():
        day = str(day_name).strip().lower()
        if day not in WEEKDAY_NAMES:
            raise AvailabilityError(f"weekly_hours: {day_name!r} is not a weekday name (monday ... sunday)")
        if windows is None:
            windows = []
        if isinstance(windows, str):
            windows = [windows]
        if not isinstance(windows, list):
            raise AvailabilityError(f'weekly_hours.{day}: expected a list like ["09:00-12:00"], got {windows!r}')
        parsed = sorted(_window(day, text, session_minutes) for text in windows)
        for (_, earlier_end), (later_start, _) in zip(parsed, parsed[1:]):
            if later_start < earlier_end:
                raise AvailabilityError(f"weekly_hours.{day}: windows overlap ({windows!r})")
        weekly[WEEKDAY_NAMES.index(day)] = tuple(parsed)
    return weekly


def _window(day: str, text: Any, session_minutes: int) -> Window:
    match = _WINDOW.match(str(text))
    bad = f"weekly_hours.{day}: {text!r}"
    if not match:
        raise AvailabilityError(f'{bad} is not a window like "09:00-12:00"')
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise AvailabilityError(f"{bad} is not a valid time range")
    start_minutes, end_minutes = h1 * 60 + m1, h2 * 60 + m2
    if end_minutes - start_minutes < session_minutes:
        raise AvailabilityError(f"{bad} must end after it starts and fit one {session_minutes}-minute session")
    end = time.max if end_minutes == 24 * 60 else time(h2, m2)  # "-24:00": to the end of the day
    return time(h1, m1), end


def _blocked_dates(raw: Any) -> FrozenSet[date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise AvailabilityError(f"blocked_dates: expected a list of YYYY-MM-DD dates, got {raw!r}")
    blocked = set()
    for item in raw:
        if isinstance(item, datetime):
            raise AvailabilityError(f"blocked_dates: {item!r} must be a date (YYYY-MM-DD), not a date and time")
        if isinstance(item, date):  # YAML already parsed an unquoted 2026-12-25
            blocked.add(item)
            continue
        try:
            blocked.add(date.fromisoformat(str(item).strip()))
        except ValueError as error:
            raise AvailabilityError(f"blocked_dates: {item!r} is not a date like 2026-12-25") from error
    return frozenset(blocked)


# --- generating slots ---------------------------------------------------------


def free_slots(
    availability: Availability,
    taken: Iterable[Interval],
    now: datetime,
    preference: Optional[Preference] = None,
    limit: Optional[int] = None,
) -> List[Slot]:
    """Every free slot from now to the horizon, earliest first (see module doc)."""
    zone = availability.zone
    taken = _utc_intervals(taken)
    today = require_aware(now).astimezone(zone).date()
    slots: List[Slot] = []
    for slot in _grid_slots(availability, today, today + timedelta(days=availability.days_ahead)):
        if not _within_notice_and_horizon(availability, slot, now):
            continue
        if _conflicts(slot, taken, availability.buffer):
            continue
        if preference is not None and not preference.matches(slot.start.astimezone(zone)):
            continue
        slots.append(slot)
        if limit is not None and len(slots) >= limit:
            break
    return slots


def is_bookable(availability: Availability, slot: Slot, taken: Iterable[Interval], now: datetime) -> bool:
    """Whether this exact slot is still offered (re-checked when someone confirms)."""
    local_day = slot.start.astimezone(availability.zone).date()
    on_grid = slot in set(_grid_slots(availability, local_day, local_day))
    return (
        on_grid
        and _within_notice_and_horizon(availability, slot, now)
        and not _conflicts(slot, _utc_intervals(taken), availability.buffer)
    )


def _grid_slots(availability: Availability, first_day: date, last_day: date) -> Iterator[Slot]:
    """Sessions inside the weekly windows on each local day, blocked days skipped, in order."""
    zone = availability.zone
    step = availability.session + availability.buffer
    day = first_day
    while day <= last_day:
        if day not in availability.blocked_dates:
            for window_start, window_end in availability.weekly_hours.get(day.weekday(), ()):
                # Walk the grid in naive local time: the grid is wall-clock, not elapsed time.
                local = datetime.combine(day, window_start)
                window_close = (
                    datetime.combine(day + timedelta(days=1), time(0))
                    if window_end == time.max  # "24:00"
                    else datetime.combine(day, window_end)
                )
                while local + availability.session <= window_close:
                    start = _local_instant(local, zone)
                    if start is not None:
                        yield Slot(start, start + availability.session)
                    local += step
        day += timedelta(days=1)


def _local_instant(local: datetime, zone: ZoneInfo) -> Optional[datetime]:
    """The UTC instant of a local wall time; None when the clocks skip it."""
    aware = local.replace(tzinfo=zone, fold=0)  # fold=0: the first of two repeated times
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local:
        return None  # in the gap when clocks go forward
    return utc


def _within_notice_and_horizon(availability: Availability, slot: Slot, now: datetime) -> bool:
    now = require_aware(now)
    if slot.start < now + timedelta(hours=availability.min_notice_hours):
        return False
    zone = availability.zone
    last_day = now.astimezone(zone).date() + timedelta(days=availability.days_ahead)
    return slot.start.astimezone(zone).date() <= last_day


def _conflicts(slot: Slot, taken: List[Interval], buffer: timedelta) -> bool:
    # Both sides keep the buffer: the gap after the earlier session must be free.
    return any(slot.start < end + buffer and start < slot.end + buffer for start, end in taken)


def _utc_intervals(taken: Iterable[Interval]) -> List[Interval]:
    return [(require_aware(start), require_aware(end)) for start, end in taken]
