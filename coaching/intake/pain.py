"""The pain score, 0 to 10: "6/10", "about a 7", "seven", "6-7" (-> 7), "no pain right now" (-> 0).

A number is only a score where nothing says it is something else ("3 weeks",
"5k", "I'm 45"); how sure we are depends on what stands next to it (a tier).
When unsure between several, assume the worse pain.
"""

from __future__ import annotations

import math
import re
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple

from language.numbers import NUMBER_WORD, to_number

from coaching.intake.mentions import EntityHit, Hit, after_last_correction, entity_items, is_negated, merge
from coaching.intake.reading import after, before, lower_original, never_raises, normalise, words

PAIN_SCORE_MIN, PAIN_SCORE_MAX = 0, 10
# A number: optional minus, digits with an optional decimal part, or a number in words.
_NUM = rf"(?:(?<![\w.,])-\s?)?(?:(?<![\w.,])\d{{1,7}}(?:[.,]\d{{1,3}})?(?![\d])|{NUMBER_WORD})"


_UNIT_AFTER = re.compile(
    r"\s*(?:-\s*)?(?:%|°|degrees?\b|degs?\b|x\b|times?\b|days?\b|d\b|weeks?\b|wks?\b|w\b|fortnights?\b|months?\b|"
    r"mths?\b|mnths?\b|mos?\b|mons?\b|years?\b|yrs?\b|y\b|y/?o\b|hours?\b|hrs?\b|h\b|minutes?\b|mins?\b|secs?\b|"
    r"seconds?\b|cms?\b|mm\b|millimet\w*|centimet\w*|km\b|kms\b|k\b|miles?\b|mi\b|metres?\b|meters?\b|m\b|kgs?\b|"
    r"kilos?\b|lbs?\b|pounds?\b|stones?\b|st\b|reps?\b|sets?\b|steps?\b|sessions?\b|am\b|pm\b|o'?clock\b|:\d|"
    r"nd\b|rd\b|th\b|inch\w*|ft\b|feet\b|foot\b|mph\b|kph\b|laps?\b|goals?\b|floors?\b|flights?\b|people\b|"
    r"kids?\b|children\b|games?\b|matches\b|runs?\b|attempts?\b|tries\b|goes\b|rounds?\b|and a half\b|"
    r"[-\s]?year[-\s]old\b|\"|'(?!s\b))"
)
_VETO_BEFORE = re.compile(
    r"(?:\b(?:since|for|in|at|age|aged|turned|born|number|size|every|after|within|i'?m|im|i am|i was|page|"
    r"about the|of the|from)\s*|[#£$€@:/]\s*)$"
)
_PAIN_WORDS = re.compile(
    r"\b(?:pain|painful|hurts?|hurting|ache|aches|aching|sore|soreness|score|level|rating|rate|rated|severity|"
    r"intensity|throb\w*|agony|bad)\b"
)
# A pain word a few linking words before the number: "pain 6", "pain's about a 6", "rate it a 7".
_PAIN_CUE = re.compile(
    r"\b(?:pain|painful|hurts?|hurting|ache|aches|aching|sore|soreness|score|level|rating|rate|rated|severity|"
    r"intensity|it hurts)(?:'s)?(?:\s*[:=~-]?\s*(?:is|was|at|of|about|around|like|a|an|maybe|roughly|"
    r"approximately|approx|probably|it|i'd|id|say|level|score|rating|currently|usually|now|normally|generally|"
    r"sits|sitting|hovering|solid|easily|good|strong|high|low|even|as|an?|out|right)\b){0,5}\s*[:=~-]?\s*$"
)
_APPROX_BEFORE = re.compile(
    r"\b(?:about|around|like|maybe|roughly|approx(?:imately)?|probably|prob|say|solid|easily|perhaps|nearly|"
    r"almost|at least|at most|usually|generally|mostly|typically|it'?s|it is|its|i'?d say|i'?d give it|give it|"
    r"call it|a good|a strong|a weak|a low|a high|an?)\s+(?:a\s+|an\s+)?$"
)
_PAIN_SCALE_TEXT = re.compile(
    r"\bscale\b[^.\d]{0,20}(?:0|1|one|zero)\s*(?:-|to)\s*(?:10|ten)\b|"
    r"\b(?:from|between)\s+(?:0|1|one|zero)\s*(?:-|to|and)\s*(?:10|ten)\b|"
    r"(?<![\d.,/])(?:0|1)\s*(?:-|to)\s*10(?![\d.,]|\s*/)"
)
_PAIN_OUT_OF_TEN = re.compile(
    rf"(?P<a>{_NUM})(?:\s*(?:-|to|or)\s*(?P<b>{_NUM}))?\s*(?:/|out of|outta|of)\s*(?:10|ten)\b(?![.,]?\d)"
)
_PAIN_RANGE = re.compile(rf"(?:\bbetween\s+)?(?P<a>{_NUM})\s*(?:-|to|or|/|and)\s*(?P<b>{_NUM})")
_PAIN_SINGLE = re.compile(_NUM)
_NO_PAIN = re.compile(
    r"\b(?:no pain|pain[\s-]?free|painless|doesn'?t hurt(?: at all)?(?: right now| now| at the "
    r"moment)?|not (?:in )?(?:any )?pain|nothing)\b"
)

# Tiers: how sure we are that a number is a pain score.
_OUT_OF_TEN, _PAIN_WORD, _APPROX, _BARE = 3, 2, 1, 0


class _Score(NamedTuple):
    start: int
    end: int
    value: float
    tier: int


