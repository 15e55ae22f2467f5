"""How long the pain has lasted (in days) and how it started (sudden or gradual)."""

from __future__ import annotations

import re
from typing import Any, List, Optional, Sequence

from language.durations import find_durations

from coaching.intake.mentions import Hit, after_last_correction, entity_hits, find, is_negated, merge, rule
from coaching.intake.reading import after, before, lower_original, never_raises, normalise, short_answer, words

ONSETS = ("sudden", "gradual")

_PAIN_VERBS = frozenset(
    {
        "hurting",
        "aching",
        "bothering",
        "niggling",
        "going",
        "throbbing",
        "happening",
        "killing",
        "troubling",
        "playing",
        "swelling",
        "clicking",
        "giving",
        "grinding",
        "feeling",
        "having",
    }
)


def _not_about_the_pain(text: str, start: int, end: int) -> bool:
    """Veto "in 3 weeks" (future), "running for 10 years", "3 weeks after the race"."""
    ahead = before(text, start, 40)
    if re.search(r"\b(?:in|within|next|another|every|per|each)\s*$", ahead):
        return True
    if re.search(
        r"\b(?:will|'ll|going to|gonna|plan(?:ning)? to|holiday|vacation|away|off work|off sick)\b"
        r"(?:\W+\w+){0,3}\W*$",
        ahead,
    ):
        return True  # "I'll be away for 2 weeks"
    for_match = re.search(
        r"\b([a-z']+)\s+(?:for|since)\s+(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+|the\s+"
        r"(?:past|last)\s+)?$",
        ahead,
    )
    if for_match and for_match.group(1).endswith("ing") and for_match.group(1) not in _PAIN_VERBS:
        return True
    return bool(
        re.match(
            r"\s*(?:after|later|before|of (?:running|training|football|playing|sport|cycling|"
            r"physio|walking|work)|in a row|old\b|until|till|from now|time\b|-?\s*old\b)",
            after(text, end, 30),
        )
    )


def _duration_hits(text: str) -> List[Hit]:
    return [Hit(*found) for found in find_durations(text, veto=_not_about_the_pain)]


def _duration_value(raw: str) -> Optional[float]:
    hits = _duration_hits(normalise(raw).text)
    return max(hit.value for hit in hits) if hits else None


def _longest(text: str, hits: Sequence[Hit]) -> Optional[float]:
    """After any correction, the longest: "started 3 months ago, worse the last 2 weeks" -> 90."""
    hits = after_last_correction(text, hits)
    return float(max(hit.value for hit in hits)) if hits else None


@never_raises(lambda: None)
def parse_duration_days(text: Any, entities: Any = ()) -> Optional[float]:
    """How long the pain has lasted, in days ("3 weeks" -> 21, "half a year" -> 182.5); None if unclear."""
    norm = normalise(text)
    merged = merge(norm, _duration_hits(norm.text), entity_hits(entities, "duration", _duration_value))
    return _longest(lower_original(text), merged)


def _popped_somewhere(text: str, end: int) -> bool:
    """True for "popped to the shops": an errand, not an injury."""
    return bool(
        re.match(r"\s*(?:to|into|in|round|over|by|down|up|off|out to)\b(?!\s*(?:place|and out))", after(text, end))
    )


_SLOW = r"(?:slowly|slow|gradually|steadily|progressively)"
_ONSET_RULES = (
    rule(
        r"\b(?:suddenly|sudden(?:ly)?|all of a sudden|out of (?:nowhere|the blue)|overnight|"
        r"(?:came on|started|began|happened) (?:\w+ )?(?:instantly|immediately|right away|straight away)|"
        r"in one moment|(?:after|from|with) (?:a|the|my) (?:fall|crash|tackle|collision|accident|slip|trip|knock|"
        r"impact)|fell(?! (?:asleep|in love|behind|through|apart|for|out with))|fallen|falling over|tripped|slipped|"
        r"twisted|twist(?:ed)? (?:it|my knee)|injured|(?:after|from|since|during) (?:a|an|the|my) (?:\w+ )?injury|"
        r"sprained|strained|tore|torn|landed (?:badly|awkwardly|wrong|funny)|"
        r"bad landing|awkward landing|one day,? (?:it|i)(?: just \w+)?|"
        r"(?:started|began|came on)(?: hurting)? one day|"
        r"woke up (?:with it|and it|one day)|"
        r"hit (?:it|my knee)|banged|bashed|knocked|whacked|jarred|gave way|heard a (?:pop|crack|snap)|felt a "
        r"(?:pop|snap|crack|twinge)|pop(?:ped)?|snapped|collided|tackled)\b",
        "sudden",
        None,
    ),
    rule(
        r"\b(?:gradually|gradual|slowly|over time|crept up|creeping|creep(?:ing|s)? up|built up|building up|"
        rf"build up|builds up|came on {_SLOW}|come on {_SLOW}|bit by bit|little by little|(?:got|getting|gets|"
        r"grew|growing) (?:worse|bad|worse) and (?:worse|bad)|worse and worse|progressively|increasingly|"
        r"(?:got|getting|gets|became|becoming|grew|growing|been) (?:slowly |gradually |steadily )?worse over|"
        r"worse over (?:time|the|weeks|months|a)|kept (?:getting|on getting) worse|slow (?:onset|build|burn)|"
        r"over (?:the |a )?(?:few |couple of |several |last |past )?(?:weeks|months|years)|no (?:real |"
        r"specific |particular )?(?:injury|incident|trauma)|(?:started|began) (?:off )?(?:as )?(?:a |an )?(?:small |"
        r"little |mild |slight |bit of (?:a |an )?)?(?:niggle|twinge|ache|discomfort|tightness)|niggle that|"
        r"just crept|wear and tear|overuse)\b",
        "gradual",
        None,
    ),
)


def _onset_hits(text: str) -> List[Hit]:
    hits = []
    for hit in find(_ONSET_RULES, text):
        matched = text[hit.start : hit.end]
        if (
            matched in ("slowly", "creeping", "progressively", "increasingly")
            and not re.search(
                r"\b(?:came|come|comes|started|start|starts|began|got|get|gets|getting|built|building|worse|"
                r"developed|crept|over|increased|on|grew|growing|and)\s+\w*\s*$",
                before(text, hit.start, 25),
            )
            and not re.match(
                r"\s+(?:got|getting|gets|get|worse|built|building|came|come|started|crept|over|"
                r"increas\w*)\b",
                after(text, hit.end),
            )
            and not short_answer(words(text), matched)
        ):
            continue  # "I walk slowly" is not how the pain started
        if matched in ("pop", "popped") and _popped_somewhere(text, hit.end):
            continue  # "popped to the shops"
        if is_negated(text, hit.start):
            continue
        hits.append(hit)
    return hits


@never_raises(lambda: None)
def parse_onset(text: Any) -> Optional[str]:
    """sudden | gradual (the last one said, ignoring negated ones: "not suddenly, more gradually" -> gradual)."""
    hits = _onset_hits(normalise(text).text)
    return hits[-1].value if hits else None
