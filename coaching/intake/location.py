"""Which knee (left, right, both) and where on it (front, inside, outside, back, whole)."""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from language.text import MappedText

from coaching.intake.mentions import Hit, find, is_negated, last_mentioned, rule
from coaching.intake.reading import after, before, never_raises, normalise, short_answer, word_before, words

SIDES = ("left", "right", "both")
KNEE_LOCATIONS = ("front", "inside", "outside", "back", "whole")

_LIMB = r"(?:knee|knees|kneecap|leg|legs|side|sides|one|ones|limb)"


# A side of another body part: "left ankle", "right handed".
_OTHER_BODY_PART = re.compile(
    r"[\s-]*(?:foot|feet|ankles?|hips?|shoulders?|arms?|hands?|handed|elbows?|wrists?|heels?|toes?|calf|calves|"
    r"hamstrings?|quads?|thighs?|shins?|glutes?|eyes?|ears?|lungs?|ribs?|buttock|bum|achilles|big toe)\b"
)


def _side_word_context(text: str, match: "re.Match[str]") -> Tuple[Optional[bool], str, str]:
    """What the words around "left"/"right" settle on their own: (veto or None, word before, rest)."""
    prev = word_before(text, match.start())
    rest = after(text, match.end())
    if _OTHER_BODY_PART.match(rest):
        return True, prev, rest  # "right ankle": a side of something else
    if re.match(rf"[\s-]*{_LIMB}\b", rest) or prev in ("the", "my", "on", "his", "her", "their", "your", "its"):
        return False, prev, rest  # "left knee", "my right": a side
    return None, prev, rest


def _right_is_not_a_side(text: str, match: "re.Match[str]") -> bool:
    decided, prev, rest = _side_word_context(text, match)
    if decided is not None:
        return decided
    if re.search(
        r"\b(?:all|that'?s|thats|that is|you'?re|youre|you are|is that|am i|alright|sounds|exactly|"
        r"about|yeah|yes|ok|okay)[\s,]*$",
        before(text, match.start()),
    ):
        return True
    return bool(
        re.match(
            r"\s*(?:now|away|after|afterwards|before|when|then|there|here|at|from|into|through|up|down|off|behind|"
            r"under|underneath|below|above|over|next|as|in|inside|outside|on|around|across|along|by|to|back|"
            r"where|until|till|thing|answer|wrong|angle|angles|hand side\b(?=\s*of\b))\b",
            rest,
        )
    ) or bool(re.match(r"\s*\?", rest) and re.search(r",\s*$", before(text, match.start())))


def _left_is_not_a_side(text: str, match: "re.Match[str]") -> bool:
    decided, prev, rest = _side_word_context(text, match)
    if decided is not None:
        return decided
    if prev in (
        "i",
        "i've",
        "ive",
        "we",
        "you",
        "he",
        "she",
        "they",
        "have",
        "has",
        "had",
        "got",
        "get",
        "gets",
        "getting",
        "been",
        "being",
        "be",
        "nothing",
        "anything",
        "something",
        "everything",
        "any",
        "some",
        "none",
        "was",
        "were",
        "what's",
        "whats",
        "much",
        "little",
        "weeks",
        "days",
        "months",
        "still",
    ):
        return True
    return bool(
        re.match(
            r"\s*(?:it|work|home|school|the house|over|alone|untreated|behind|out|off|for|me|them|"
            r"him|her|us|early|unchecked|to)\b",
            rest,
        )
    )


def _single_letter_side(text: str, match: "re.Match[str]") -> bool:
    """Veto for "l"/"r": only a side when it is the whole answer or names a knee ("L knee")."""
    rest = after(text, match.end())
    if re.match(rf"[\s-]*{_LIMB}\b", rest):
        return False
    others = [w for w in words(text) if w not in ("the", "my", "its", "it's", "one", "knee", "side", "um", "erm")]
    return len(others) != 1


