"""Finding mentions in the read text, and weighing them against negations, corrections and entities.

* A mention that a negation covers ("not the left", "doesn't hurt when
  running") doesn't count; negation is the shared, clause-bounded one
  (language/negation.py). Not being able to ("I can't run") denies nothing.
* After a correction ("actually", "no wait", "sorry, I mean") only what
  follows counts.
* Entities are only a hint: a valid entity wins over the text for the span it
  covers; a mention the classifier missed still counts.
"""

from __future__ import annotations

import re
from typing import Any, Callable, List, NamedTuple, Optional, Sequence, Tuple

from language.negation import negations
from language.text import MappedText, longest_first

from coaching.intake.reading import after, before, normalise


class Hit(NamedTuple):
    start: int  # position in the read text (or the original, once merged)
    end: int
    value: Any


class EntityHit(NamedTuple):
    start: Optional[int]  # position in the original; None when Rasa didn't say where
    end: Optional[int]
    value: Any


Veto = Callable[[str, "re.Match[str]"], bool]


class Rule(NamedTuple):
    pattern: "re.Pattern[str]"
    value: Any  # the value, or a function of the match giving it (None: no mention)
    veto: Optional[Veto] = None


def rule(pattern: str, value: Any, veto: Optional[Veto] = None) -> Rule:
    return Rule(re.compile(pattern), value, veto)


def find(rules: Sequence[Rule], text: str) -> List[Hit]:
    """All non-overlapping rule matches, the longest winning where they overlap, in text order."""
    found = []
    for each in rules:
        for match in each.pattern.finditer(text):
            if match.end() == match.start() or (each.veto and each.veto(text, match)):
                continue
            value = each.value(match) if callable(each.value) else each.value
            if value is not None:
                found.append(Hit(match.start(), match.end(), value))
    return longest_first(found, lambda hit: (hit.start, hit.end))


def veto_after(pattern: str) -> Veto:
    compiled = re.compile(pattern)
    return lambda text, match: bool(compiled.match(after(text, match.end())))


def veto_before(pattern: str) -> Veto:
    compiled = re.compile(pattern + r"\s*$")
    return lambda text, match: bool(compiled.search(before(text, match.start())))


def any_veto(*vetoes: Veto) -> Veto:
    return lambda text, match: any(veto(text, match) for veto in vetoes)


def is_negated(text: str, start: int, *, inability_denies: bool = False) -> bool:
    """Does a negation cover the mention at ``start``?

    Not being able to doesn't, unless ``inability_denies``: "I can't run" names running as the problem, "can't put
    weight on my left leg" names the left; but "couldn't keep it straight" says it wasn't straight.
    """
    return negations(text).covers(start, inability=inability_denies)


def says_no(text: str, start: int, end: int) -> bool:
    """Does text[start:end] hold a negation word ("hip didn't drop")?"""
    return negations(text).has_cue(start, end)


CORRECTION = re.compile(
    r"\b(?:actually|wait|sorry|i mean|i meant|correction|scratch that|make (?:that|it)|or rather|rather|"
    r"oops|my bad|on second thoughts?|more like|no no)\b|\bno\b(?=[\s,.!-]*(?:\d|more|it'?s|i |wait|"
    r"actually|sorry|make|zero|one|two|three|four|five|six|seven|eight|nine|ten|left|right|both)\b)"
)


def after_last_correction(text: str, hits: Sequence[Hit]) -> List[Hit]:
    """Drop every hit that a later correction ("6, no actually 8") overrides."""
    kept: List[Hit] = []
    for hit in hits:
        if kept and CORRECTION.search(text, kept[-1].end, hit.start):
            kept = []
        kept.append(hit)
    return kept


def entity_items(entities: Any, kind: str) -> List[Tuple[Optional[int], Optional[int], str]]:
    """(start, end, value) of well-formed entities of one type; malformed ones are skipped."""
    items: List[Tuple[Optional[int], Optional[int], str]] = []
    if not entities or isinstance(entities, (str, bytes)):
        return items
    try:
        iterator = iter(entities)
    except TypeError:
        return items
    for entity in iterator:
        if not isinstance(entity, dict) or entity.get("entity") != kind:
            continue
        value = entity.get("value")
        if value is None or isinstance(value, (dict, list, tuple, set)):
            continue
        start, end = entity.get("start"), entity.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
            start = end = None
        items.append((start, end, str(value)))
    return items


def entity_hits(entities: Any, kind: str, convert: Callable[[str], Any]) -> List[EntityHit]:
    hits = []
    for start, end, raw in entity_items(entities, kind):
        value = convert(raw)
        if value is not None:
            hits.append(EntityHit(start, end, value))
    return hits


def merge(norm: MappedText, text_hits: Sequence[Hit], from_entities: Sequence[EntityHit]) -> List[Hit]:
    """Text hits (read positions) and entity hits (original positions), in original positions.

    An entity replaces the text hits it overlaps; entities without a position
    count as the last thing said.
    """
    placed = [Hit(*norm.span(hit.start, hit.end), hit.value) for hit in text_hits]
    far = norm.length + 1
    placed_entities = [
        Hit(hit.start, hit.end, hit.value)
        if hit.start is not None and hit.end is not None
        else Hit(far, far, hit.value)
        for hit in from_entities
    ]
    placed = [
        hit for hit in placed if all(hit.end <= e.start or hit.start >= e.end for e in placed_entities if e.start < far)
    ]
    merged = placed + placed_entities
    merged.sort(key=lambda hit: (hit.start, hit.end))
    return merged


def last_mentioned(
    text: Any, entities: Any, kind: str, text_hits: Callable[[MappedText], List[Hit]], convert: Callable[[str], Any]
) -> Any:
    """The value said last, in the text or as an entity of ``kind``: "left... no wait, right" -> right."""
    norm = normalise(text)
    hits = merge(norm, text_hits(norm), entity_hits(entities, kind, convert))
    return hits[-1].value if hits else None
