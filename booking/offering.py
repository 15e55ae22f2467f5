"""Choosing a few slots to offer, and writing them as a numbered list and as buttons.

Offering the first four free slots would usually mean one morning; people
choose better from different days, so the choices are spread: the earliest
slot of each day first, then (when there are fewer days than choices) the slot
furthest from those already picked on a day.
"""

from __future__ import annotations

import json
from datetime import date, tzinfo
from typing import Dict, List, Sequence

from booking.slot_types import Slot

CHOOSE_SLOT_INTENT = "/inform_booking_details"  # Rasa treats a payload starting with "/" as intent + entities


def offer(slots: Sequence[Slot], zone: tzinfo, max_choices: int = 4) -> List[Dict]:
    """Up to max_choices slots, spread over days, in time order and numbered from 1."""
    if max_choices <= 0:
        return []
    by_day: Dict[date, List[Slot]] = {}
    for slot in sorted(set(slots)):
        by_day.setdefault(slot.start.astimezone(zone).date(), []).append(slot)

    picked: List[Slot] = []
    # Round 1: the earliest slot of each day, soonest days first.
    for day_slots in by_day.values():
        if len(picked) == max_choices:
            break
        picked.append(day_slots[0])
    # Further rounds: on each day, the slot furthest from what is already picked that day.
    while len(picked) < max_choices:
        added = False
        for day_slots in by_day.values():
            if len(picked) == max_choices:
                break
            remaining = [slot for slot in day_slots if slot not in picked]
            if not remaining:
                continue
            chosen = [slot for slot in day_slots if slot in picked]
            picked.append(
                max(remaining, key=lambda slot: min(abs((slot.start - c.start).total_seconds()) for c in chosen))
            )
            added = True
        if not added:
            break

    return [
        {"number": number, "key": slot.key, "label": slot.label(zone)}
        for number, slot in enumerate(sorted(picked), start=1)
    ]


def numbered_text(choices: Sequence[Dict]) -> str:
    """Lines like "1. Tue 2 Dec, 10:00", for channels without buttons (people answer "2")."""
    return "\n".join(f"{choice['number']}. {choice['label']}" for choice in choices)


def buttons(choices: Sequence[Dict]) -> List[Dict]:
    """Rasa buttons; the payload is sent as the user's message and sets the slot_choice entity."""
    return [
        {"title": choice["label"], "payload": CHOOSE_SLOT_INTENT + json.dumps({"slot_choice": choice["key"]})}
        for choice in choices
    ]
