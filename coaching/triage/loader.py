"""Reading and validating coaching/red_flags.yml; the file is the safety rules' one source."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Tuple, Union

import yaml

from coaching.triage.detector import AgeSign, Detector, PatternSpec
from coaching.triage.model import (
    A_AND_E,
    EMERGENCY,
    LEVELS,
    NO,
    SELF_CARE,
    SLOTS,
    STATES,
    UNKNOWN,
    YES,
    Citation,
    Level,
    Question,
    RedFlagRules,
    RedFlagsError,
    Rule,
    Sign,
    answer_state,
)

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "red_flags.yml"
_PATTERN_KEYS = ("unless", "unless_next", "unless_before")


def load_red_flags(path: Union[str, Path, None] = None) -> RedFlagRules:
    """The screening rules; the project's file is read (and validated) once."""
    if path is None:
        return _default_rules()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_rules() -> RedFlagRules:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> RedFlagRules:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RedFlagsError(f"{path}: cannot read red flags: {error}") from error
    where = str(path)
    if not isinstance(data, dict):
        raise RedFlagsError(f"{where}: expected a mapping at the top")
    _only_keys(data, {"questions", "rules", "levels", "volunteered"}, where)
    questions = _questions(data.get("questions"), where)
    by_slot = {q.slot: q for q in questions}
    levels = _levels(data.get("levels"), where)
    rules = _rules(data.get("rules"), by_slot, where)
    volunteered = data.get("volunteered") or {}
    _only_keys(volunteered, {"terms", "signs", "corrections", "resolved"}, f"{where}: volunteered")
    signs, specs, ages = _signs(volunteered.get("signs"), by_slot, where)
    corrections = _word_list(volunteered, "corrections", f"{where}: volunteered")
    resolved = _word_list(volunteered, "resolved", f"{where}: volunteered")
    detector = Detector(_terms(volunteered.get("terms"), where), specs, ages, corrections, resolved)
    return RedFlagRules(path, questions, rules, levels, signs, detector)


