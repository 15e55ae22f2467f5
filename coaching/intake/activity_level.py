"""How active the person is: sedentary, light, active or athlete; the highest level the answer supports.

What they do now counts, not what they used to ("used to compete but now I
barely walk"); how often comes from "gym 3x a week", "run twice a week".
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Sequence

from language.numbers import count_value

from coaching.intake.mentions import Hit, Rule, any_veto, find, is_negated, rule, veto_after, veto_before
from coaching.intake.reading import after, before, never_raises, normalise

ACTIVITY_LEVELS = ("sedentary", "light", "active", "athlete")

_LEVEL_RANK = {level: rank for rank, level in enumerate(ACTIVITY_LEVELS)}
_EXERCISE = (
    r"(?:train|training|trains|gym|work ?out|workout|exercise|run|running|runs|jog|jogging|play|playing|"
    r"cycle|cycling|ride|swim|swimming|lift|lifting|sport|football|tennis|netball|basketball|rugby|"
    r"hockey|classes|crossfit|box|boxing|climb|climbing|dance|dancing|row|rowing|ski|skiing|spin|"
    r"squash|badminton|volleyball|martial arts|karate|judo|bjj|hiit|parkrun|bike|biking)"
)
_PER_WEEK = re.compile(
    rf"(?:\b(?P<what>{_EXERCISE}|walk|walks|walking|hike|hiking|yoga|pilates)\b(?P<gap>(?:\s+[a-z]+){{0,2}}?)\s+)?"
    r"(?P<n>(?<!\d)\d{1,3}(?!\d)|once|twice|thrice|one|two|three|four|five|six|seven|a couple of|couple of|a few|"
    r"few|several)\s*"
    r"(?:-\s*(?P<n2>\d{1,3})\s*)?(?:x|times?|days?|sessions?|nights?|mornings?|evenings?)?\s*"
    r"(?:a|per|/|each|every|in a)"
    r"\s*(?P<per>week|wk|day|month)\b"
)
_LIGHT_EXERCISE = re.compile(r"\b(?:walk|walks|walking|hike|hiking|yoga|pilates|stretch\w*)\b")
_HURTING = re.compile(r"\b(?:hurts?|hurting|pain\w*|sore|aches?|aching|swell\w*|flares?|twinges?|kills?)\b")


def _frequency_level(match: "re.Match[str]") -> Optional[str]:
    """Level from "gym 3x a week" / "run twice a week" / "twice a week at the gym".

    The exercise must be named right next to the frequency: in "it hurts 3 times a
    week when running" the frequency is about the pain.
    """
    text = match.string
    what = match.group("what")
    if what and _HURTING.search(match.group("gap") or ""):
        what = None
    if not what:
        if _HURTING.search(re.split(r"[.!?;,\n]", before(text, match.start(), 30))[-1]):
            return None  # "it hurts 3 times a week when running"
        follow = re.match(
            rf"\s*(?:at the |of |doing |to the |on the )?(?:[a-z]+\s+)?({_EXERCISE}|walk\w*|hik\w*|"
            r"yoga|pilates)\b",
            after(text, match.end(), 30),
        )
        what = follow.group(1) if follow else None
    if not what:
        return None
    if _LIGHT_EXERCISE.fullmatch(what):
        return "light"
    count = count_value(match.group("n")) or 0.0
    if match.group("n2"):
        count = max(count, count_value(match.group("n2")) or 0.0)
    per = match.group("per")
    if per == "day":
        count *= 7
    elif per == "month":
        count /= 4.3
    if count >= 6:
        return "athlete"
    if count >= 2:
        return "active"
    return "light"


_LEVEL_RULES_STRICT = (
    rule(
        r"\bnot\s+(?:very|that|really|particularly|overly|super|too|at all|hugely|massively|especially)?\s*"
        r"(?:active|sporty|fit)\b|\b(?:inactive|sedentary|couch potato|unfit|out of shape|no exercise|"
        r"(?:do|does)n'?t (?:really |do )?(?:exercise|do (?:any|much) (?:exercise|sport)|work ?out|do sport)|"
        r"never (?:exercise|work ?out|do (?:any )?sport)|(?:do|does) not (?:exercise|work ?out)|no sports?|"
        r"don'?t do (?:any|much)(?: exercise| sport| activity)?|not much exercise|"
        r"i (?:sit|am sat|'m sat|am sitting|'m sitting) (?:down )?(?:at a desk )?(?:all day|most of the day)|"
        r"barely (?:move|exercise|walk)|used to be active)\b",
        "sedentary",
    ),
    rule(
        r"\b(?:i'?m|i am) an? (?:keen |avid |regular |big |casual |recreational )?(?:runner|jogger|cyclist|swimmer|"
        r"footballer|climber|rower|gym[\s-]?goer|hiker|dancer|tennis player|netball player)\b|"
        r"(?<![\d.])\d{1,3}\s*(?:miles|mi|km|kms|k)\s*(?:a|per|/|each)\s*week\b",
        "active",
    ),
    rule(
        r"\b(?:desk job|office job|office worker|work (?:at|from) (?:a )?(?:desk|home|computer)|sit at a desk|"
        r"(?:work|job)(?: is| involves)? (?:mostly )?sitting)\b",
        "sedentary",
    ),
    rule(
        r"\b(?:walk (?:a bit|a little|sometimes|occasionally|the dog|now and then|here and there)|(?:just|only|"
        r"mainly|mostly) walk(?:ing)?|walk(?:ing)? the dog|dog walks?|occasional(?:ly)? (?:exercise|walks?|gym|"
        r"yoga|run|jog|swim)|light(?:ly)? (?:exercise|active|activity)|gentle (?:exercise|walks?|activity)|"
        r"(?:a )?(?:bit|little) (?:active|of exercise)|yoga|pilates|tai chi|moderately active|somewhat active|"
        r"fairly sedentary|semi[\s-]active|not (?:super|very|that) fit|averagely active|on my feet (?:all day|a lot)|"
        r"physical job|manual (?:job|work|labou?r))\b",
        "light",
    ),
    rule(
        r"\b(?:(?:pretty|quite|fairly|reasonably|very|really|super|relatively|decently|extremely|highly|"
        r"generally|always)\s+(?:active|fit|sporty)|physically active|keep (?:myself )?(?:fit|active)|"
        r"(?:exercise|train|work ?out|go to the gym|run)\s+(?:regularly|a lot|most days|often|loads|a fair bit)|"
        r"regular (?:exercise|exerciser|gym(?:[\s-]goer)?|runner)|gym (?:goer|rat|regular|bunny)|"
        r"(?:on a|in a|for a|sunday league|weekend) "
        r"(?:team|league)|(?:play|plays|playing) (?:for fun|socially|casually|recreationally|on (?:the )?weekends?|"
        r"sunday league)|active)\b",
        "active",
    ),
    rule(
        r"\b(?:compete|competes|competing|competitive(?:ly)?|competitions?|race|races|racing|marathon training|"
        r"training for (?:a |an )?(?:marathon|half|ultra|ironman|triathlon|race|competition)|marathons|ultras?|"
        r"ultra[\s-]?marathons?|ironman|triathlons?|triathlete|athlete|elite|professional(?:ly)?|pro\b|"
        r"semi[\s-]?pro|(?:club|county|national|international|state|regional|varsity|college|university|uni|"
        r"high|elite|academy|first[\s-]team)[\s-]level(?! of)|at a (?:high|decent|good|competitive) level|"
        r"varsity|college (?:team|athlete)|academy|first team|scholarship|olympi\w+|train (?:every day|daily|twice a "
        r"day|6 days|six days|7 days|seven days)|training (?:every day|daily|twice a day|6 days|six days)|"
        r"every day (?:training|i train)|play (?:for|at) (?:a |the )?(?:club|county|national|high|semi|"
        r"university|uni|college|school team))\b",
        "athlete",
        any_veto(
            veto_before(
                r"\b(?:human|rat|arms|space|mixed|(?:heart|mind|thoughts?|pulse)(?:\s+(?:is|was|are|"
                r"were|'s|s|keeps|kept|started|starts|starting|begins|began|just))*)"
            ),
            veto_after(r"\s*(?:car|horse|condition|relations|track on tv)\b"),
        ),
    ),
    Rule(_PER_WEEK, _frequency_level, None),
)
# Bare exercise words, only trusted when the whole answer is about activity level.
_LEVEL_RULES_LOOSE = _LEVEL_RULES_STRICT + (
    rule(
        r"\b(?:gym|i run|runner|running|jogging|football|soccer|tennis|netball|basketball|rugby|hockey|cycling|"
        r"swimming|lift(?:ing)?(?: weights)?|weights|crossfit|hiit|bootcamp|spin classes|classes|sports?|"
        r"work ?out|exercise|play \w+|fit)\b",
        "active",
    ),
    rule(
        r"\b(?:walk|walks|walking|i walk|hike|hiking|moderately|moderate|somewhat|a (?:little|bit)|"
        r"some)\b",
        "light",
    ),
    rule(r"\b(?:personal trainer|pt|coach|fitness instructor|instructor|parkruns?|5ks?|10ks?)\b", "active"),
    rule(
        r"\b(?:nothing|none|not really|not much|no|nope|lazy|hardly (?:any|ever)|not (?:a lot|much)|"
        r"(?:sit|sat|sitting) (?:down )?(?:all day|most of the day))\b",
        "sedentary",
    ),
    rule(r"\b(?:occasional(?:ly)?|now and (?:then|again)|every now and then|average|stretching|gardening)\b", "light"),
    rule(r"\b(?:most days|several times a week|a few times a week)\b", "active"),
)
_PAST = re.compile(
    r"\b(?:used to|i was|i were|back in|in my (?:youth|twenties|teens|day)|years ago|before (?:the|my) "
    r"(?:injury|pain|kids|op|operation)|when i was (?:younger|a kid|at school)|previously|formerly|"
    r"once upon)\b"
)


def level_hits(text: str, loose: bool) -> List[Hit]:
    rules = _LEVEL_RULES_LOOSE if loose else _LEVEL_RULES_STRICT
    hits = []
    for hit in find(rules, text):
        if hit.value == "sedentary" or not is_negated(text, hit.start):
            hits.append(hit)
    # "train every day": daily exercise, named right before it ("gym everyday", "cycle to work every day").
    for match in re.finditer(
        rf"\b(?P<what>{_EXERCISE}|walk|walks|walking|yoga|stretch\w*)\b(?P<gap>(?:\s+[a-z]+){{0,3}}?)"
        r"\s+(?:every ?day|daily|each day|twice a day)\b",
        text,
    ):
        if _HURTING.search(match.group("gap")):
            continue
        if _LIGHT_EXERCISE.fullmatch(match.group("what")):
            level = "light"
        elif re.search(r"\bto (?:and from )?(?:work|school|uni|college|the office)\b", match.group("gap")):
            level = "active"  # commuting
        else:
            level = "athlete"
        hits.append(Hit(match.start(), match.end(), level))
    current = []
    for hit in sorted(hits, key=lambda h: h.start):
        clause = re.split(r"[.!?;\n]|\bbut\b|\bnow\b|\bthese days\b|\bnowadays\b", before(text, hit.start, 80))[-1]
        if _PAST.search(clause) and hit.value != "sedentary":
            continue  # "used to compete but now I barely walk"
        current.append(hit)
    return current


def level_from_hits(hits: Sequence[Hit]) -> Optional[str]:
    if not hits:
        return None
    return max((hit.value for hit in hits), key=lambda level: _LEVEL_RANK[level])


@never_raises(lambda: None)
def parse_activity_level(text: Any) -> Optional[str]:
    """sedentary | light | active | athlete; the highest level the answer supports."""
    return level_from_hits(level_hits(normalise(text).text, loose=True))
