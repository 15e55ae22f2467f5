"""When an answer isn't understood: ask differently once, then move on and say so.

No question is asked word for word more than twice. The second time a hint with
example answers comes first; the third time the answer is recorded as "unknown"
(for a safety question that keeps the level cautious, coaching/triage) and the
consultation goes on.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Tuple

UNKNOWN = "unknown"
MOVE_ON_AFTER = 2  # times a question may be asked before it is recorded as unknown

EXAMPLES: Dict[str, str] = {
    "age_years": 'a number, like "34" or "mid 50s"',
    "knee_side": '"left", "right" or "both"',
    "knee_location": '"front", "inside", "outside", "back" or "all over"',
    "pain_onset": '"suddenly" or "gradually"',
    "pain_duration_days": '"3 weeks", "since Christmas" or "a few months"',
    "pain_score": 'a number from 0 to 10, like "6"',
    "aggravating_activities": '"stairs", "running and squatting" or "nothing in particular"',
    "activity_level": '"mostly sitting", "I walk a lot" or "gym three times a week"',
    "ankle_wall_left_cm": '"8 cm", "my ankle felt tight", "it was fine" or "skip"',
    "ankle_wall_right_cm": '"10 cm", "same as the other one", "tighter" or "skip"',
    "hip_check": '"my hip dropped", "my knee went inwards", "both", "stayed level" or "skip"',
}
YES_NO = '"yes", "no" or "not sure"'


def times_asked_in_a_row(slot: str, events: Iterable[Mapping[str, Any]]) -> int:
    """How many times the question for `slot` was just asked, without another question in between."""
    wanted, count = f"utter_ask_{slot}", 0
    for event in reversed(list(events or ())):
        if event.get("event") in ("restart", "session_started"):
            break
        if event.get("event") != "bot":
            continue
        asked = (event.get("metadata") or {}).get("utter_action") or ""
        if asked == wanted:
            count += 1
        elif asked.startswith("utter_ask_"):
            break
    return count


def not_understood(slot: str, times_asked: int) -> Tuple[Dict[str, Any], List[str]]:
    """(slot updates, notes) after an answer to `slot` that couldn't be read."""
    if times_asked >= MOVE_ON_AFTER:
        return {slot: UNKNOWN}, ["I'll note that one as unknown and move on."]
    example = EXAMPLES.get(slot, YES_NO if slot.startswith("rf_") else "a short answer")
    return {}, [f"Sorry, I didn't quite get that. You could answer with {example}."]
