"""The numbers on the inbox's stats page, as plain functions.

The computations (`daily_conversations`, `red_flag_rate`, `booking_conversion`,
`bar_chart`) take plain values and are unit tested; `compute` reads the numbers
through the query layer: Rasa's tracker store (`records/tracker_events.py`,
read-only) and counts in the records database. Days are UTC days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from coaching.triage import LEVELS, SELF_CARE
from common import clock
from records import inbox_lists
from records.store import RecordStore
from records.tracker_events import load_user_events

# The triage levels themselves come from the safety rules, most urgent first.
RED_FLAG_LEVELS = tuple(level for level in reversed(LEVELS) if level != SELF_CARE)


# --- computations -----------------------------------------------------------------------
def daily_conversations(
    user_events: Iterable[Tuple[str, float]], days: int = 14, today: Optional[date] = None
) -> List[Tuple[date, int]]:
    """Distinct senders with at least one user message per UTC day, for the last `days` days (oldest first)."""
    today = today or clock.utc_now().date()
    first = today - timedelta(days=days - 1)
    senders: Dict[date, Set[str]] = {first + timedelta(days=offset): set() for offset in range(days)}
    for sender_id, timestamp in user_events:
        moment = clock.from_timestamp(timestamp)
        if moment is not None and moment.date() in senders:
            senders[moment.date()].add(sender_id)
    return [(day, len(senders[day])) for day in sorted(senders)]


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int

    @property
    def value(self) -> Optional[float]:
        return self.part / self.whole if self.whole else None

    @property
    def percent(self) -> str:
        return "–" if self.value is None else f"{self.value * 100:.0f}%"


def red_flag_rate(triage_levels: Iterable[Optional[str]]) -> Rate:
    """Consultations whose triage level is emergency/same_day/soon, out of all consultations."""
    levels = list(triage_levels)
    return Rate(sum(1 for level in levels if level in RED_FLAG_LEVELS), len(levels))


def booking_conversion(consulted: Iterable[str], booked: Iterable[str]) -> Rate:
    """Conversations with a consultation that also have a confirmed booking, out of all consulted ones.

    Only consulted conversations count in the numerator, so the rate stays
    within 0-100% even when someone books without a consultation.
    """
    consulted_ids = set(consulted)
    return Rate(len(consulted_ids & set(booked)), len(consulted_ids))


def bar_chart(
    points: Sequence[Tuple[str, int]], width: int = 560, height: int = 200, margin: int = 24
) -> Dict[str, object]:
    """Geometry of a bar chart (for inline SVG): bars with x, y, width, height, label and value."""
    count = max(len(points), 1)
    peak = max([value for _, value in points] + [1])
    plot_height = height - 2 * margin
    slot = (width - margin) / count
    bar_width = max(slot * 0.7, 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = plot_height * value / peak
        bars.append(
            {
                "x": round(margin + index * slot + (slot - bar_width) / 2, 1),
                "y": round(margin + plot_height - bar_height, 1),
                "width": round(bar_width, 1),
                "height": round(bar_height, 1),
                "label": label,
                "value": value,
                "label_x": round(margin + index * slot + slot / 2, 1),
            }
        )
    return {
        "width": width,
        "height": height,
        "baseline": margin + plot_height,
        "margin": margin,
        "peak": peak,
        "bars": bars,
        "label_y": height - 6,
    }


# --- loading ----------------------------------------------------------------------------
def compute(app_db_url: str, tracker_store_url: str, days: int = 14, today: Optional[date] = None) -> Dict[str, object]:
    """Everything the stats page shows.

    The rates are counted in the database (records/inbox_lists.py, RecordStore.triage_counts:
    index scans, not rows brought into Python); the people per day are read from the last
    `days` days of Rasa's events only.
    """
    today = today or clock.utc_now().date()
    since = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), tzinfo=clock.UTC)
    events = load_user_events(tracker_store_url, since)
    per_day = daily_conversations(events, days=days, today=today)
    levels = RecordStore(app_db_url).triage_counts()
    counted = inbox_lists.consulted_and_booked(app_db_url)
    return {
        "per_day": per_day,
        "chart": bar_chart([(day.strftime("%d %b"), count) for day, count in per_day]),
        "conversations_total": len({sender for sender, _ in events}),
        "red_flags": Rate(sum(levels.get(level, 0) for level in RED_FLAG_LEVELS), sum(levels.values())),
        "conversion": Rate(counted["booked"] or 0, counted["consulted"] or 0),
        "days": days,
    }