def _number_is_other_quantity(text: str, start: int, end: int) -> bool:
    following = after(text, end, 30)
    if re.match(r"[a-z]", following) and not following.startswith("ish"):
        return True  # "5k", "3x", "2nd", "1yr", "8cm"
    if _UNIT_AFTER.match(following):
        return True
    return bool(_VETO_BEFORE.search(before(text, start, 20)))


def _tier(text: str, start: int) -> int:
    clause = re.split(r"[.!?;\n]|\band\b|\bbut\b", before(text, start, 40))[-1]
    if _PAIN_CUE.search(clause):
        return _PAIN_WORD
    if _APPROX_BEFORE.search(clause):
        return _APPROX
    return _BARE


def _pain_candidates(text: str) -> List[_Score]:
    taken: List[Tuple[int, int]] = [m.span() for m in _PAIN_SCALE_TEXT.finditer(text)]
    scores: List[_Score] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in _PAIN_OUT_OF_TEN.finditer(text):
        if not free(*match.span()):
            continue
        raws = [match.group("a")] + ([match.group("b")] if match.group("b") else [])
        values = [v for v in map(to_number, raws) if v is not None]
        if values:
            scores.append(_Score(match.start(), match.end(), max(values), _OUT_OF_TEN))
            taken.append(match.span())
    for match in _PAIN_RANGE.finditer(text):
        if not free(*match.span()) or _number_is_other_quantity(text, match.start(), match.end()):
            continue
        a, b = to_number(match.group("a")), to_number(match.group("b"))
        if a is None or b is None or not (0 <= a < b <= PAIN_SCORE_MAX and b - a <= 3):
            continue
        if "/" in match.group(0) and b != a + 1:
            continue  # "3/5" is a date or another scale, "6/7" is a range
        if re.search(r"\band\b", match.group(0)) and not match.group(0).startswith("between"):
            continue  # "6 and 7" only as "between 6 and 7"
        scores.append(_Score(match.start(), match.end(), b, _tier(text, match.start())))
        taken.append(match.span())
    message_words = words(text)
    for match in _PAIN_SINGLE.finditer(text):
        if not free(*match.span()) or _number_is_other_quantity(text, match.start(), match.end()):
            continue
        raw = match.group(0)
        if raw.strip("- ") == "one" and len(message_words) > 2:
            continue  # "the left one"
        if re.search(r"/\s*$", before(text, match.start(), 3)) or re.match(r"\s*/\s*\d", after(text, match.end())):
            continue  # dates and other fractions
        value = to_number(raw)
        if value is None:
            continue
        scores.append(_Score(match.start(), match.end(), value, _tier(text, match.start())))
    scores.sort(key=lambda score: score.start)
    return scores


def _choose_score(text: str, scores: Sequence[_Score]) -> Optional[float]:
    """After any correction, the highest candidate: when unsure, assume the worse pain."""
    hits = after_last_correction(text, [Hit(s.start, s.end, s.value) for s in scores])
    return max(hit.value for hit in hits) if hits else None


def as_score(value: Optional[float]) -> Optional[int]:
    if value is None or not (PAIN_SCORE_MIN <= value <= PAIN_SCORE_MAX):
        return None
    return int(math.ceil(value - 1e-9))  # 6.5 -> 7: assume the worse


def _entity_pain(raw: str) -> Optional[float]:
    raw = raw.strip().lower()
    value = 0.0 if raw == "none" else to_number(raw)
    if value is None:
        value = pain_value(raw, (), strict=False)
    return value


def _strict_scores(text: str, scores: Sequence[_Score]) -> List[_Score]:
    """Scores clear enough to take from a message that also says other things."""
    has_pain_word = bool(_PAIN_WORDS.search(text))
    return [
        s
        for s in scores
        if s.tier >= _PAIN_WORD
        or (s.tier == _APPROX and has_pain_word and re.search(r"\ban?\s*$", before(text, s.start, 4)))
    ]


def pain_value(text: Any, entities: Any, strict: bool) -> Optional[float]:
    norm = normalise(text)
    scores = _pain_candidates(norm.text)
    if strict:
        scores = _strict_scores(norm.text, scores)
    text_hits = [Hit(s.start, s.end, s.value) for s in scores]
    from_entities = []
    original = lower_original(text)
    for start, end, raw in entity_items(entities, "pain_score"):
        value = _entity_pain(raw)
        if value is None or not (PAIN_SCORE_MIN <= value <= PAIN_SCORE_MAX):
            continue  # an invalid entity: the text decides
        if end is not None and _UNIT_AFTER.match(original[end : end + 30]):
            continue  # the classifier tagged the "3" of "3 weeks"
        from_entities.append(EntityHit(start, end, value))
    if not from_entities:
        value = _choose_score(norm.text, scores)
        no_pain = None if strict else _NO_PAIN.search(norm.text)
        if value is None and no_pain and not is_negated(norm.text, no_pain.start()):
            return 0.0
        return value
    chosen = after_last_correction(original, merge(norm, text_hits, from_entities))
    return max(hit.value for hit in chosen) if chosen else None


@never_raises(lambda: None)
def parse_pain_score(text: Any, entities: Any = ()) -> Optional[int]:
    """0-10 from "6/10", "about a 7", "seven", "6-7" (-> 7); None if there is none or it is out of range."""
    return as_score(pain_value(text, entities, strict=False))


@never_raises(lambda: False)
def pain_score_out_of_range(text: Any) -> bool:
    """True when the answer gives a number that can't be a 0-10 score ("11/10", "15", "-2")."""
    value = pain_value(text, (), strict=False)
    return value is not None and not (PAIN_SCORE_MIN <= value <= PAIN_SCORE_MAX)
