"""The one time helper: UTC now, aware conversions, time zones and readable times.

Everything is stored and compared in UTC; a time zone only matters when a time is shown
to a person or read from their words. SQLite hands back naive datetimes, so values read
from a database go through `from_db`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional, Tuple, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc
DEFAULT_ZONE = "Europe/London"


def utc_now() -> datetime:
    return datetime.now(UTC)


def require_aware(moment: datetime) -> datetime:
    """The same instant in UTC; a naive value is a programming error here, so it raises."""
    if moment.tzinfo is None:
        raise ValueError(f"datetime must be timezone-aware: {moment!r}")
    return moment.astimezone(UTC)


def from_db(moment: Optional[datetime]) -> Optional[datetime]:
    """A stored value as aware UTC (SQLite gives back the naive UTC value; PostgreSQL an aware one)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def from_timestamp(timestamp: Any) -> Optional[datetime]:
    """A Unix timestamp (Rasa's event times) as aware UTC; None when it is not one."""
    try:
        return datetime.fromtimestamp(float(timestamp), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def iso_from_timestamp(timestamp: Any) -> str:
    moment = from_timestamp(timestamp)
    return moment.isoformat(timespec="seconds") if moment else ""


def zone_or_utc(name: Union[str, ZoneInfo, None]) -> Tuple[Union[ZoneInfo, timezone], str]:
    """(tzinfo, name) for a zone name; UTC when it is missing or unknown."""
    if isinstance(name, ZoneInfo):
        return name, str(name)
    if name:
        try:
            return ZoneInfo(str(name)), str(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC, "UTC"


def parse_moment(value: Any) -> Optional[datetime]:
    """A datetime or ISO text as aware UTC (naive means UTC); None for anything else."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return from_db(value)


def readable(value: Any, zone: Optional[str] = None) -> str:
    """'3 Jun 2024, 14:05 UTC' (or in the given zone); text that is not a time comes back as is."""
    if value in (None, ""):
        return ""
    moment = parse_moment(value)
    if moment is None:
        return str(value)
    tz, name = zone_or_utc(zone)
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b %Y, %H:%M} {name}"


def readable_range(starts: Any, ends: Any, zone: Optional[str]) -> str:
    """'Tue 8 Dec 2026, 10:00–11:00 (Europe/London)'; '–' when there is no start."""
    start = parse_moment(starts)
    if start is None:
        return "–"
    tz, name = zone_or_utc(zone)
    local = start.astimezone(tz)
    text = f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
    end = parse_moment(ends)
    if end is not None:
        text += f"–{end.astimezone(tz):%H:%M}"
    return f"{text} ({name})"
