"""Applying the rules: the level a set of answers gives, and which question to ask next.

Answers are a dict slot -> True (yes) / False (no) / None or missing (not asked
yet) / "unknown" (the person didn't know, or skipped). Strings "yes"/"no" are
accepted too. What "unknown" means is data, not code: the "unsure_*" rules in
red_flags.yml. In short: an unanswered question can't rule its warning sign
out, so it gives at least `soon` (a clinician looks before any exercise), and
`same_day` when what couldn't be ruled out is time-critical (a clot).

Free text only ever sets the warning-sign side of an answer, and when an
answer and a volunteered sign disagree the warning sign wins: misreading "I
can walk fine" must never skip a question, and a person who told us "I can't
put weight on it" is not cleared by a later "yes" (only by a correction the
assistant confirms back, coaching/safety.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

from coaching.triage.loader import load_red_flags
from coaching.triage.model import (
    NO,
    SELF_CARE,
    SAME_DAY,
    SEVERITY,
    SLOTS,
    UNASKED,
    YES,
    Question,
    Reason,
    RedFlagRules,
    Rule,
    Sign,
    TriageResult,
    VolunteeredFlags,
    answer_state,
)


def _answer_state(slot: str, value: Any) -> str:
    state = answer_state(value)
    if state is None:
        raise ValueError(f"answer for {slot} must be True, False, None or 'unknown', not {value!r}")
    return state


def _flag_ids(volunteered: Any) -> FrozenSet[str]:
    if volunteered is None:
        return frozenset()
    if isinstance(volunteered, VolunteeredFlags):
        return volunteered.flags
    if isinstance(volunteered, str):
        return frozenset({volunteered})
    return frozenset(volunteered)


@dataclass(frozen=True)
class _State:
    answers: Dict[str, str]  # slot -> YES/NO/UNKNOWN/UNASKED, volunteered signs included
    signs: Tuple[Sign, ...]  # volunteered signs, in file order


def _state(rules: RedFlagRules, answers: Optional[Mapping[str, Any]], volunteered: Any) -> _State:
    answers = answers or {}
    for slot in answers:
        # The caller may pass all its slots; a misspelt screening slot is a bug.
        if isinstance(slot, str) and slot.startswith("rf_") and slot not in SLOTS:
            raise ValueError(f"unknown screening slot {slot!r}; known: {list(SLOTS)}")
    explicit = {slot: _answer_state(slot, answers.get(slot)) for slot in SLOTS}
    ids = _flag_ids(volunteered)
    unknown_ids = ids - set(rules.signs)
    if unknown_ids:
        raise ValueError(f"unknown volunteered flag(s) {sorted(unknown_ids)}; known: {sorted(rules.signs)}")
    signs = tuple(sign for sign_id, sign in rules.signs.items() if sign_id in ids)
    merged = dict(explicit)
    for sign in signs:
        for slot, value in sign.sets.items():
            merged[slot] = YES if value else NO  # always the warning side: it wins
    return _State(merged, signs)


def _applies(rule: Rule, answers: Mapping[str, str]) -> bool:
    return all(answers[slot] in allowed for slot, allowed in rule.when.items())


def _could_still_apply(rule: Rule, answers: Mapping[str, str], rules: RedFlagRules) -> bool:
    """True when every condition holds already or rests on a question still to be asked."""
    return all(
        answers[slot] in allowed or (answers[slot] == UNASKED and rules.question(slot).asked)
        for slot, allowed in rule.when.items()
    )


def _level_of(rules: RedFlagRules, answers: Mapping[str, str]) -> str:
    fired = [rule.level for rule in rules.rules if _applies(rule, answers)]
    return max(fired, key=SEVERITY.__getitem__, default=SELF_CARE)


def _askable(question: Question, answers: Mapping[str, str]) -> bool:
    return (
        question.asked
        and answers[question.slot] == UNASKED
        and all(answers[slot] in allowed for slot, allowed in question.ask_when.items())
    )


# --- the public functions ------------------------------------------------------


def next_question(
    answers: Mapping[str, Any], volunteered: Any = frozenset(), *, rules: Optional[RedFlagRules] = None
) -> Optional[str]:
    """The next slot to ask, or None when the screening is complete."""
    rules = rules or load_red_flags()
    return _next_slot(rules, _state(rules, answers, volunteered).answers)


def _next_slot(rules: RedFlagRules, state: Mapping[str, str], level: Optional[str] = None) -> Optional[str]:
    level = level or _level_of(rules, state)
    for question in rules.questions:
        if not _askable(question, state):
            continue
        if SEVERITY[level] >= SEVERITY[SAME_DAY] and not any(
            # Already going today: only what could make it more urgent is worth a question.
            SEVERITY[rule.level] > SEVERITY[level]
            and question.slot in rule.when
            and _could_still_apply(rule, state, rules)
            for rule in rules.rules
        ):
            continue
        return question.slot
    return None


def screening_complete(
    answers: Mapping[str, Any], volunteered: Any = frozenset(), *, rules: Optional[RedFlagRules] = None
) -> bool:
    return next_question(answers, volunteered, rules=rules) is None


def assess(
    answers: Mapping[str, Any], volunteered: Any = frozenset(), *, rules: Optional[RedFlagRules] = None
) -> TriageResult:
    """The level (the most urgent rule that applies) with every applying rule's reason."""
    rules = rules or load_red_flags()
    state = _state(rules, answers, volunteered)
    order = {q.slot: index for index, q in enumerate(rules.questions)}
    fired = sorted(
        (rule for rule in rules.rules if _applies(rule, state.answers)),
        key=lambda rule: (-SEVERITY[rule.level], order[rule.flag]),  # sorted() is stable: file order breaks ties
    )
    reasons: List[Reason] = []
    for rule in fired:
        reasons.extend(_reasons_for(rule, state, rules.question(rule.flag)))
    level = max((rule.level for rule in fired), key=SEVERITY.__getitem__, default=SELF_CARE)
    complete = _next_slot(rules, state.answers, level) is None
    described = rules.levels[level]
    return TriageResult(
        level=level,
        title=described.title,
        reasons=reasons,
        advice=described.advice,
        allows_exercises=described.allows_exercises and complete,
        is_red_flag=level != SELF_CARE,
        screening_complete=complete,
    )