def _only_keys(mapping: Any, allowed: set, where: str) -> None:
    if not isinstance(mapping, dict):
        raise RedFlagsError(f"{where}: expected a mapping, got {type(mapping).__name__}")
    unknown = set(mapping) - allowed
    if unknown:
        raise RedFlagsError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def _text(item: dict, key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RedFlagsError(f"{where}: `{key}` must be non-empty text")
    return " ".join(value.split())


def _state_name(value: Any, where: str) -> str:
    state = answer_state(value)
    if state is None:
        raise RedFlagsError(f"{where}: {value!r} is not one of {sorted(STATES)}")
    return state


def _conditions(raw: Any, known: Mapping[str, Question], where: str) -> Dict[str, FrozenSet[str]]:
    if not isinstance(raw, dict) or not raw:
        raise RedFlagsError(f"{where}: expected a non-empty mapping of slot: answer(s)")
    out = {}
    for slot, values in raw.items():
        if slot not in known:
            raise RedFlagsError(f"{where}: unknown slot {slot!r}; known: {sorted(known)}")
        values = values if isinstance(values, list) else [values]
        out[slot] = frozenset(_state_name(v, f"{where}: {slot}") for v in values)
    return out


def _questions(raw: Any, where: str) -> Tuple[Question, ...]:
    if not isinstance(raw, list) or not raw:
        raise RedFlagsError(f"{where}: `questions` must be a non-empty list")
    questions: List[Question] = []
    for index, item in enumerate(raw):
        here = f"{where}: questions[{index}]"
        _only_keys(item, {"slot", "text", "flag_when", "ask_when", "source", "asked"}, here)
        slot = item.get("slot")
        if slot not in SLOTS:
            raise RedFlagsError(f"{here}: unknown slot {slot!r}; the Rasa slots are {list(SLOTS)}")
        if any(q.slot == slot for q in questions):
            raise RedFlagsError(f"{here}: slot {slot!r} appears twice")
        flag_when = _state_name(item.get("flag_when"), f"{here}: flag_when")
        if flag_when not in (YES, NO):
            raise RedFlagsError(f"{here}: flag_when must be yes or no")
        asked = item.get("asked", True)
        if not isinstance(asked, bool):
            raise RedFlagsError(f"{here}: asked must be true or false")
        ask_when = {}
        if "ask_when" in item:
            later = set(item["ask_when"] or {}) & (set(SLOTS) - {q.slot for q in questions})
            if later:
                raise RedFlagsError(f"{here}: ask_when may only name earlier questions, not {sorted(later)}")
            earlier = {q.slot: q for q in questions}
            ask_when = _conditions(item["ask_when"], earlier, f"{here}: ask_when")
        questions.append(
            Question(slot, _text(item, "text", here), flag_when, ask_when, _text(item, "source", here), asked)
        )
    missing = set(SLOTS) - {q.slot for q in questions}
    if missing:
        raise RedFlagsError(f"{where}: questions missing for slot(s) {sorted(missing)}")
    return tuple(questions)


def _levels(raw: Any, where: str) -> Dict[str, Level]:
    _only_keys(raw, set(LEVELS), f"{where}: levels")
    levels = {}
    for name in LEVELS:
        here = f"{where}: levels.{name}"
        item = raw.get(name)
        if item is None:
            raise RedFlagsError(f"{here}: missing")
        _only_keys(item, {"title", "advice", "allows_exercises"}, here)
        allows = item.get("allows_exercises")
        if not isinstance(allows, bool):
            raise RedFlagsError(f"{here}: allows_exercises must be true or false")
        if allows != (name == SELF_CARE):
            raise RedFlagsError(f"{here}: only self_care may allow exercises")
        levels[name] = Level(name, _text(item, "title", here), _text(item, "advice", here), allows)
    # The first sentence is what a frightened person reads: it must say exactly where to go.
    if "999" not in levels[EMERGENCY].advice.split(".")[0]:
        raise RedFlagsError(f"{where}: levels.emergency advice must say 999 in its first sentence")
    if "A&E" not in levels[A_AND_E].advice.split(".")[0]:
        raise RedFlagsError(f"{where}: levels.a_and_e advice must say A&E in its first sentence")
    return levels


def _rules(raw: Any, questions: Mapping[str, Question], where: str) -> Tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        raise RedFlagsError(f"{where}: `rules` must be a non-empty list")
    rules: List[Rule] = []
    for index, item in enumerate(raw):
        here = f"{where}: rules[{index}]"
        _only_keys(item, {"id", "when", "flag", "level", "reason", "source", "cites"}, here)
        rule_id = _text(item, "id", here)
        here = f"{where}: rule {rule_id!r}"
        if any(r.id == rule_id for r in rules):
            raise RedFlagsError(f"{here}: id used twice")
        level = item.get("level")
        if level not in LEVELS:
            raise RedFlagsError(f"{here}: unknown level {level!r}; known: {list(LEVELS)}")
        when = _conditions(item.get("when"), questions, f"{here}: when")
        flag = item.get("flag")
        if flag not in when:
            raise RedFlagsError(f"{here}: `flag` must be one of the slots in `when`")
        if not when[flag] <= {questions[flag].flag_when, UNKNOWN}:
            raise RedFlagsError(f"{here}: the flagged slot must be its warning answer or unknown")
        cites = None
        if "cites" in item:
            raw_cites = item["cites"]
            _only_keys(raw_cites, {"source", "says", "why_level"}, f"{here}: cites")
            why = _text(raw_cites, "why_level", here) if "why_level" in raw_cites else None
            cites = Citation(_text(raw_cites, "source", here), " ".join(str(raw_cites.get("says", "")).split()), why)
        rules.append(Rule(rule_id, when, flag, level, _text(item, "reason", here), _text(item, "source", here), cites))
    return tuple(rules)


def _terms(raw: Any, where: str) -> Dict[str, List[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RedFlagsError(f"{where}: volunteered.terms must be a mapping")
    for name, words in raw.items():
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise RedFlagsError(f"{where}: volunteered.terms.{name} must be a non-empty list of text")
    return {name: [" ".join(str(w).lower().split()) for w in words] for name, words in raw.items()}


def _word_list(item: dict, key: str, where: str) -> FrozenSet[str]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RedFlagsError(f"{where}: `{key}` must be a list of words")
    return frozenset(" ".join(v.lower().split()) for v in value)


def _pattern_specs(item: dict, key: str, sign_id: str, shared: dict, here: str) -> List[PatternSpec]:
    specs = []
    for number, pattern in enumerate(item.get(key) or []):
        spot = f"{here}: {key}[{number}]"
        if isinstance(pattern, str):
            pattern = {"pattern": pattern}
        _only_keys(pattern, {"pattern", *_PATTERN_KEYS}, spot)
        own = {k: shared[k] | _word_list(pattern, k, spot) for k in _PATTERN_KEYS}
        specs.append(
            PatternSpec(
                sign_id,
                _text(pattern, "pattern", spot),
                own,
                spot,
                denies=key == "cleared_by",
                history=bool(item.get("history")),
                even_in_questions=bool(item.get("even_in_questions")),
            )
        )
    return specs


def _signs(raw: Any, questions: Mapping[str, Question], where: str):
    if raw is None:
        return {}, [], []
    if not isinstance(raw, list):
        raise RedFlagsError(f"{where}: volunteered.signs must be a list")
    signs: Dict[str, Sign] = {}
    specs: List[PatternSpec] = []
    ages: List[AgeSign] = []
    allowed = {
        "id",
        "sets",
        "reason",
        "source",
        "cleared",
        "patterns",
        "cleared_by",
        "age",
        "history",
        "even_in_questions",
        *_PATTERN_KEYS,
    }
    for index, item in enumerate(raw):
        here = f"{where}: volunteered.signs[{index}]"
        _only_keys(item, allowed, here)
        sign_id = _text(item, "id", here)
        here = f"{where}: volunteered sign {sign_id!r}"
        if sign_id in signs:
            raise RedFlagsError(f"{here}: id used twice")
        sets = {}
        for slot, state in _conditions(item.get("sets"), questions, f"{here}: sets").items():
            # Free text may only ever report a warning sign, never clear one.
            if state != {questions[slot].flag_when}:
                raise RedFlagsError(
                    f"{here}: sets {slot} to {sorted(state)}, but only its warning answer "
                    f"({questions[slot].flag_when}) may be set from free text"
                )
            sets[slot] = questions[slot].flag_value
        optional = {key: _text(item, key, here) if key in item else None for key in ("reason", "source", "cleared")}
        signs[sign_id] = Sign(sign_id, sets, **optional)
        if "age" in item:
            age = item["age"]
            _only_keys(age, {"below", "at_least", "with_any"}, f"{here}: age")
            ages.append(
                AgeSign(
                    sign_id,
                    below=age.get("below"),
                    at_least=age.get("at_least"),
                    with_any=_word_list(age, "with_any", f"{here}: age"),
                )
            )
            continue
        if not isinstance(item.get("patterns"), list) or not item["patterns"]:
            raise RedFlagsError(f"{here}: `patterns` (or `age`) must be a non-empty list")
        shared = {key: _word_list(item, key, here) for key in _PATTERN_KEYS}
        specs += _pattern_specs(item, "patterns", sign_id, shared, here)
        specs += _pattern_specs(item, "cleared_by", sign_id, {k: frozenset() for k in _PATTERN_KEYS}, here)
    return signs, specs, ages
