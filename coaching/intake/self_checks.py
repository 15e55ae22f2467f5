"""The two guided self-checks: the knee-to-wall distance (cm, per side) and the single-leg squat."""

from __future__ import annotations

import re
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

from language.numbers import NUMBER_WORD, to_number

from coaching.intake.location import SIDE_RULES
from coaching.intake.mentions import Hit, after_last_correction, find, is_negated, rule, says_no
from coaching.intake.reading import after, before, never_raises, normalise

HIP_CHECK_RESULTS = ("pelvis_drop", "knee_caves_in", "both", "normal")
CM_PER_INCH = 2.54
# A knee-to-wall distance beyond this is not a plausible measurement in cm.
MAX_WALL_DISTANCE_CM = 30.0

# Knee-to-wall distance

_LENGTH_UNITS = (
    (r"(?:mm|millimet(?:er|re)s?|mils?)", 0.1),
    (r"(?:cms?|centimet(?:er|re)s?|centi|cm's)", 1.0),
    (r"(?:inches|inch|ins?|\")", CM_PER_INCH),
)
_LENGTH_UNIT = "(?P<unit>" + "|".join(p for p, _ in _LENGTH_UNITS) + ")"
_DISTANCE_NUM = rf"(?:(?<![\w.,])\d{{1,4}}(?:[.,]\d{{1,2}})?(?![\d])|{NUMBER_WORD}|\bhalf an?\b)"
_DISTANCE = re.compile(
    rf"(?P<a>{_DISTANCE_NUM})(?:\s*(?:-|to|or)\s*(?P<b>{_DISTANCE_NUM}))?(?P<half>\s+and\s+a\s+half)?"
    rf"(?:\s*{_LENGTH_UNIT}(?![a-z]))?"
)
_ZERO_DISTANCE = re.compile(
    r"\b(?:(?:could(?:n'?t| not)|can'?t|cannot|can not|did(?:n'?t| not)|wo(?:n'?t| not)|would(?:n'?t| not)|"
    r"unable to|not able to|never|does(?:n'?t| not)|not even)\s+(?:even\s+|quite\s+|get (?:it|my knee)\s+to\s+)?"
    r"(?:touch|reach|get (?:to|near)|make it to|hit|get my knee to|get it to)\s+(?:the\s+)?wall|"
    r"(?:won'?t|doesn'?t|didn'?t|can'?t|couldn'?t) (?:even )?(?:reach|touch) (?:the )?wall|"
    r"toes?\s+(?:(?:were|was|are|is)\s+)?(?:right\s+|touching\s+|against\s+|at\s+|on\s+)(?:up\s+)?"
    r"(?:against\s+)?(?:the\s+)?wall|"
    r"(?:not|nowhere) (?:even )?(?:close|near)|right up against (?:the )?wall)\b"
)
_NOT_A_DISTANCE_AFTER = re.compile(
    r"\s*(?:-\s*)?(?:fingers?|finger[\s-]?widths?|fists?|hands?|thumbs?|%|°|degrees?\b|x\b|times?\b|tries\b|"
    r"attempts?\b|goes\b|go\b|days?\b|weeks?\b|wks?\b|months?\b|"
    r"years?\b|yrs?\b|hours?\b|mins?\b|minutes?\b|secs?\b|seconds?\b|kg|lbs?\b|reps?\b|sets?\b|/\s*10|out of|"
    r"outta|am\b|pm\b|:\d|o'?clock|m\b|metres?\b|meters?\b|km\b|k\b|feet\b|ft\b|foot\b|st\b|nd\b|rd\b|th\b|"
    r"y/?o\b|toes?\b)"
)
_NOT_A_DISTANCE_BEFORE = re.compile(
    r"(?:\b(?:age|aged|i'?m|im|i am|pain|score|level|rated?|tried|attempt|take|"
    r"number|since|in|for|at)\s*|[#£$€@/]\s*)$"
)
_DISTANCE_SIDE_RULES = SIDE_RULES + (
    rule(r"(?<![\w'])l(?=\s*[:=\-]?\s*\d)", "left"),
    rule(r"(?<![\w'])r(?=\s*[:=\-]?\s*\d)", "right"),
    rule(r"\b(?:both|each)\b", "both"),
)


class _Distance(NamedTuple):
    start: int
    end: int
    cm: float
    has_unit: bool