SIDE_RULES = (
    rule(
        r"\b(?:both|each|two|either)\s+(?:of\s+)?(?:my\s+|the\s+)?(?:knees|sides|legs|knee|side|leg|of them|"
        r"ones)\b",
        "both",
    ),
    rule(
        r"\b(?:left\s*(?:and|&|\+|n|/)\s*right|right\s*(?:and|&|\+|n|/)\s*left)\b(?!\s*(?:\d|was|is|were|"
        r"knee was|knee is)\b)",
        "both",
    ),
    rule(
        r"\bbilateral(?:ly)?\b|\bboth\b(?=\s*(?:[.!?,]|$|really|equally|the same|hurt|are|of|i think|"
        r"probably|tbh|honestly|sides?|but|though|tho|although|except|with the|more or less|pretty much))",
        "both",
    ),
    rule(r"\bleft\b", "left", _left_is_not_a_side),
    rule(r"\bright\b", "right", _right_is_not_a_side),
    rule(r"\b(?:lhs|left[- ]hand(?: side)?)\b", "left"),
    rule(r"\b(?:rhs|right[- ]hand(?: side)?)\b", "right"),
    rule(r"(?<![\w'])l(?![\w'])", "left", _single_letter_side),
    rule(r"(?<![\w'])r(?![\w'])", "right", _single_letter_side),
)


def _side_value(raw: str) -> Optional[str]:
    value = raw.strip().lower()
    if value in SIDES:
        return value
    hits = find(SIDE_RULES, normalise(raw).text)
    return hits[-1].value if hits else None


# "... is fine", "... is ok": the side or place that does NOT hurt.
_IS_FINE = re.compile(
    r"^\s*(?:knee|one|side|leg|bit|part)?\s*(?:is|'s|s|seems?|feels?|was|are)\s*(?:totally|all|completely|"
    r"usually|pretty|perfectly|absolutely)?\s*(?:fine|ok|okay|alright|all right|good|great|normal|pain[\s-]?free|"
    r"not (?:sore|painful|bad|affected))\b|^\s*(?:knee|one|side|leg)?\s*(?:doesn'?t|does not|never) (?:hurt|ache)"
)
# "both but the left is worse": the side named after "both" only says which is worse.
_WORSE_AFTER = re.compile(
    r"^\s*(?:knee|one|side|leg)?\s*(?:is|'s|s|being|a)?\s*(?:a bit |slightly |much |way |a lot |definitely |"
    r"a little |probably |bit )?(?:worse|more|the worst|worst|more painful|sorer|badder|a bit more)\b"
)


def _side_hits(norm: MappedText) -> List[Hit]:
    text = norm.text
    hits: List[Hit] = []
    for hit in find(SIDE_RULES, text):
        following = after(text, hit.end, 50)
        if is_negated(text, hit.start) or _IS_FINE.match(following):
            continue
        if (
            hit.value != "both"
            and any(h.value == "both" for h in hits)
            and (
                _WORSE_AFTER.match(following)
                or re.search(
                    r"\b(?:mostly|mainly|more|especially|particularly|worse on)\s+(?:the\s+|my\s+)?$",
                    before(text, hit.start, 25),
                )
            )
        ):
            continue
        hits.append(hit)
    return hits


@never_raises(lambda: None)
def parse_side(text: Any, entities: Any = ()) -> Optional[str]:
    """left | right | both, the last side mentioned winning ("left... no wait, right" -> right)."""
    return last_mentioned(text, entities, "side", _side_hits, _side_value)


_MOVING = frozenset(
    """
    run running ran runs jog jogging walk walking walked walks go going went play playing played train training
    trained exercise exercising cycle cycling ride riding be being time sit sitting work working hike hiking
    eat eating stay stayed staying get getting outside inside there here kids dog sport sports
""".split()
)


def _place_in_world(text: str, match: "re.Match[str]") -> bool:
    """Veto "outside"/"inside"/"everywhere" used about places ("I run outside", "walk everywhere")."""
    if word_before(text, match.start()) in _MOVING:
        return True
    return bool(
        re.match(
            r"\s*(?:of\s+(?:work|school|the (?:house|gym|office)|a (?:week|month|day))|the (?:house|"
            r"gym|office|car)|on (?:a|the) treadmill|in the (?:cold|rain)|again)\b",
            after(text, match.end()),
        )
    )