def _reasons_for(rule: Rule, state: _State, question: Question) -> List[Reason]:
    # A volunteered sign can say precisely what the person mentioned ("numbness")
    # where the rule's reason lists every sign its question covers. Callers
    # also copy volunteered answers into the slots, so an answer equal to the
    # sign's doesn't tell us the person said more: the precise reasons stand alone.
    generic = Reason(rule.flag, rule.reason, rule.source, rule.id)
    if question.flag_when not in rule.when[rule.flag]:
        return [generic]
    from_text = [sign for sign in state.signs if rule.flag in sign.sets]
    precise = [Reason(rule.flag, s.reason, s.source or rule.source, rule.id) for s in from_text if s.reason]
    if not precise or any(not s.reason for s in from_text):
        precise.insert(0, generic)
    return precise


def is_red_flag_level(level: Optional[str]) -> bool:
    """For a stored level (e.g. a slot): None means not screened yet; anything but self_care is a red flag."""
    return level is not None and level != SELF_CARE


def detect_volunteered(text: Optional[str], *, rules: Optional[RedFlagRules] = None) -> VolunteeredFlags:
    """Warning signs mentioned in free text, e.g. "I twisted it and it swelled up straight away"."""
    rules = rules or load_red_flags()
    found = rules.detector.find(text or "")
    answers: Dict[str, bool] = {}
    for sign_id in sorted(found.signs):
        answers.update(rules.signs[sign_id].sets)
    return VolunteeredFlags(found.signs, answers, found.denied, found.correction)