def _distance_candidates(text: str) -> List[_Distance]:
    found: List[_Distance] = []
    for match in _DISTANCE.finditer(text):
        following = after(text, match.end(), 20)
        if _NOT_A_DISTANCE_AFTER.match(following) or _NOT_A_DISTANCE_BEFORE.search(before(text, match.start(), 12)):
            continue
        if not match.group("unit") and re.match(r"[a-z]", following):
            continue  # "5k", "2nd"
        raw_a = match.group("a")
        a = 0.5 if raw_a.startswith("half") else to_number(raw_a)
        b = to_number(match.group("b")) if match.group("b") else None
        if a is None:
            continue
        if raw_a.strip() == "one" and not match.group("unit"):
            continue  # "the left one"
        value = min(a, b) if b is not None and b >= a else a  # "8-10cm": the smaller, the stiffer ankle
        if match.group("half"):
            value += 0.5
        unit = match.group("unit")
        factor = 1.0
        if unit:
            for pattern, unit_factor in _LENGTH_UNITS:
                if re.fullmatch(pattern, unit):
                    factor = unit_factor
        if unit in ("in", "ins") and re.match(r"\s+(?:the|a|my|total|front|between|line|on the)\b", following):
            factor, unit = 1.0, None  # "3 in the end" is not inches
        if unit == '"' and re.search(r"\"\s*$", before(text, match.start(), 15)):
            factor, unit = 1.0, None  # a quoted "8"
        found.append(_Distance(match.start(), match.end(), value * factor, bool(unit)))
    for match in re.finditer(r"\b(?:an?|one)\s+(?P<unit>inch|centimet(?:er|re)|cm|millimet(?:er|re)|mm)\b", text):
        factor = next(f for p, f in _LENGTH_UNITS if re.fullmatch(p, match.group("unit")))
        found.append(_Distance(match.start(), match.end(), factor, True))
    for match in _ZERO_DISTANCE.finditer(text):
        if all(match.end() <= d.start or match.start() >= d.end for d in found):
            found.append(_Distance(match.start(), match.end(), 0.0, True))
    found.sort(key=lambda d: d.start)
    return found


def _distance_unit_factor(candidates: Sequence[_Distance], text: str) -> float:
    """Unit for numbers given without one, from the others ("80mm left, 60 right")."""
    for cand in candidates:
        if cand.has_unit:
            unit = re.search(_LENGTH_UNIT, text[cand.start : cand.end])
            if unit:
                for pattern, factor in _LENGTH_UNITS:
                    if re.fullmatch(pattern, unit.group("unit")):
                        return factor
    return 1.0


@never_raises(lambda: {"left": None, "right": None, "any": None})
def parse_distance_cm(text: Any) -> Dict[str, Optional[float]]:
    """Knee-to-wall distance in cm, per side where the answer says which ("left 10 right 6")."""
    result: Dict[str, Optional[float]] = {"left": None, "right": None, "any": None}
    text = normalise(text).text
    candidates = _distance_candidates(text)
    if not candidates:
        return result
    with_unit = [c for c in candidates if c.has_unit]
    sides = [hit for hit in find(_DISTANCE_SIDE_RULES, text) if not is_negated(text, hit.start)]
    if with_unit and not sides:
        candidates = with_unit
    factor = _distance_unit_factor(candidates, text)
    values = []
    for cand in candidates:
        cm = cand.cm if cand.has_unit else cand.cm * factor
        if 0 <= cm <= MAX_WALL_DISTANCE_CM:
            values.append(Hit(cand.start, cand.end, round(cm, 2)))
    values = after_last_correction(text, values)
    if not values:
        return result
    if not sides:
        result["any"] = float(values[-1].value)
        return result
    # Pair sides with numbers in the order the person used: "left 10 right 6" or "10 on the left, 6 on the right".
    number_first = values[0].start < sides[0].start
    unpaired = []
    used_sides = set()
    for value in values:
        if number_first:
            side = next((s for s in sides if s.start >= value.end and id(s) not in used_sides), None)
        else:
            preceding = [s for s in sides if s.end <= value.start and id(s) not in used_sides]
            side = preceding[-1] if preceding else None
        if side is None:
            unpaired.append(value)
            continue
        used_sides.add(id(side))
        targets = ("left", "right") if side.value == "both" else (side.value,)
        for target in targets:
            result[target] = float(value.value)
    if unpaired:
        result["any"] = float(unpaired[-1].value)
    return result


# Single-leg squat: hip and knee control

_HIP = r"(?:hips?|pelvis|pelvic|hip bone|side of my hip|bum|butt)"
_DROP = (
    r"(?:dropped|drops|drop|dropping|dipped|dips|dip|dipping|sagged|sags|sag|sagging|tilted|tilts|tilt|tilting|"
    r"sank|sinks|sunk|sinking|fell|falls|went down|goes down|go down|lowered|hitched|shifted|moved down|"
    r"was lower|went lower|lower)"
)
_INWARD = r"(?:in|inwards?|inside|towards? the (?:middle|centre|center|other (?:knee|leg))|to the (?:middle|inside))"
_HIP_RULES = (
    rule(
        rf"\b{_HIP}\b(?:\s+\w+){{0,4}}?\s+{_DROP}\b|\b{_DROP}\s+(?:\w+\s+){{0,2}}{_HIP}\b|\bhip drop\b|"
        r"\bpelvic (?:drop|tilt|dip)\b|\btrendelenburg\b|\bhips? (?:weren'?t|wasn'?t|not) level\b|"
        r"\buneven hips?\b|\bhips? uneven\b",
        "pelvis_drop",
    ),
    rule(
        rf"\b(?:knees?|kneecaps?)\b(?:\s+\w+){{0,3}}?\s+(?:caved|caves|cave|caving|collapsed|collapses|collapse|"
        rf"collapsing|went|goes|go|fell|falls|wobbled|wobbles|wobbling|rolled|rolls|rolling|dropped|drops|"
        rf"buckled|buckles|turned|turns|turning|moved|moves|pointed|points|drifted|drifts|came|comes|sank|"
        rf"dived|dove|slid)\s+(?:\w+\s+)?{_INWARD}\b|\bcav(?:ed|es|ing)(?: in)?\b|"
        r"\bknock[\s-]?kneed\b|\bknock knees?\b|\bvalgus\b|\bwent inwards?\b|\binwards?\b(?! (?:facing|side))|"
        r"\bknees? (?:in|inwards?)\b",
        "knee_caves_in",
    ),
)
_NOT_LEVEL = re.compile(r"\b(?:weren'?t|wasn'?t|not) level\b")
_NORMAL = re.compile(
    r"\b(?:stayed|stays|kept|remained|was|were|looked|felt|seemed|all)\s+(?:pretty\s+|quite\s+|really\s+|nice\s+"
    r"and\s+|perfectly\s+|totally\s+|completely\s+|fairly\s+)?(?:level|flat|straight|steady|stable|still|fine|"
    r"good|normal|ok|okay|aligned|even|in line|centred|centered|controlled|square)\b|"
    r"\b(?:looked|looks|seemed|seems|felt|feels) (?:fine|good|normal|ok|okay|alright|all right)\b|"
    r"\b(?:nothing (?:happened|moved|changed|really|much)|no (?:drop|dip|change|problems?|issues?|wobble|movement)|"
    r"(?:didn'?t|did not|doesn'?t|does not|never) (?:drop|dip|cave|move|collapse|change|wobble|tilt|sag)|"
    r"normal|all good|no problem|fine|steady|stable|level|neither|none|nothing|straight|perfect|good)\b"
)


@never_raises(lambda: None)
def parse_hip_check(text: Any) -> Optional[str]:
    """pelvis_drop | knee_caves_in | both | normal, from describing the single-leg squat."""
    text = normalise(text).text
    found = set()
    negated = False
    for hit in find(_HIP_RULES, text):
        denied_inside = says_no(text, hit.start, hit.end) and not _NOT_LEVEL.search(text, hit.start, hit.end)
        if is_negated(text, hit.start, inability_denies=True) or denied_inside:  # "hips weren't level" is a drop
            negated = True
            continue
        found.add(hit.value)
    if len(found) == 2:
        return "both"
    if found:
        return found.pop()
    if re.search(
        r"^\W*(?:(?:a (?:bit|little) of|kind of|sort of|probably|i think|yes|yeah)\s+)?both"
        r"(?:\s+(?:of them|happened|did|really|i think))?\W*$",
        text,
    ):
        return "both"
    if negated:
        return "normal"  # "my hip didn't drop"
    for match in _NORMAL.finditer(text):
        first_word = match.start() + len(match.group(0).split()[0])
        if says_no(text, match.start(), first_word) or not is_negated(text, match.start(), inability_denies=True):
            return "normal"  # but not "it wasn't good"
    return None
