"""What brings the pain on: running, stairs, squatting, cycling, sitting, jumping, walking, kneeling,
changing direction, sport. "I can't run" names running; "walking is fine" and "not when sitting" don't.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from language.text import MappedText

from coaching.intake.mentions import Hit, any_veto, entity_hits, find, is_negated, merge, rule, veto_after, veto_before
from coaching.intake.reading import after, before, never_raises, normalise
from coaching.self_checks import ACTIVITIES

# The activity names are the movement profile's (one list for the intake and the self-checks).


def _turn_is_not_a_movement(text: str, match: "re.Match[str]") -> bool:
    word = match.group(0)
    following = after(text, match.end())
    if re.match(
        r"\s*(?:out|up|off|into|to (?:you|me)|on the (?:light|tv|telly)|over in bed|\d|forty|fifty|"
        r"sixty|thirty)\b",
        following,
    ):
        return True
    if word in ("turn", "turns"):
        return not (
            re.match(
                r"\s*(?:quickly|fast|sharply|suddenly|around|round|on (?:it|my|the)|corners?|"
                r"direction)",
                following,
            )
            or re.search(
                r"\b(?:sharp|quick|fast|tight|sudden|when i|if i|making|make|i|to)\s*$", before(text, match.start())
            )
        )
    return False


_ACTIVITY_RULES = (
    rule(
        r"\b(?:run|runs|running|ran|jog|jogs|jogging|jogged|sprint|sprints|sprinting|sprinted|treadmill|"
        r"marathons?|half marathons?|parkruns?|trail runs?|long runs?|runner)\b",
        "running",
        any_veto(
            veto_after(
                r"\s*(?:out|late|into (?:trouble|problems)|down\b(?!\s+(?:the\s+)?(?:stairs|hills?|"
                r"steps))|in the family)\b"
            ),
            veto_before(r"\bin the long"),
            veto_before(r"\b(?:runny|feeling|bit|a bit)"),
        ),
    ),
    rule(
        r"\b(?:stairs?|staircases?|stairwells?|steps|step[\s-]?ups?|step[\s-]?downs?|stepping (?:up|down|off)|"
        r"upstairs|downstairs|flights? of stairs|escalators?|kerbs?|curbs?|stair ?masters?|steppers?|"
        r"step machines?)\b",
        "stairs",
        veto_before(r"(?:\d[\d,.]*\s*k?|\bthousand|\bmy|\bcount(?:ing)?|\bfew|\bbaby|\bnext|\bthese|\bthe next)"),
    ),
    rule(
        r"\bstares\b",
        "stairs",
        veto_before(
            r"\b(?:he|she|it|who|everyone|people|just|blank|long|cold|"
            r"hard|that|dog|cat)"
        ),
    ),
    rule(
        r"\b(?:squats?|squatting|squatted|squatts|crouch|crouches|crouching|crouched|lunges?|lunging|leg press|"
        r"pistol squats?|bending down|bend down|bend(?:ing)? (?:it|my knees?|the knees?|over)|deep knee bends?|"
        r"knee bends?|getting up (?:from|off|out of) (?:a |the |my )?(?:chair|floor|sofa|couch|toilet|seat|low)|"
        r"getting out of (?:a |the )?(?:chair|car)|standing up from (?:a |the )?(?:chair|sitting)|deadlifts?)\b",
        "squatting",
    ),
    rule(
        r"\b(?:cycle|cycles|cycling|cycled|cyclist|bike|bikes|biking|biked|bicycles?|spin(?:ning)? class(?:es)?|"
        r"spin bikes?|spinning|spin sessions?|pelotons?|turbo trainer|exercise bike|stationary bike|bike rides?|"
        r"cycle rides?)\b",
        "cycling",
        veto_before(r"\b(?:motor|menstrual|period|sleep|washing|life|spin|head|room|dirt|quad|vicious)"),
    ),
    rule(
        r"\b(?:sit|sits|sitting|seated|sat (?:down|for|at|in|still|on|with|around)|long drives?|driving|"
        r"drives?|car (?:journeys?|rides?|trips?)|long flights?|on (?:a )?planes?|plane (?:journeys?|rides?|"
        r"trips?)|cinema|theatre|at (?:my|a|the|her|his) desk|office chair|prolonged sitting|commut(?:e|es|ing))\b",
        "sitting",
        veto_after(
            r"(?:[\s-]?ups?|\s*(?:me|you|him|her|us|them)\s+(?:mad|crazy|nuts|insane|up the "
            r"wall))\b"
        ),
    ),
    rule(
        r"\b(?:jump|jumps|jumping|jumped|box jumps?|plyo(?:metrics?|s)?|hop|hops|hopping|hopped|skipping|"
        r"skip rope|jump rope|bounding|rebounding)\b",
        "jumping",
        any_veto(
            veto_after(r"\s*(?:in|into|on|out|off|over|to)\s+(?:the\s+)?(?:car|bus|train|shower|queue)\b"),
            veto_after(r"\s*(?:breakfast|lunch|dinner|meals?|school|class|work|the|it|to conclusions)\b"),
        ),
    ),
    # Landing from a jump; "the landing" is part of a staircase.
    rule(
        r"\b(?:landings?|(?:when|as|after|if|once) (?:i |you )?land(?:s|ed|ing)?|landed (?:from|after|on)|"
        r"land(?:ing)? from)\b",
        "jumping",
        veto_before(r"\b(?:the|a|stair|stairs|on|at)"),
    ),
    rule(
        r"\b(?:walk|walks|walking|walked|hike|hikes|hiking|hiked|trek|treks|trekking|hill ?walking|strolls?|"
        r"strolling|rambling|dog walks?|every step|\d[\d,.]*\s*k?\s+steps|steps a day|on my feet)\b",
        "walking",
        veto_after(r"[\s-]?in\b(?! the)"),
    ),
    rule(
        r"\b(?:kneel|kneels|kneeling|knelt|kneeled|on all fours|praying|genuflect\w*|(?:get|gets|getting|got|go|"
        r"going|went|be|being|down|time|working|work|when|while|spend|spending|am|i'?m) on (?:my|both|all|your) "
        r"(?:knees|fours))\b",
        "kneeling",
    ),
    rule(
        r"\b(?:turning|turn|turns|pivot|pivots|pivoting|pivoted|changing directions?|change (?:of )?directions?|"
        r"changes of direction|direction changes?|side[\s-]?to[\s-]?side|cutting|sidestep\w*|side[\s-]step\w*|"
        r"zig[\s-]?zag\w*|twisting|agility|lateral (?:movements?|shuffles?|moves)|quick turns?|twist(?:s)? on it|"
        r"(?:when|if|i) cut(?:s|ting)?(?! (?:my|myself|down|back|out|it|the|a))|"
        r"side[\s-]?cuts?)\b",
        "changing_direction",
        any_veto(_turn_is_not_a_movement, veto_after(r"\s*(?:down|back|out|it out)\b")),
    ),
    rule(
        r"\b(?:sports?|sporting|basketball|football|soccer|futsal|5[\s-]a[\s-]side|five[\s-]a[\s-]side|tennis|"
        r"netball|rugby|hockey|squash|badminton|volleyball|handball|lacrosse|cricket|baseball|softball|golf|"
        r"padel|pickleball|afl|gaelic|hurling|camogie|skiing|ski|snowboarding|martial arts|karate|judo|"
        r"taekwondo|bjj|jiu[\s-]?jitsu|boxing|kickboxing|mma|dancing|dance|ballet|gymnastics|ultimate frisbee|"
        r"frisbee|surfing|rock climbing|bouldering|crossfit|american football|ice skating|skating)\b",
        "sport",
        veto_after(r"\s*(?:bra|shop|drink|massage|physio|injur\w*|science)\b"),
    ),
)
_FINE_AFTER = re.compile(
    r"^\s*(?:is|are|'s|s|seems?|feels?|was|were|itself)?\s*(?:totally|all|completely|usually|generally|always|"
    r"actually|pretty|perfectly|mostly)?\s*(?:fine|ok|okay|alright|all right|no problem|not a problem|no issue|"
    r"painless|pain[\s-]free|easy|good|great|comfortable|no bother|doesn'?t (?:hurt|bother)|don'?t (?:hurt|bother)|"
    r"never hurts?)\b"
)


def _activity_value(raw: str) -> Optional[str]:
    value = raw.strip().lower().replace(" ", "_")
    if value in ACTIVITIES:
        return value
    hits = _activity_hits(normalise(raw).text)
    return hits[0].value if hits else None


def _activity_hits(text: str) -> List[Hit]:
    hits = []
    for hit in find(_ACTIVITY_RULES, text):
        if is_negated(text, hit.start):
            continue
        if _FINE_AFTER.match(after(text, hit.end, 60)):
            continue  # "walking is fine"
        hits.append(hit)
    return hits


def _unique_in_order(values: Iterable[str]) -> List[str]:
    seen: List[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def activities_in(norm: MappedText, entities: Any, exclude: Sequence[Tuple[int, int]] = ()) -> List[str]:
    text_hits = [hit for hit in _activity_hits(norm.text) if all(hit.end <= s or hit.start >= e for s, e in exclude)]
    merged = merge(norm, text_hits, entity_hits(entities, "activity", _activity_value))
    return _unique_in_order(hit.value for hit in merged)


@never_raises(list)
def parse_activities(text: Any, entities: Any = ()) -> List[str]:
    """Activities that bring the pain on, in the order mentioned, each once."""
    return activities_in(normalise(text), entities)
