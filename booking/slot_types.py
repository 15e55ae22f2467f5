"""What availability and time phrases share: a bookable `Slot`, a `Preference`, day and month names.

They live below both so that neither of those modules imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import FrozenSet, Optional

from common.clock import UTC

AT_TOLERANCE = timedelta(minutes=45)  # sessions sit on a grid (e.g. 10:15), so "at 10" matches nearby starts
PARTS_OF_DAY = ("morning", "afternoon", "evening")
MORNING_ENDS = time(12, 0)
AFTERNOON_ENDS = time(17, 0)

# Written out in English, because strftime's %a/%b follow the process locale.
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


@dataclass(frozen=True, order=True)
class Slot:
    """One bookable session: an instant range in UTC (compare and store these)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Slot times must be timezone-aware")
        # Normalised to UTC so equal instants give equal slots and equal keys.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end <= self.start:
            raise ValueError("Slot must end after it starts")

    @property
    def key(self) -> str:
        """Stable id for buttons and slot values, e.g. "2026-12-02T10:00:00+00:00"."""
        return self.start.isoformat()

    @classmethod
    def from_key(cls, key: str, session_minutes: int) -> "Slot":
        try:
            text = key.strip()
            start = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except (ValueError, AttributeError) as error:
            raise ValueError(f"not a slot key: {key!r}") from error
        if start.tzinfo is None:
            raise ValueError(f"slot key has no UTC offset: {key!r}")
        return cls(start, start + timedelta(minutes=session_minutes))

    def local_start(self, zone: tzinfo) -> datetime:
        return self.start.astimezone(zone)

    def label(self, zone: tzinfo) -> str:
        """How people read it, in the trainer's time: "Tue 2 Dec, 10:00"."""
        local = self.start.astimezone(zone)
        return f"{short_day(local)}, {local:%H:%M}"


def short_day(moment: date) -> str:
    """Like "Tue 2 Dec", for a date or datetime, whatever the process locale."""
    return f"{WEEKDAY_NAMES[moment.weekday()][:3].title()} {moment.day} {MONTH_NAMES[moment.month - 1][:3].title()}"


@dataclass
class Preference:
    """What someone said about when; every field that is set must hold for a slot."""

    dates: Optional[FrozenSet[date]] = None
    part_of_day: Optional[str] = None  # morning | afternoon | evening
    at: Optional[time] = None  # "at 10": slots starting within AT_TOLERANCE
    description: str = ""
    earliest: Optional[time] = None  # "after 3": starts at or after
    latest: Optional[time] = None  # "before 11": starts before

    def matches(self, slot_local_start: datetime) -> bool:
        """Whether a slot starting at this local (trainer's zone) time fits."""
        local = slot_local_start
        if self.dates is not None and local.date() not in self.dates:
            return False
        clock = local.time().replace(tzinfo=None)
        if self.part_of_day and part_of_day(clock) != self.part_of_day:
            return False
        if self.at is not None and abs(_minutes(clock) - _minutes(self.at)) > AT_TOLERANCE.total_seconds() / 60:
            return False
        if self.earliest is not None and clock < self.earliest:
            return False
        if self.latest is not None and clock >= self.latest:
            return False
        return True

    @property
    def is_flexible(self) -> bool:
        """True when the person said something like "any time" and nothing narrower."""
        return self.dates is None and not self.part_of_day and self.at is None and not self.earliest and not self.latest


def part_of_day(clock: time) -> str:
    """Morning before 12:00, afternoon to 17:00, evening after."""
    if clock < MORNING_ENDS:
        return "morning"
    return "afternoon" if clock < AFTERNOON_ENDS else "evening"


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute
