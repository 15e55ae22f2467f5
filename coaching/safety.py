"""The safety net as plain logic: what is on record, what a message changes, what to say first.

Every message is read for warning signs, whatever the conversation is doing
(the Rasa side: bot/nlu_components/red_flag_detector.py finds them once,
bot/policies/safety_net.py makes the safety action run first). This module
decides what that action does:

- a sign is added to the record at once and stays there, through "start
  again", a restart or a new session, until the person takes it back;
- it is taken back only by a correction that names it ("I misspoke, my calf
  isn't swollen"), and the assistant confirms what it noted;
- while anything on record needs a clinician, nothing offers exercises or
  self-checks (coaching/triage.py's `allows_exercises`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set

from coaching import triage

UNKNOWN = triage.UNKNOWN
# The parse-data key the NLU component writes (bot/nlu_components/red_flag_detector.py).
PARSE_KEY = "red_flags"
SIGNS_SLOT = "volunteered_flags"
LEVEL_SLOT = "triage_level"


@dataclass(frozen=True)
class SafetyState:
    """Warning signs on record: signs people volunteered, and screening answers on the warning side."""

    signs: FrozenSet[str] = frozenset()
    answers: Mapping[str, Any] = field(default_factory=dict)  # rf_* slot -> True / False / "unknown"

    def result(self) -> triage.TriageResult:
        return triage.assess(self.answers, self.signs)

    @property
    def level(self) -> str:
        return self.result().level

    @property
    def is_red_flag(self) -> bool:
        return self.result().is_red_flag

    def __bool__(self) -> bool:
        return bool(self.signs or self.answers)


def _warning_answers(values: Mapping[str, Any]) -> Dict[str, Any]:
    """The screening answers worth keeping on record: the warning side, or "unknown"."""
    rules = triage.load_red_flags()
    kept = {}
    for question in rules.questions:
        value = values.get(question.slot)
        if value == UNKNOWN or (isinstance(value, bool) and value == question.flag_value):
            kept[question.slot] = value
    return kept


def on_record(state: SafetyState) -> SafetyState:
    """What the database keeps: signs and warning-side answers ("calf: no" after a correction is not a sign)."""
    return SafetyState(state.signs, _warning_answers(state.answers))


def from_slots(slots: Mapping[str, Any]) -> SafetyState:
    known = set(triage.load_red_flags().signs)
    signs = frozenset(s for s in (slots.get(SIGNS_SLOT) or ()) if s in known)
    return SafetyState(signs, _warning_answers(slots))


def combine(*states: SafetyState) -> SafetyState:
    """Everything any copy of the record says: the warning side always wins."""
    signs: set = set()
    answers: Dict[str, Any] = {}
    for state in states:
        signs |= state.signs
        for slot, value in state.answers.items():
            if answers.get(slot) is None or answers[slot] == UNKNOWN:
                answers[slot] = value
    return SafetyState(frozenset(signs), answers)


def found_in(parse_data: Optional[Mapping[str, Any]]) -> triage.VolunteeredFlags:
    """What the NLU component found in a message (nothing for a button payload)."""
    raw = (parse_data or {}).get(PARSE_KEY) or {}
    rules = triage.load_red_flags()
    signs = frozenset(s for s in raw.get("signs") or () if s in rules.signs)
    answers: Dict[str, bool] = {}
    for sign in sorted(signs):
        answers.update(rules.signs[sign].sets)
    denied = frozenset(s for s in raw.get("denied") or () if s in rules.signs)
    return triage.VolunteeredFlags(signs, answers, denied, bool(raw.get("correction")))


def as_parse_data(found: triage.VolunteeredFlags) -> Dict[str, Any]:
    return {"signs": sorted(found.flags), "denied": sorted(found.denied), "correction": found.correction}


def takes_back(state: SafetyState, found: triage.VolunteeredFlags) -> FrozenSet[str]:
    """Signs on record that this message corrects: a correction word and the sign denied."""
    if not found.correction:
        return frozenset()
    rules = triage.load_red_flags()
    return frozenset(
        sign
        for sign in found.denied
        if sign in state.signs or any(slot in state.answers for slot in rules.signs[sign].sets)
    )


def alarming(state: SafetyState, found: triage.VolunteeredFlags) -> FrozenSet[str]:
    """The signs of this message that take part in a warning rule, given what is on record.

    "I twisted it" alone, or "I had a knee replacement", is context, not an
    alarm; with "and now it's hot and swollen" (or an age of 60 after an
    injury on record) it is part of one.
    """
    if not found.flags:
        return frozenset()
    rules = triage.load_red_flags()
    answers = dict(state.answers)
    answers.update(found.answers)
    result = triage.assess(answers, state.signs | found.flags)
    fired = {reason.rule for reason in result.reasons}
    slots = {slot for rule in rules.rules if rule.id in fired for slot in rule.when}
    return frozenset(sign for sign in found.flags if set(rules.signs[sign].sets) & slots)


def needs_safety_net(state: SafetyState, found: triage.VolunteeredFlags) -> bool:
    """Whether this message must be handled by the safety action before anything else."""
    return bool(alarming(state, found)) or bool(takes_back(state, found))


@dataclass(frozen=True)
class SafetyTurn:
    state: SafetyState  # the record after this message
    new_signs: FrozenSet[str]
    cleared: FrozenSet[str]
    messages: List[str]  # what to say, in order: the advice always first

    @property
    def changed(self) -> bool:
        return bool(self.new_signs or self.cleared)


def read_turn(state: SafetyState, found: triage.VolunteeredFlags) -> SafetyTurn:
    rules = triage.load_red_flags()
    cleared = takes_back(state, found)
    cleared_slots = {slot for sign in cleared for slot in rules.signs[sign].sets}
    answers = dict(state.answers)
    for slot in cleared_slots:
        # Taken back: the person has now told us the sign is not there.
        answers[slot] = not rules.question(slot).flag_value
    signs = (state.signs - cleared) | found.flags
    for slot, value in found.answers.items():
        answers[slot] = value
    after = SafetyState(
        frozenset(signs),
        _warning_answers(answers) | {slot: value for slot, value in answers.items() if slot in cleared_slots},
    )
    messages: List[str] = []
    result = after.result()
    if alarming(state, found) and result.is_red_flag:
        messages.append(triage.format_triage_message(result))
    if cleared:
        messages.append(confirm_taken_back(cleared, result))
    return SafetyTurn(after, found.flags - state.signs, cleared, messages)


def confirm_taken_back(cleared: Iterable[str], result: triage.TriageResult) -> str:
    rules = triage.load_red_flags()
    noted = [rules.signs[s].cleared or f"you don't have that warning sign ({s})" for s in sorted(cleared)]
    text = "OK, I've noted that " + _join(noted) + "."
    if result.is_red_flag:
        return text + " What else you've told me still needs a clinician:\n\n" + triage.format_triage_message(result)
    return text + (
        " Nothing else you've told me needs urgent care. If anything changes, tell me straight away. "
        'Say "check my knee" to carry on with the questions.'
    )


def _join(parts: List[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def slot_values(state: SafetyState) -> Dict[str, Any]:
    """The slots that carry the record in the tracker."""
    values: Dict[str, Any] = {SIGNS_SLOT: sorted(state.signs) or None}
    values.update(state.answers)
    level = state.level
    values[LEVEL_SLOT] = level if state else None
    return values


def said_while_paused(events: Iterable[Mapping[str, Any]]) -> triage.VolunteeredFlags:
    """Everything the person's messages since the last pause (a handoff to the trainer) flagged.

    Rasa runs no action while a conversation is paused, so these messages got no
    answer; the trainer's inbox shows them, and the review on hand-back acts on them.
    """
    since_pause: List[Mapping[str, Any]] = []
    for event in events or ():
        kind = event.get("event")
        if kind == "pause":
            since_pause = []
        elif kind == "user":
            since_pause.append(event)
    signs: Set[str] = set()
    denied: Set[str] = set()
    answers: Dict[str, Any] = {}
    correction = False
    for event in since_pause:
        found = found_in(event.get("parse_data"))
        signs |= found.flags
        denied |= found.denied
        answers.update(found.answers)
        correction = correction or found.correction
    return triage.VolunteeredFlags(frozenset(signs), answers, frozenset(denied - signs), correction)


def warning_while_paused(events: Iterable[Mapping[str, Any]]) -> Optional[triage.TriageResult]:
    """For the trainer: the level of a warning sign said while the assistant was paused, if any."""
    found = said_while_paused(events)
    if not alarming(SafetyState(), found):
        return None
    return triage.assess(found.answers, found.flags)