def _not_about_the_knee(text: str, match: "re.Match[str]") -> bool:
    """Veto "front of the TV", "at the back of my heel": a body-unrelated object follows "of"."""
    follow = re.match(r"\s+of\s+(?:the\s+|my\s+|a\s+|your\s+|it\b)?\s*([a-z]+)?", after(text, match.end()))
    if not follow:
        return False
    word = follow.group(1)
    return bool(word) and word not in (
        "knee",
        "knees",
        "kneecap",
        "kneecaps",
        "leg",
        "legs",
        "joint",
        "left",
        "right",
        "patella",
        "it",
    )


def _lateral_movement(text: str, match: "re.Match[str]") -> bool:
    if re.match(r"\s*(?:movements?|moves|shuffles?|lunges?|steps?|raises?|work)\b", after(text, match.end())):
        return True
    return _place_in_world(text, match)


_LOCATION_RULES = (
    # Around / under / behind the kneecap is front-of-knee pain.
    rule(
        r"\b(?:knee[\s-]?caps?|kneecaps?|patell(?:a|ae|ar)|patellofemoral|pfps|patellar tendon|jumper'?s knee|"
        r"osgood(?:[\s-]schlatter)?|anterior|tibial tuberosity)\b",
        "front",
    ),
    rule(r"\ball (?:a)?round (?:the |my )?(?:knee[\s-]?cap|kneecap|patella)\b", "front"),
    rule(r"\bfront(?:al)?\b", "front", _not_about_the_knee),
    rule(r"\b(?:top|below|beneath) (?:of )?(?:the |my )?knee\b(?!\s*cap)", "front"),
    rule(
        r"\b(?:inside|inner|medial|inward side|mcl|pes anserine|pes anserinus|goose ?foot|middle side)\b",
        "inside",
        _place_in_world,
    ),
    rule(r"\b(?:outside|outer|it ?band|itb|itbs|iliotibial|lcl)\b", "outside", _place_in_world),
    rule(r"\blateral\b", "outside", _lateral_movement),
    rule(
        r"\b(?:behind|back of|back side of|backside of|rear of|back part of)\s+(?:the\s+|my\s+|your\s+)?"
        r"(?:left\s+|right\s+)?(?:knees?|legs?|it|the joint)\b",
        "back",
    ),
    rule(
        r"\b(?:popliteal|posterior|knee ?pit|pit of (?:the |my )?knee|baker'?s cyst|back of (?:the |my )?knee|"
        r"hamstring tendons?)\b",
        "back",
    ),
    rule(r"\b(?:at|on|round|around|to|towards|near)\s+the\s+(?:back|rear)\b", "back", _not_about_the_knee),
    rule(
        r"\b(?:all over|everywhere|whole (?:knee|thing|joint|area|of it|of the knee|of my knee|kneecap)|"
        r"entire (?:knee|joint|thing|area)|all (?:a)?round|all of it|the whole|diffuse|generalised|generalized)\b",
        "whole",
        _place_in_world,
    ),
)


def _location_value(raw: str) -> Optional[str]:
    value = raw.strip().lower()
    if value in KNEE_LOCATIONS:
        return value
    hits = _location_hits(normalise(raw))
    return hits[-1].value if hits else None


def _location_hits(norm: MappedText) -> List[Hit]:
    text = norm.text
    hits = [
        hit
        for hit in find(_LOCATION_RULES, text)
        if not is_negated(text, hit.start) and not _IS_FINE.match(after(text, hit.end, 50))
    ]
    # "whole kneecap" is front pain; the "whole" rule saw the kneecap first.
    hits = [
        Hit(h.start, h.end, "front") if h.value == "whole" and "kneecap" in text[h.start : h.end] else h for h in hits
    ]
    if not hits:
        said = words(text)
        if short_answer(said, "back", "behind", "rear"):
            hits = [Hit(0, len(text), "back")]
        elif short_answer(said, "under", "below", "cap"):
            hits = [Hit(0, len(text), "front")]
    return hits


@never_raises(lambda: None)
def parse_knee_location(text: Any, entities: Any = ()) -> Optional[str]:
    """front | inside | outside | back | whole; the last place mentioned wins."""
    return last_mentioned(text, entities, "knee_location", _location_hits, _location_value)
