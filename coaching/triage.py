"""Red-flag triage: what must be seen by a clinician before any exercise advice.

The questions, the rules, what each level tells the person to do and the
phrases people volunteer all live in coaching/red_flags.yml, with a source for
every rule; this module reads that file and applies it. It never diagnoses: it
decides how soon someone should be seen, and says why in plain words.

Answers are a dict slot -> True (yes) / False (no) / None or missing (not asked
yet) / "unknown" (the person didn't know, or skipped). Strings "yes"/"no" are
accepted too. What "unknown" means is data, not code: the "unsure_*" rules in
red_flags.yml. In short: an unanswered question can't rule its warning sign
out, so it gives at least `soon` (a clinician looks before any exercise), and
`same_day` when what couldn't be ruled out is time-critical (calf: a possible
clot; breathlessness/chest pain). Not knowing whether there was an injury asks
the injury questions instead, so "unknown" never skips a question.

Free text (detect_volunteered) only ever sets the warning-sign side of an
answer, and when an answer and a volunteered sign disagree the warning sign
wins: misreading "I can walk fine" must never skip a question, and a person
who told us "I can't put weight on it" is not cleared by a later "yes".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple, Union

import spacy
import yaml
from spacy.matcher import Matcher

DEFAULT_PATH = Path(__file__).with_name("red_flags.yml")

SELF_CARE, SOON, SAME_DAY, EMERGENCY = "self_care", "soon", "same_day", "emergency"
LEVELS = (SELF_CARE, SOON, SAME_DAY, EMERGENCY)  # least to most urgent
SEVERITY = {name: rank for rank, name in enumerate(LEVELS)}

# The Rasa slots of the screening; the YAML must use exactly these.
SLOTS = (
    "rf_injury", "rf_can_bear_weight", "rf_can_bend_90", "rf_pop_swelling", "rf_age_55_plus",
    "rf_hot_red_swollen", "rf_calf_pain_swelling", "rf_breathless_chest_pain",
    "rf_locking_giving_way", "rf_other_warning_signs",
)
# Answer states the rules are written in.
YES, NO, UNKNOWN, UNASKED = "yes", "no", "unknown", "unasked"
STATES = frozenset({YES, NO, UNKNOWN, UNASKED})

NOT_A_DIAGNOSIS = (
    "This is a safety check, not a diagnosis: only a clinician who examines your knee can "
    "tell what's causing it."
)
NO_EXERCISES_YET = "I won't suggest exercises until a clinician has checked your knee."
NO_WARNING_SIGNS = "You didn't mention any of the warning signs I check for."
NOT_FINISHED = "I still have a few safety questions to ask before I can suggest any exercises."

# --- free-text detection -------------------------------------------------------
GAP = 3  # words a `*` in a pattern may skip
NEGATION_CUES = frozenset({
    "no", "not", "n't", "nt", "n’t", "never", "without", "nor", "neither", "none", "nothing",
    "hardly", "barely", "nope", "nah", "denies",
})
# Words after a negation that it still covers ("I don't think it's swollen").
NEGATION_WINDOW = 6
# Words that start a new thought: negation, gaps and look-ahead stop there.
BREAK_WORDS = frozenset({
    "but", "and", "although", "though", "however", "yet", "except", "whereas", "while",
    "because", "cos", "so", "then", "now", "&", "+",
})
# A list after a comma keeps its negation ("no swelling, redness or heat") when
# its items are this short; a longer part after the comma is a new clause.
LIST_ITEM_WORDS = 2
LOOKAHEAD = 4  # words after a match checked for `unless` words ("can't walk very far")
LOOKBEHIND = 4  # words before a match checked for `unless_before` words
MAX_TEXT_CHARS = 20_000  # far above what input_checks lets through; bounds the work


class RedFlagsError(ValueError):
    """red_flags.yml is malformed; the message says where."""


@dataclass(frozen=True)
class Question:
    slot: str
    text: str
    flag_when: str  # YES or NO: the answer that is the warning sign
    ask_when: Mapping[str, FrozenSet[str]]
    source: str

    @property
    def flag_value(self) -> bool:
        return self.flag_when == YES


@dataclass(frozen=True)
class Rule:
    id: str
    when: Mapping[str, FrozenSet[str]]
    flag: str
    level: str
    reason: str
    source: str


@dataclass(frozen=True)
class Level:
    name: str
    title: str
    advice: str
    allows_exercises: bool


@dataclass(frozen=True)
class Sign:
    """A warning sign people mention unasked, and the answers it implies."""

    id: str
    sets: Mapping[str, bool]
    reason: Optional[str] = None  # more precise than the rule's reason, e.g. "numbness"
    source: Optional[str] = None


@dataclass(frozen=True)
class Reason:
    flag: str  # the question (slot) this reason is about
    reason: str
    source: str
    rule: str


@dataclass(frozen=True)
class TriageResult:
    level: str
    title: str
    reasons: List[Reason]
    advice: str
    # Only self_care with the screening finished: an unfinished screen has not
    # ruled the warning signs out yet.
    allows_exercises: bool
    is_red_flag: bool
    screening_complete: bool


@dataclass(frozen=True)
class VolunteeredFlags:
    flags: FrozenSet[str]  # sign ids from red_flags.yml
    answers: Dict[str, bool]  # slot -> answer implied by the text

    def __bool__(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class RedFlagRules:
    path: Path
    questions: Tuple[Question, ...]
    rules: Tuple[Rule, ...]
    levels: Mapping[str, Level]
    signs: Mapping[str, Sign]
    detector: "_Detector" = field(repr=False, compare=False)

    def question(self, slot: str) -> Question:
        return next(q for q in self.questions if q.slot == slot)


# --- loading and validating ----------------------------------------------------

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
    _only_keys(volunteered, {"terms", "signs"}, f"{where}: volunteered")
    signs, specs = _signs(volunteered.get("signs"), by_slot, where)
    detector = _Detector(_terms(volunteered.get("terms"), where), specs, where)
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
    # YAML 1.1 reads unquoted yes/no as booleans and null as None.
    if value is True:
        return YES
    if value is False:
        return NO
    if value is None:
        return UNASKED
    if isinstance(value, str) and value.strip().lower() in STATES:
        return value.strip().lower()
    raise RedFlagsError(f"{where}: {value!r} is not one of {sorted(STATES)}")


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
        _only_keys(item, {"slot", "text", "flag_when", "ask_when", "source"}, here)
        slot = item.get("slot")
        if slot not in SLOTS:
            raise RedFlagsError(f"{here}: unknown slot {slot!r}; the Rasa slots are {list(SLOTS)}")
        if any(q.slot == slot for q in questions):
            raise RedFlagsError(f"{here}: slot {slot!r} appears twice")
        flag_when = _state_name(item.get("flag_when"), f"{here}: flag_when")
        if flag_when not in (YES, NO):
            raise RedFlagsError(f"{here}: flag_when must be yes or no")
        ask_when = {}
        if "ask_when" in item:
            later = set(item["ask_when"] or {}) & (set(SLOTS) - {q.slot for q in questions})
            if later:
                raise RedFlagsError(f"{here}: ask_when may only name earlier questions, not {sorted(later)}")
            earlier = {q.slot: q for q in questions}
            ask_when = _conditions(item["ask_when"], earlier, f"{here}: ask_when")
        questions.append(Question(slot, _text(item, "text", here), flag_when, ask_when, _text(item, "source", here)))
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
    if "999" not in levels[EMERGENCY].advice.split(".")[0]:
        raise RedFlagsError(f"{where}: levels.emergency advice must say 999 in its first sentence")
    return levels


def _rules(raw: Any, questions: Mapping[str, Question], where: str) -> Tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        raise RedFlagsError(f"{where}: `rules` must be a non-empty list")
    rules: List[Rule] = []
    for index, item in enumerate(raw):
        here = f"{where}: rules[{index}]"
        _only_keys(item, {"id", "when", "flag", "level", "reason", "source"}, here)
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
        rules.append(Rule(rule_id, when, flag, level, _text(item, "reason", here), _text(item, "source", here)))
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


def _words(item: dict, key: str, where: str) -> FrozenSet[str]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RedFlagsError(f"{where}: `{key}` must be a list of words")
    return frozenset(v.lower() for v in value)


def _signs(raw: Any, questions: Mapping[str, Question], where: str):
    if raw is None:
        return {}, []
    if not isinstance(raw, list):
        raise RedFlagsError(f"{where}: volunteered.signs must be a list")
    signs: Dict[str, Sign] = {}
    specs = []
    for index, item in enumerate(raw):
        here = f"{where}: volunteered.signs[{index}]"
        _only_keys(item, {"id", "sets", "reason", "source", "patterns", "unless", "unless_next", "unless_before"}, here)
        sign_id = _text(item, "id", here)
        here = f"{where}: volunteered sign {sign_id!r}"
        if sign_id in signs:
            raise RedFlagsError(f"{here}: id used twice")
        sets = {}
        for slot, state in _conditions(item.get("sets"), questions, f"{here}: sets").items():
            # Free text may only ever report a warning sign, never clear one.
            if state != {questions[slot].flag_when}:
                raise RedFlagsError(f"{here}: sets {slot} to {sorted(state)}, but only its warning answer "
                                    f"({questions[slot].flag_when}) may be set from free text")
            sets[slot] = questions[slot].flag_value
        reason = _text(item, "reason", here) if "reason" in item else None
        source = _text(item, "source", here) if "source" in item else None
        signs[sign_id] = Sign(sign_id, sets, reason, source)
        patterns = item.get("patterns")
        if not isinstance(patterns, list) or not patterns:
            raise RedFlagsError(f"{here}: `patterns` must be a non-empty list")
        shared = {key: _words(item, key, here) for key in ("unless", "unless_next", "unless_before")}
        for number, pattern in enumerate(patterns):
            spot = f"{here}: patterns[{number}]"
            if isinstance(pattern, str):
                pattern = {"pattern": pattern}
            _only_keys(pattern, {"pattern", "unless", "unless_next", "unless_before"}, spot)
            own = {key: shared[key] | _words(pattern, key, spot) for key in shared}
            specs.append((sign_id, _text(pattern, "pattern", spot), own, spot))
    return signs, specs


# --- answers --------------------------------------------------------------------

def _answer_state(slot: str, value: Any) -> str:
    if value is None:
        return UNASKED
    if value is True:
        return YES
    if value is False:
        return NO
    if isinstance(value, str):
        text = value.strip().lower()
        if text in (YES, "true"):
            return YES
        if text in (NO, "false"):
            return NO
        if text == UNKNOWN:
            return UNKNOWN
    raise ValueError(f"answer for {slot} must be True, False, None or 'unknown', not {value!r}")


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


def _could_still_apply(rule: Rule, answers: Mapping[str, str]) -> bool:
    """True when every condition holds already or rests on a question not yet asked."""
    return all(answers[slot] in allowed or answers[slot] == UNASKED for slot, allowed in rule.when.items())


def _level_of(rules: RedFlagRules, answers: Mapping[str, str]) -> str:
    fired = [rule.level for rule in rules.rules if _applies(rule, answers)]
    return max(fired, key=SEVERITY.__getitem__, default=SELF_CARE)


def _askable(question: Question, answers: Mapping[str, str]) -> bool:
    return answers[question.slot] == UNASKED and all(
        answers[slot] in allowed for slot, allowed in question.ask_when.items()
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
    if level == EMERGENCY:
        return None  # nothing could change the advice: stop asking and send them
    for question in rules.questions:
        if not _askable(question, state):
            continue
        if level == SAME_DAY and not any(
            # Already going today: only what could make it an emergency is worth a question.
            rule.level == EMERGENCY and question.slot in rule.when and _could_still_apply(rule, state)
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


def format_triage_message(result: TriageResult) -> str:
    """What the person reads: what to do now first, then why, then what this is not."""
    parts = [result.advice]  # the emergency advice opens with "Call 999 now"
    if result.reasons:
        parts.append("Based on what you told me:\n" + "\n".join(f"• {r.reason}" for r in result.reasons))
    elif result.screening_complete:
        parts.append(NO_WARNING_SIGNS)
    else:
        parts = [NOT_FINISHED]  # nothing ruled out yet: no "carry on" advice
    parts.append(NOT_A_DIAGNOSIS)
    if result.is_red_flag:
        parts.append(NO_EXERCISES_YET)
    return "\n\n".join(parts)


def detect_volunteered(text: Optional[str], *, rules: Optional[RedFlagRules] = None) -> VolunteeredFlags:
    """Warning signs mentioned in free text, e.g. "I twisted it and it swelled up straight away"."""
    rules = rules or load_red_flags()
    flags = rules.detector.find(text or "")
    answers: Dict[str, bool] = {}
    for sign_id in sorted(flags):
        answers.update(rules.signs[sign_id].sets)
    return VolunteeredFlags(frozenset(flags), answers)


# --- free-text matching ----------------------------------------------------------

@lru_cache(maxsize=1)
def _tokenizer():
    return spacy.blank("en").tokenizer


@lru_cache(maxsize=None)
def _norms(phrase: str) -> Tuple[str, ...]:
    """Token norms as spaCy gives them in context: "can't", "cant", "cannot" -> can, not."""
    return tuple(token.norm_ for token in _tokenizer()(phrase))


def _single_letter_variants(word: str) -> set:
    # "swolen", "sweling": the commonest typo of a long word is a missed double letter.
    if len(word) < 6:
        return set()
    return {word[:i] + word[i + 1:] for i in range(1, len(word)) if word[i] == word[i - 1]}


def _gap_token() -> dict:
    return {"IS_PUNCT": False, "IS_SPACE": False, "NORM": {"NOT_IN": sorted(BREAK_WORDS)}, "OP": "?"}


@dataclass(frozen=True)
class _PatternInfo:
    sign: str
    literals: FrozenSet[str]  # norms written in the pattern (not matched by a gap)
    owns_negation: bool  # "can't walk": the negation is the point, not a denial
    unless: FrozenSet[str]
    unless_next: FrozenSet[str]
    unless_before: FrozenSet[str]


class _Detector:
    """Compiles the YAML phrase patterns into one spaCy Matcher."""

    def __init__(self, terms: Dict[str, List[str]], specs, where: str):
        # The generated patterns are well-formed by construction; spaCy's
        # per-pattern validation would triple the loading time.
        self.matcher = Matcher(_tokenizer().vocab, validate=False)
        self.info: Dict[int, _PatternInfo] = {}
        for sign_id, pattern, unless, spot in specs:
            for number, (tokens, literals) in enumerate(self._expand(pattern, terms, spot)):
                key = f"{sign_id}#{spot}#{number}"
                self.matcher.add(key, [tokens])
                self.info[self.matcher.vocab.strings[key]] = _PatternInfo(
                    sign_id, frozenset(literals), bool(literals & NEGATION_CUES),
                    unless["unless"], unless["unless_next"], unless["unless_before"],
                )

    @staticmethod
    def _expand(pattern: str, terms: Dict[str, List[str]], where: str):
        """Every spelled-out token sequence the pattern stands for, with its literal words."""
        items = pattern.split()
        if not items or items[0].startswith("*") or items[-1].startswith("*"):
            raise RedFlagsError(f"{where}: {pattern!r}: a pattern can't be empty or start/end with a gap")
        choices: List[List[Tuple[List[dict], set]]] = []
        for item in items:
            if re.fullmatch(r"\*\d?", item):
                choices.append([([_gap_token()] * int(item[1:] or GAP), set())])
                continue
            optional = item.endswith("?")
            core = item.rstrip("?")
            term = re.fullmatch(r"\{(\w+)\}", core)
            if term:
                if term.group(1) not in terms:
                    raise RedFlagsError(f"{where}: {pattern!r}: unknown term {{{term.group(1)}}}")
                phrases = terms[term.group(1)]
            else:
                phrases = [p for p in core.split("|") if p]
            if not phrases or "{" in core and not term:
                raise RedFlagsError(f"{where}: {pattern!r}: can't read {item!r}")
            sequences = {_norms(p) for p in phrases} - {()}
            singles = set()
            for seq in [s for s in sequences if len(s) == 1]:
                singles |= {seq[0]} | _single_letter_variants(seq[0])
            options = [([{"NORM": {"IN": sorted(singles)}}], singles)] if singles else []
            options += [([{"NORM": w} for w in seq], set(seq)) for seq in sorted(sequences) if len(seq) > 1]
            if optional:
                options.append(([], set()))
            choices.append(options)
        expanded = []
        for combo in product(*choices):
            tokens = [spec for specs, _ in combo for spec in specs]
            literals = set().union(*(words for _, words in combo))
            if not literals:
                raise RedFlagsError(f"{where}: {pattern!r} can match without any word")
            expanded.append((tokens, literals))
        return expanded

    def find(self, text: str) -> FrozenSet[str]:
        text = _normalise(text)
        if not text.strip():
            return frozenset()
        doc = _tokenizer()(text)
        negated_by = _negation_scopes(doc)
        found = set()
        for match_id, start, end in self.matcher(doc):
            info = self.info[match_id]
            if info.sign in found:
                continue
            if any(negated_by[i] is not None and (not info.owns_negation or negated_by[i] < start)
                   for i in range(start, end)):
                continue  # "no swelling", "it isn't red"; but "can't walk" is the sign itself
            if _excluded(doc, start, end, info):
                continue
            found.add(info.sign)
        return frozenset(found)


def _normalise(text: str) -> str:
    text = str(text)[:MAX_TEXT_CHARS]
    text = text.replace("’", "'").replace("‘", "'")
    # "weight-bear", "straight-away": the same words as with a space
    return re.sub(r"(?<=\w)[-‐–](?=\w)", " ", text)


def _is_break(token) -> bool:
    return (token.is_punct and token.text not in (",", "/")) or token.is_space or token.norm_ in BREAK_WORDS


def _negation_scopes(doc) -> List[Optional[int]]:
    """For each token, the index of the negation word that covers it (or None)."""
    covered: List[Optional[int]] = [None] * len(doc)
    for cue, token in enumerate(doc):
        if token.norm_ not in NEGATION_CUES and token.lower_ not in NEGATION_CUES:
            continue
        counted, i = 0, cue + 1
        while i < len(doc) and counted < NEGATION_WINDOW:
            current = doc[i]
            if _is_break(current):
                break
            if current.text in (",", "/"):
                if _list_item_length(doc, i + 1) > LIST_ITEM_WORDS:
                    break  # "no pop, it swelled up": a new clause, not a list
                i += 1
                continue
            covered[i] = cue
            if current.norm_ not in ("or", "nor"):
                counted += 1
            i += 1
    return covered


def _list_item_length(doc, start: int) -> int:
    """Words from start to the next comma, "or" or clause break."""
    length = 0
    for token in doc[start:]:
        if _is_break(token) or token.text in (",", "/") or token.norm_ in ("or", "nor"):
            break
        length += 1
    return length


def _excluded(doc, start: int, end: int, info: _PatternInfo) -> bool:
    # Words a gap swallowed count, words the pattern spells out don't ("can't stand up").
    inside = [t for t in doc[start:end] if t.norm_ not in info.literals]
    after = []
    for token in doc[end:end + LOOKAHEAD]:
        if _is_break(token) or token.text == ",":
            break
        after.append(token)
    before = []
    for token in reversed(doc[max(0, start - LOOKBEHIND):start]):
        if _is_break(token) or token.text == ",":
            break
        before.append(token)
    nearby = [t.norm_ for t in inside + after if not _stresses(t)]
    return (
        any(word in info.unless for word in nearby)
        or bool(after and after[0].norm_ in info.unless_next)
        or any(t.norm_ in info.unless_before for t in before)
    )


def _stresses(token) -> bool:
    """The "all" of "at all": it stresses an inability where "all the way" qualifies it."""
    return token.norm_ == "all" and token.i > 0 and token.doc[token.i - 1].norm_ == "at"
