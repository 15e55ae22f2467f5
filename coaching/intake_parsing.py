"""Turning chat answers into normalised intake values.

The intake asks which knee hurts, where, how much, for how long, how it
started, what makes it worse, how active the person is and the results of two
self-tests (knee-to-wall and single-leg squat). People answer the way they
chat: typos ("stiars", "rite"), slang ("dunno", "footy"), several facts in one
message and corrections ("left... no wait, right"). Every function here takes
the raw message and, where Rasa extracts them, its entities, and returns a
normalised value or None when the message does not say.

Rules shared by all parsers:

* Entities are only a hint: the text is always parsed as well, because the
  classifier misses entities. A valid entity wins over the text for the span
  it covers; a mention the classifier missed still counts.
* Mentions that are negated ("not the left", "doesn't hurt when running") are
  ignored; after a correction ("actually", "no wait", "sorry, I mean") only what
  follows counts.
* Nothing here raises: a bug is logged and the function returns its "nothing
  found" value, so the conversation goes on and the bot simply asks again.

`UNKNOWN` is what callers store when `is_dont_know` says the person does not
know or skipped the question; call the value parser first, since "not sure,
maybe the left" still names a side.
"""
from __future__ import annotations

import functools
import logging
import math
import re
from functools import lru_cache
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import spacy

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"

# Longer messages are cut (the input guard already sends anything over
# input_checks.MAX_MESSAGE_CHARS to the fallback); keeps every parser fast.
MAX_PARSE_CHARS = 5000

SIDES = ("left", "right", "both")
KNEE_LOCATIONS = ("front", "inside", "outside", "back", "whole")
ACTIVITIES = ("running", "stairs", "squatting", "cycling", "sitting", "jumping", "walking", "kneeling",
              "changing_direction", "sport")
ACTIVITY_LEVELS = ("sedentary", "light", "active", "athlete")
ONSETS = ("sudden", "gradual")
HIP_CHECK_RESULTS = ("pelvis_drop", "knee_caves_in", "both", "normal")

PAIN_SCORE_MIN, PAIN_SCORE_MAX = 0, 10
DAYS_PER_WEEK, DAYS_PER_MONTH, DAYS_PER_YEAR = 7.0, 30.0, 365.0
CM_PER_INCH = 2.54
# A knee-to-wall distance beyond this is not a plausible measurement in cm.
MAX_WALL_DISTANCE_CM = 30.0

# Slot names used by extract_intake_facts.
SLOT_SIDE = "knee_side"
SLOT_LOCATION = "knee_location"
SLOT_PAIN_SCORE = "pain_score"
SLOT_DURATION = "pain_duration_days"
SLOT_ONSET = "pain_onset"
SLOT_ACTIVITIES = "aggravating_activities"
SLOT_ACTIVITY_LEVEL = "activity_level"


# --------------------------------------------------------------------------- #
# Safety net
# --------------------------------------------------------------------------- #

def _never_raises(default: Callable[[], Any]):
    """Log a parsing bug and return the "nothing found" value instead of raising."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception:  # noqa: BLE001 - a parser bug must not end the conversation
                logger.exception("intake parsing failed in %s", func.__name__)
                return default()

        return wrapper

    return decorate


# --------------------------------------------------------------------------- #
# Normalising the text
# --------------------------------------------------------------------------- #

@lru_cache(maxsize=1)
def _tokenizer():
    return spacy.blank("en").tokenizer


# One character for one character, so positions map back to the original text.
_CHAR_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u2033": '"', "\u201e": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ", "\u2026": ".",
}

# Slang and typos too short or too irregular for the fuzzy match below.
_WORD_FIXES = {
    "lft": "left", "lef": "left", "letf": "left", "lfet": "left", "leftt": "left", "lefft": "left",
    "lwft": "left", "keft": "left",
    "rite": "right", "rigth": "right", "rihgt": "right", "rght": "right", "riht": "right", "rigt": "right",
    "righ": "right", "ryt": "right", "rgt": "right", "rigjt": "right", "roght": "right", "rught": "right",
    "rigght": "right",
    "nee": "knee", "kne": "knee", "knie": "knee", "knea": "knee", "kneee": "knee", "nees": "knees",
    "kness": "knees", "kneez": "knees", "neez": "knees",
    "runnin": "running", "runing": "running", "jogin": "jogging", "joggin": "jogging", "walkin": "walking",
    "jumpin": "jumping", "sittin": "sitting", "siting": "sitting", "kneelin": "kneeling",
    "squattin": "squatting", "squating": "squatting", "cyclin": "cycling", "bikin": "biking",
    "hikin": "hiking", "turnin": "turning", "drivin": "driving",
    "bball": "basketball", "footy": "football", "footie": "football",
    "yday": "yesterday", "yest": "yesterday", "2day": "today", "tmrw": "tomorrow",
    "hurtz": "hurts", "hutrs": "hurts", "hrts": "hurts", "paine": "pain", "pian": "pain",
    "excercise": "exercise", "exersize": "exercise", "exercize": "exercise", "excersize": "exercise",
    "thx": "thanks", "cavd": "caved", "caived": "caved", "cavred": "caved", "dipt": "dipped",
}

# Canonical words that misspellings (one typo away) are corrected to.
_FUZZY_KEYWORDS = (
    "stairs", "staircase", "running", "jogging", "sprinting", "squats", "squatting", "crouching", "lunges",
    "cycling", "biking", "bicycle", "kneeling", "walking", "hiking", "jumping", "sitting", "driving",
    "turning", "pivoting", "twisting", "basketball", "football", "netball", "tennis", "volleyball",
    "badminton", "hockey", "rugby", "soccer", "cricket", "kneecap", "kneecaps", "patella", "gradually",
    "gradual", "suddenly", "sudden", "outside", "inside", "lateral", "medial", "everywhere", "twisted",
    "injured", "yesterday", "fortnight", "weeks", "months", "years", "exercise", "active", "sedentary",
    "marathon", "compete", "competitive", "dropped", "caved", "inwards", "collapsed", "pelvis",
    "remember", "centimetres", "centimeters", "inches", "millimetres", "millimeters", "behind",
)
# Real English words one typo away from a keyword; they are left alone.
_NEAR_MISS_WORDS = frozenset("""
    stains stars stirs stair ruining springing squads squat lounges lungs lunge baking biding bikini biting
    kneeing kneel kneels kneed wacking waking walling wanking hiding hiring setting shitting sifting slitting
    spitting deriving diving tuning turing piloting foosball hickey hokey honkey hotkey paella sadden
    outsider insider insides outsides literal medal media median medias medical menial twister insured
    inured injure weeds weeps moths mouths month yearn yearns yeard exorcise complete compute competes
    competed dripped dropper caged caked caned caped cared carved cased craved caves innards inward itches
    inched incher patellar pelvic behinds tenner compte
""".split())
_FUZZY_MIN_LEN = 5


def _one_edit_apart(a: str, b: str) -> bool:
    """True if b is a with one substitution, insertion, deletion or swap of neighbours."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


@lru_cache(maxsize=4096)
def _corrected_word(word: str) -> Optional[str]:
    fixed = _WORD_FIXES.get(word)
    if fixed:
        return fixed if fixed != word else None
    if len(word) < _FUZZY_MIN_LEN or word in _NEAR_MISS_WORDS or word in _FUZZY_KEYWORDS:
        return None
    for keyword in _FUZZY_KEYWORDS:
        if word.startswith(keyword):
            continue  # another form of the word ("marathons", "bicycles"), which the patterns spell out
        # Typos rarely change the first letter; requiring it avoids e.g. talking -> walking.
        if keyword[0] == word[0] and _one_edit_apart(word, keyword):
            return keyword
    return None


class _Norm:
    """Lower-cased, typo-corrected text with a map back to positions in the original."""

    __slots__ = ("text", "origin", "length")

    def __init__(self, raw: Any):
        if raw is None:
            raw = ""
        elif not isinstance(raw, str):
            raw = str(raw)
        raw = raw[:MAX_PARSE_CHARS]
        self.length = len(raw)
        chars: List[str] = []
        origin: List[int] = []
        for i, char in enumerate(raw):
            char = (_CHAR_MAP.get(char, char).lower() or " ")[0]
            if char.isspace():
                # Runs of spaces become one (a newline if the run has one): keeps the regexes linear.
                char = "\n" if char == "\n" else " "
                if chars and chars[-1] in " \n":
                    if char == "\n":
                        chars[-1] = "\n"
                    continue
            # "sooooo", "weeeeks": runs of three or more letters become two.
            if char.isalpha() and len(chars) >= 2 and chars[-1] == char and chars[-2] == char:
                continue
            chars.append(char)
            origin.append(i)
        squeezed = "".join(chars)
        out: List[str] = []
        out_origin: List[int] = []
        pos = 0
        for token in _tokenizer()(squeezed):
            word = token.text
            if not word.isalpha():
                continue
            fixed = _corrected_word(word)
            if not fixed:
                continue
            out.append(squeezed[pos:token.idx])
            out_origin.extend(origin[pos:token.idx])
            out.append(fixed)
            out_origin.extend(origin[token.idx + min(k, len(word) - 1)] for k in range(len(fixed)))
            pos = token.idx + len(word)
        out.append(squeezed[pos:])
        out_origin.extend(origin[pos:])
        self.text = "".join(out)
        self.origin = out_origin

    def span(self, start: int, end: int) -> Tuple[int, int]:
        """Position in the original text of text[start:end]."""
        if not self.origin:
            return 0, 0
        start = min(max(start, 0), len(self.origin) - 1)
        last = min(max(end - 1, start), len(self.origin) - 1)
        return self.origin[start], self.origin[last] + 1


@lru_cache(maxsize=256)
def _norm(text: Any) -> _Norm:
    return _Norm(text)


def _normalise(text: Any) -> _Norm:
    if isinstance(text, str) or text is None:
        return _norm(text)
    return _Norm(text)


def _words(text: str) -> List[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


# --------------------------------------------------------------------------- #
# Finding mentions
# --------------------------------------------------------------------------- #

class _Hit(NamedTuple):
    start: int  # position in the normalised text (or the original, once merged)
    end: int
    value: Any


class _Rule(NamedTuple):
    pattern: "re.Pattern[str]"
    value: Any
    veto: Optional[Callable[[str, "re.Match[str]"], bool]] = None


def _rule(pattern: str, value: Any, veto: Optional[Callable[[str, "re.Match[str]"], bool]] = None) -> _Rule:
    return _Rule(re.compile(pattern), value, veto)


def _find(rules: Sequence[_Rule], text: str) -> List[_Hit]:
    """All non-overlapping rule matches, the longest winning where they overlap, in text order."""
    found = []
    for rule in rules:
        for match in rule.pattern.finditer(text):
            if match.end() == match.start() or (rule.veto and rule.veto(text, match)):
                continue
            value = rule.value(match) if callable(rule.value) else rule.value
            if value is not None:
                found.append(_Hit(match.start(), match.end(), value))
    found.sort(key=lambda hit: (-(hit.end - hit.start), hit.start))
    kept: List[_Hit] = []
    taken = bytearray(len(text) + 1)
    for hit in found:
        if not any(taken[hit.start:hit.end]):
            kept.append(hit)
            taken[hit.start:hit.end] = b"\x01" * (hit.end - hit.start)
    kept.sort(key=lambda hit: hit.start)
    return kept


def _before(text: str, pos: int, chars: int = 40) -> str:
    return text[max(0, pos - chars):pos]


def _after(text: str, pos: int, chars: int = 40) -> str:
    return text[pos:pos + chars]


_NEGATORS = frozenset({"not", "never", "nor", "neither", "isnt", "dont", "doesnt", "didnt", "wasnt", "arent",
                       "aint", "hasnt", "havent", "wont", "no", "without"})
_CAN_NOT = frozenset({"can't", "cant", "cannot", "couldn't", "couldnt"})
# Words that may stand between a negator and what it negates.
_NEGATION_GAP = frozenset("""
    the my on in at of a an side part area bit really just from around to is it its it's s knee knees one
    that this so very much any or really actually at all i me have has get feel felt notice noticed
    hurt hurts hurting pain painful ache aches aching sore bother bothers bothering problem problems issue
    issues affect affected when while with during doing do does go going
""".split())


def _is_negated(text: str, start: int, allow_cannot: bool = True) -> bool:
    """Is the mention starting at `start` negated ("not the left", "doesn't hurt when running")?"""
    before = re.split(r"[.!?;\n]|\bbut\b|\bexcept\b|\bjust\b|\bonly\b", _before(text, start, 60))[-1]
    words = re.findall(r"[a-z]+(?:'[a-z]+)?", before)
    skip = 0  # "didn't fall or twist it": the negation reaches over an earlier item of the list
    for word in reversed(words[-9:]):
        plain = word.replace("'", "")
        if word in ("or", "nor"):
            skip = 3
            continue
        if word.endswith("n't") or plain in _NEGATORS:
            if word == "no" and not re.search(r"\bno\s+(?:pain|problems?|issues?|trouble|ache|hurt)", before):
                return False  # "left... no wait, right"
            if not allow_cannot and word in _CAN_NOT:
                return False  # "can't run" names running as the problem
            return True
        if word not in _NEGATION_GAP:
            if skip:
                skip -= 1
                continue
            return False
    return False


_CORRECTION = re.compile(
    r"\b(?:actually|wait|sorry|i mean|i meant|correction|scratch that|make (?:that|it)|or rather|rather|"
    r"oops|my bad|on second thoughts?|more like|no no)\b|\bno\b(?=[\s,.!-]*(?:\d|more|it'?s|i |wait|"
    r"actually|sorry|make|zero|one|two|three|four|five|six|seven|eight|nine|ten|left|right|both)\b)"
)


def _after_last_correction(text: str, hits: Sequence[_Hit]) -> List[_Hit]:
    """Drop every hit that a later correction ("6, no actually 8") overrides."""
    kept: List[_Hit] = []
    for hit in hits:
        if kept and _CORRECTION.search(text, kept[-1].end, hit.start):
            kept = []
        kept.append(hit)
    return kept


def _entity_items(entities: Any, kind: str) -> List[Tuple[Optional[int], Optional[int], str]]:
    """(start, end, value) of well-formed entities of one type; malformed ones are skipped."""
    items = []
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


def _merge(norm: _Norm, text_hits: Sequence[_Hit], entity_hits: Sequence[_Hit]) -> List[_Hit]:
    """Text hits (normalised positions) and entity hits (original positions), in original positions.

    An entity replaces the text hits it overlaps; entities without a position
    count as the last thing said.
    """
    placed = [_Hit(*norm.span(hit.start, hit.end), hit.value) for hit in text_hits]
    far = norm.length + 1
    entities = [hit if hit.start is not None else _Hit(far, far, hit.value) for hit in entity_hits]
    placed = [hit for hit in placed
              if all(hit.end <= e.start or hit.start >= e.end for e in entities if e.start < far)]
    merged = placed + entities
    merged.sort(key=lambda hit: (hit.start, hit.end))
    return merged


def _entity_hits(entities: Any, kind: str, convert: Callable[[str], Any]) -> List[_Hit]:
    hits = []
    for start, end, raw in _entity_items(entities, kind):
        value = convert(raw)
        if value is not None:
            hits.append(_Hit(start, end, value))
    return hits


# --------------------------------------------------------------------------- #
# Side
# --------------------------------------------------------------------------- #

_LIMB = r"(?:knee|knees|kneecap|leg|legs|side|sides|one|ones|limb)"


def _word_before(text: str, pos: int) -> str:
    words = re.findall(r"[a-z]+(?:'[a-z]+)?", _before(text, pos, 30))
    return words[-1] if words else ""


# A side of another body part: "left ankle", "right handed".
_OTHER_BODY_PART = re.compile(
    r"[\s-]*(?:foot|feet|ankles?|hips?|shoulders?|arms?|hands?|handed|elbows?|wrists?|heels?|toes?|calf|calves|"
    r"hamstrings?|quads?|thighs?|shins?|glutes?|eyes?|ears?|lungs?|ribs?|buttock|bum|achilles|big toe)\b"
)


def _side_word_context(text: str, match: "re.Match[str]") -> Tuple[Optional[bool], str, str]:
    """What the words around "left"/"right" settle on their own: (veto or None, word before, rest)."""
    prev = _word_before(text, match.start())
    rest = _after(text, match.end())
    if _OTHER_BODY_PART.match(rest):
        return True, prev, rest  # "right ankle": a side of something else
    if re.match(rf"[\s-]*{_LIMB}\b", rest) or prev in ("the", "my", "on", "his", "her", "their", "your", "its"):
        return False, prev, rest  # "left knee", "my right": a side
    return None, prev, rest


def _right_is_not_a_side(text: str, match: "re.Match[str]") -> bool:
    decided, prev, rest = _side_word_context(text, match)
    if decided is not None:
        return decided
    if re.search(r"\b(?:all|that'?s|thats|that is|you'?re|youre|you are|is that|am i|alright|sounds|exactly|"
                 r"about|yeah|yes|ok|okay)[\s,]*$", _before(text, match.start())):
        return True
    return bool(re.match(
        r"\s*(?:now|away|after|afterwards|before|when|then|there|here|at|from|into|through|up|down|off|behind|"
        r"under|underneath|below|above|over|next|as|in|inside|outside|on|around|across|along|by|to|back|"
        r"where|until|till|thing|answer|wrong|angle|angles|hand side\b(?=\s*of\b))\b", rest)) or \
        bool(re.match(r"\s*\?", rest) and re.search(r",\s*$", _before(text, match.start())))


def _left_is_not_a_side(text: str, match: "re.Match[str]") -> bool:
    decided, prev, rest = _side_word_context(text, match)
    if decided is not None:
        return decided
    if prev in ("i", "i've", "ive", "we", "you", "he", "she", "they", "have", "has", "had", "got", "get", "gets",
                "getting", "been", "being", "be", "nothing", "anything", "something", "everything", "any", "some",
                "none", "was", "were", "what's", "whats", "much", "little", "weeks", "days", "months", "still"):
        return True
    return bool(re.match(r"\s*(?:it|work|home|school|the house|over|alone|untreated|behind|out|off|for|me|them|"
                         r"him|her|us|early|unchecked|to)\b", rest))


def _single_letter_side(text: str, match: "re.Match[str]") -> bool:
    """Veto for "l"/"r": only a side when it is the whole answer or names a knee ("L knee")."""
    rest = _after(text, match.end())
    if re.match(rf"[\s-]*{_LIMB}\b", rest):
        return False
    others = [w for w in _words(text) if w not in ("the", "my", "its", "it's", "one", "knee", "side", "um", "erm")]
    return len(others) != 1


_SIDE_RULES = (
    _rule(r"\b(?:both|each|two|either)\s+(?:of\s+)?(?:my\s+|the\s+)?(?:knees|sides|legs|knee|side|leg|of them|"
          r"ones)\b", "both"),
    _rule(r"\b(?:left\s*(?:and|&|\+|n|/)\s*right|right\s*(?:and|&|\+|n|/)\s*left)\b(?!\s*(?:\d|was|is|were|"
          r"knee was|knee is)\b)", "both"),
    _rule(r"\bbilateral(?:ly)?\b|\bboth\b(?=\s*(?:[.!?,]|$|really|equally|the same|hurt|are|of|i think|"
          r"probably|tbh|honestly|sides?|but|though|tho|although|except|with the|more or less|pretty much))", "both"),
    _rule(r"\bleft\b", "left", _left_is_not_a_side),
    _rule(r"\bright\b", "right", _right_is_not_a_side),
    _rule(r"\b(?:lhs|left[- ]hand(?: side)?)\b", "left"),
    _rule(r"\b(?:rhs|right[- ]hand(?: side)?)\b", "right"),
    _rule(r"(?<![\w'])l(?![\w'])", "left", _single_letter_side),
    _rule(r"(?<![\w'])r(?![\w'])", "right", _single_letter_side),
)


def _side_value(raw: str) -> Optional[str]:
    value = raw.strip().lower()
    if value in SIDES:
        return value
    hits = _find(_SIDE_RULES, _normalise(raw).text)
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


def _side_hits(norm: _Norm) -> List[_Hit]:
    text = norm.text
    hits = []
    for hit in _find(_SIDE_RULES, text):
        after = _after(text, hit.end, 50)
        if _is_negated(text, hit.start) or _IS_FINE.match(after):
            continue
        if hit.value != "both" and any(h.value == "both" for h in hits) and (
                _WORSE_AFTER.match(after)
                or re.search(r"\b(?:mostly|mainly|more|especially|particularly|worse on)\s+(?:the\s+|my\s+)?$",
                             _before(text, hit.start, 25))):
            continue
        hits.append(hit)
    return hits


@_never_raises(lambda: None)
def parse_side(text: Any, entities: Any = ()) -> Optional[str]:
    """left | right | both, the last side mentioned winning ("left... no wait, right" -> right)."""
    norm = _normalise(text)
    hits = _merge(norm, _side_hits(norm), _entity_hits(entities, "side", _side_value))
    return hits[-1].value if hits else None


# --------------------------------------------------------------------------- #
# Where on the knee
# --------------------------------------------------------------------------- #

_MOVING = frozenset("""
    run running ran runs jog jogging walk walking walked walks go going went play playing played train training
    trained exercise exercising cycle cycling ride riding be being time sit sitting work working hike hiking
    eat eating stay stayed staying get getting outside inside there here kids dog sport sports
""".split())


def _place_in_world(text: str, match: "re.Match[str]") -> bool:
    """Veto "outside"/"inside"/"everywhere" used about places ("I run outside", "walk everywhere")."""
    if _word_before(text, match.start()) in _MOVING:
        return True
    return bool(re.match(r"\s*(?:of\s+(?:work|school|the (?:house|gym|office)|a (?:week|month|day))|the (?:house|"
                         r"gym|office|car)|on (?:a|the) treadmill|in the (?:cold|rain)|again)\b",
                         _after(text, match.end())))


def _not_about_the_knee(text: str, match: "re.Match[str]") -> bool:
    """Veto "front of the TV", "at the back of my heel": a body-unrelated object follows "of"."""
    follow = re.match(r"\s+of\s+(?:the\s+|my\s+|a\s+|your\s+|it\b)?\s*([a-z]+)?", _after(text, match.end()))
    if not follow:
        return False
    word = follow.group(1)
    return bool(word) and word not in ("knee", "knees", "kneecap", "kneecaps", "leg", "legs", "joint", "left",
                                       "right", "patella", "it")


def _lateral_movement(text: str, match: "re.Match[str]") -> bool:
    if re.match(r"\s*(?:movements?|moves|shuffles?|lunges?|steps?|raises?|work)\b", _after(text, match.end())):
        return True
    return _place_in_world(text, match)


def _short_answer(words: Iterable[str], *wanted: str) -> bool:
    filler = {"the", "my", "at", "on", "in", "its", "it's", "it", "is", "of", "knee", "part", "bit", "a", "round",
              "around", "mostly", "mainly", "just", "um", "erm", "side", "area", "kind", "sort", "i", "think",
              "probably", "more", "towards", "toward"}
    rest = [w for w in words if w not in filler]
    return bool(rest) and all(w in wanted for w in rest)


_LOCATION_RULES = (
    # Around / under / behind the kneecap is front-of-knee pain.
    _rule(r"\b(?:knee[\s-]?caps?|kneecaps?|patell(?:a|ae|ar)|patellofemoral|pfps|patellar tendon|jumper'?s knee|"
          r"osgood(?:[\s-]schlatter)?|anterior|tibial tuberosity)\b", "front"),
    _rule(r"\ball (?:a)?round (?:the |my )?(?:knee[\s-]?cap|kneecap|patella)\b", "front"),
    _rule(r"\bfront(?:al)?\b", "front", _not_about_the_knee),
    _rule(r"\b(?:top|below|beneath) (?:of )?(?:the |my )?knee\b(?!\s*cap)", "front"),
    _rule(r"\b(?:inside|inner|medial|inward side|mcl|pes anserine|pes anserinus|goose ?foot|middle side)\b",
          "inside", _place_in_world),
    _rule(r"\b(?:outside|outer|it ?band|itb|itbs|iliotibial|lcl)\b", "outside", _place_in_world),
    _rule(r"\blateral\b", "outside", _lateral_movement),
    _rule(r"\b(?:behind|back of|back side of|backside of|rear of|back part of)\s+(?:the\s+|my\s+|your\s+)?"
          r"(?:left\s+|right\s+)?(?:knees?|legs?|it|the joint)\b", "back"),
    _rule(r"\b(?:popliteal|posterior|knee ?pit|pit of (?:the |my )?knee|baker'?s cyst|back of (?:the |my )?knee|"
          r"hamstring tendons?)\b", "back"),
    _rule(r"\b(?:at|on|round|around|to|towards|near)\s+the\s+(?:back|rear)\b", "back", _not_about_the_knee),
    _rule(r"\b(?:all over|everywhere|whole (?:knee|thing|joint|area|of it|of the knee|of my knee|kneecap)|"
          r"entire (?:knee|joint|thing|area)|all (?:a)?round|all of it|the whole|diffuse|generalised|generalized)\b",
          "whole", _place_in_world),
)


def _location_value(raw: str) -> Optional[str]:
    value = raw.strip().lower()
    if value in KNEE_LOCATIONS:
        return value
    hits = _location_hits(_normalise(raw))
    return hits[-1].value if hits else None


def _location_hits(norm: _Norm) -> List[_Hit]:
    text = norm.text
    hits = [hit for hit in _find(_LOCATION_RULES, text)
            if not _is_negated(text, hit.start) and not _IS_FINE.match(_after(text, hit.end, 50))]
    # "whole kneecap" is front pain; the "whole" rule saw the kneecap first.
    hits = [_Hit(h.start, h.end, "front") if h.value == "whole" and "kneecap" in text[h.start:h.end] else h
            for h in hits]
    if not hits:
        words = _words(text)
        if _short_answer(words, "back", "behind", "rear"):
            hits = [_Hit(0, len(text), "back")]
        elif _short_answer(words, "under", "below", "cap"):
            hits = [_Hit(0, len(text), "front")]
    return hits


@_never_raises(lambda: None)
def parse_knee_location(text: Any, entities: Any = ()) -> Optional[str]:
    """front | inside | outside | back | whole; the last place mentioned wins."""
    norm = _normalise(text)
    hits = _merge(norm, _location_hits(norm), _entity_hits(entities, "knee_location", _location_value))
    return hits[-1].value if hits else None


# --------------------------------------------------------------------------- #
# Numbers
# --------------------------------------------------------------------------- #

_NUMBER_WORDS = {
    "zero": 0, "nil": 0, "nought": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
_NUMBER_WORD_RE = "|".join(sorted((w for w in _NUMBER_WORDS if w != "none"), key=len, reverse=True))
# A number: optional minus, digits with an optional decimal part, or a number word.
_NUM = rf"(?:(?<![\w.,])-\s?)?(?:(?<![\w.,])\d{{1,7}}(?:[.,]\d{{1,3}})?(?![\d])|\b(?:{_NUMBER_WORD_RE})\b)"


def _to_number(raw: str) -> Optional[float]:
    raw = raw.strip().replace(" ", "")
    negative = raw.startswith("-")
    raw = raw.lstrip("-")
    if raw in _NUMBER_WORDS:
        value = float(_NUMBER_WORDS[raw])
    else:
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            return None
    if not math.isfinite(value):
        return None
    return -value if negative else value


# --------------------------------------------------------------------------- #
# Pain score
# --------------------------------------------------------------------------- #

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
_PAIN_SCALE_TEXT = re.compile(r"\bscale\b[^.\d]{0,20}(?:0|1|one|zero)\s*(?:-|to)\s*(?:10|ten)\b|"
                              r"\b(?:from|between)\s+(?:0|1|one|zero)\s*(?:-|to|and)\s*(?:10|ten)\b|"
                              r"(?<![\d.,/])(?:0|1)\s*(?:-|to)\s*10(?![\d.,]|\s*/)")
_PAIN_OUT_OF_TEN = re.compile(
    rf"(?P<a>{_NUM})(?:\s*(?:-|to|or)\s*(?P<b>{_NUM}))?\s*(?:/|out of|outta|of)\s*(?:10|ten)\b(?![.,]?\d)"
)
_PAIN_RANGE = re.compile(rf"(?:\bbetween\s+)?(?P<a>{_NUM})\s*(?:-|to|or|/|and)\s*(?P<b>{_NUM})")
_PAIN_SINGLE = re.compile(_NUM)
_NO_PAIN = re.compile(r"\b(?:no pain|pain[\s-]?free|painless|doesn'?t hurt(?: at all)?(?: right now| now| at the "
                      r"moment)?|not (?:in )?(?:any )?pain|nothing)\b")

# Tiers: how sure we are that a number is a pain score.
_OUT_OF_TEN, _PAIN_WORD, _APPROX, _BARE = 3, 2, 1, 0


class _Score(NamedTuple):
    start: int
    end: int
    value: float
    tier: int


def _number_is_other_quantity(text: str, start: int, end: int) -> bool:
    after = _after(text, end, 30)
    if re.match(r"[a-z]", after) and not after.startswith("ish"):
        return True  # "5k", "3x", "2nd", "1yr", "8cm"
    if _UNIT_AFTER.match(after):
        return True
    return bool(_VETO_BEFORE.search(_before(text, start, 20)))


def _tier(text: str, start: int) -> int:
    before = re.split(r"[.!?;\n]|\band\b|\bbut\b", _before(text, start, 40))[-1]
    if _PAIN_CUE.search(before):
        return _PAIN_WORD
    if _APPROX_BEFORE.search(before):
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
        values = [_to_number(match.group("a"))]
        if match.group("b"):
            values.append(_to_number(match.group("b")))
        values = [v for v in values if v is not None]
        if values:
            scores.append(_Score(match.start(), match.end(), max(values), _OUT_OF_TEN))
            taken.append(match.span())
    for match in _PAIN_RANGE.finditer(text):
        if not free(*match.span()) or _number_is_other_quantity(text, match.start(), match.end()):
            continue
        a, b = _to_number(match.group("a")), _to_number(match.group("b"))
        if a is None or b is None or not (0 <= a < b <= PAIN_SCORE_MAX and b - a <= 3):
            continue
        if "/" in match.group(0) and b != a + 1:
            continue  # "3/5" is a date or another scale, "6/7" is a range
        if re.search(r"\band\b", match.group(0)) and not match.group(0).startswith("between"):
            continue  # "6 and 7" only as "between 6 and 7"
        scores.append(_Score(match.start(), match.end(), b, _tier(text, match.start())))
        taken.append(match.span())
    message_words = _words(text)
    for match in _PAIN_SINGLE.finditer(text):
        if not free(*match.span()) or _number_is_other_quantity(text, match.start(), match.end()):
            continue
        raw = match.group(0)
        if raw.strip("- ") == "one" and len(message_words) > 2:
            continue  # "the left one"
        if re.search(r"/\s*$", _before(text, match.start(), 3)) or re.match(r"\s*/\s*\d", _after(text, match.end())):
            continue  # dates and other fractions
        value = _to_number(raw)
        if value is None:
            continue
        scores.append(_Score(match.start(), match.end(), value, _tier(text, match.start())))
    scores.sort(key=lambda score: score.start)
    return scores


def _choose_score(text: str, scores: Sequence[_Score]) -> Optional[float]:
    """After any correction, the highest candidate: when unsure, assume the worse pain."""
    hits = _after_last_correction(text, [_Hit(s.start, s.end, s.value) for s in scores])
    return max(hit.value for hit in hits) if hits else None


def _as_score(value: Optional[float]) -> Optional[int]:
    if value is None or not (PAIN_SCORE_MIN <= value <= PAIN_SCORE_MAX):
        return None
    return int(math.ceil(value - 1e-9))  # 6.5 -> 7: assume the worse


def _entity_pain(raw: str) -> Optional[float]:
    raw = raw.strip().lower()
    value = _to_number(raw)
    if value is None:
        value = _pain_from(raw, (), strict=False)
    return value


def _lower_original(text: Any) -> str:
    """The original text lower-cased character for character (positions unchanged)."""
    if text is None:
        return ""
    raw = (text if isinstance(text, str) else str(text))[:MAX_PARSE_CHARS]
    return "".join((char.lower() or " ")[0] for char in raw)


def _strict_scores(text: str, scores: Sequence[_Score]) -> List[_Score]:
    """Scores clear enough to take from a message that also says other things."""
    has_pain_word = bool(_PAIN_WORDS.search(text))
    return [s for s in scores
            if s.tier >= _PAIN_WORD
            or (s.tier == _APPROX and has_pain_word and re.search(r"\ban?\s*$", _before(text, s.start, 4)))]


def _pain_from(text: Any, entities: Any, strict: bool) -> Optional[float]:
    norm = _normalise(text)
    scores = _pain_candidates(norm.text)
    if strict:
        scores = _strict_scores(norm.text, scores)
    text_hits = [_Hit(s.start, s.end, s.value) for s in scores]
    entity_hits = []
    original = _lower_original(text)
    for start, end, raw in _entity_items(entities, "pain_score"):
        value = _entity_pain(raw)
        if value is None or not (PAIN_SCORE_MIN <= value <= PAIN_SCORE_MAX):
            continue  # an invalid entity: the text decides
        if end is not None and _UNIT_AFTER.match(original[end:end + 30]):
            continue  # the classifier tagged the "3" of "3 weeks"
        entity_hits.append(_Hit(start, end, value))
    if not entity_hits:
        value = _choose_score(norm.text, scores)
        no_pain = None if strict else _NO_PAIN.search(norm.text)
        if value is None and no_pain and not _is_negated(norm.text, no_pain.start()):
            return 0.0
        return value
    chosen = _after_last_correction(original, _merge(norm, text_hits, entity_hits))
    return max(hit.value for hit in chosen) if chosen else None


@_never_raises(lambda: None)
def parse_pain_score(text: Any, entities: Any = ()) -> Optional[int]:
    """0-10 from "6/10", "about a 7", "seven", "6-7" (-> 7); None if there is none or it is out of range."""
    return _as_score(_pain_from(text, entities, strict=False))


@_never_raises(lambda: False)
def pain_score_out_of_range(text: Any) -> bool:
    """True when the answer gives a number that can't be a 0-10 score ("11/10", "15", "-2")."""
    value = _pain_from(text, (), strict=False)
    return value is not None and not (PAIN_SCORE_MIN <= value <= PAIN_SCORE_MAX)


# --------------------------------------------------------------------------- #
# Duration
# --------------------------------------------------------------------------- #

_UNIT_DAYS = (
    (r"(?:hours?|hrs?|hr)", 1 / 24),
    (r"(?:days?|dys?|dayz)", 1.0),
    (r"(?:weeks?|weks?|wks?|wk)", DAYS_PER_WEEK),
    (r"(?:fortnights?)", 14.0),
    (r"(?:months?|mnths?|mths?|mnth|mth|monts?|mos?|mon)", DAYS_PER_MONTH),
    (r"(?:years?|yrs?|yr|yeras?|yeasr|yaers?)", DAYS_PER_YEAR),
)
# Single-letter units, only straight after digits ("3w", "2d", "1y").
_SHORT_UNITS = {"h": 1 / 24, "d": 1.0, "w": DAYS_PER_WEEK, "m": DAYS_PER_MONTH, "y": DAYS_PER_YEAR}
_UNIT = "(?P<unit>" + "|".join(pattern for pattern, _ in _UNIT_DAYS) + r")\b"
_VAGUE_COUNTS = {"a": 1, "an": 1, "one": 1, "a single": 1, "a couple of": 2, "a couple": 2, "couple of": 2,
                 "couple": 2, "a few": 3, "few": 3, "several": 4, "a number of": 3}
_COUNT = (rf"(?:(?<![\w.,])\d{{1,4}}(?:[.,]\d{{1,2}})?(?![\d])|\b(?:{_NUMBER_WORD_RE})\b|"
          r"\b(?:a couple of|a couple|couple of|couple|a few|few|several|a single|a number of|an|a)\b)")
_DURATION = re.compile(
    rf"(?P<q1>{_COUNT})(?:\s*(?:-|to|or|/)\s*(?P<q2>{_COUNT}))?(?P<half1>\s+and\s+a\s+half)?"
    rf"\s*(?:\+\s*)?(?:-\s*)?{_UNIT}"
    r"(?P<half2>\s+and\s+a\s+half)?(?P<or_more>\s+or\s+(?P<q3>two|three|four|so|more|\d))?"
)
_DURATION_SHORT = re.compile(r"(?<![\w.,])(?P<q1>\d{1,4}(?:[.,]\d{1,2})?)(?P<unit>[hdwmy])\b")
_HALF_A = re.compile(rf"\bhalf\s+(?:a|an)\s+{_UNIT}")
_SINCE_LAST = re.compile(r"\b(?:since\s+)?(?:last|past)\s+(?P<unit>week|month|year|fortnight)\b|"
                         r"\b(?:since|from)\s+(?:a\s+)?(?P<unit2>week|month|year|fortnight)\s+ago\b")
_RECENT = (
    (re.compile(r"\b(?:since\s+)?(?:yesterday|last night)\b"), 1.0),
    (re.compile(r"\b(?:since|started|began|from|just)\s+(?:this morning|today|earlier today|this afternoon)\b|"
                r"^\W*(?:today|this morning|earlier today)\W*$"), 0.5),
    (re.compile(r"\b(?:since|started|began|from)\s+(?:the\s+)?(?:day before yesterday)\b"), 2.0),
)
# "3 times a week", "5 days a week", "twice a day": how often, not how long.
_FREQUENCY = re.compile(
    rf"(?:\b(?:{_NUMBER_WORD_RE}|once|twice|thrice|a few|several|a couple of|couple of)\b|(?<!\d)\d{{1,4}}(?!\d))"
    r"\s*(?:x|times?|days?|"
    r"sessions?|nights?|runs?|hours?|hrs?|mins?|minutes?)?\s*(?:a|an|per|each|every|/|in a)\s*(?:day|week|wk|"
    r"month|year|fortnight)\b|\b(?:every|each|per)\s+(?:other\s+)?(?:\d{1,3}\s+)?(?:day|week|wk|month|year|"
    r"fortnight)s?\b|\b(?:times?|x)\s+(?:a|per)\s+(?:day|week|month)\b|\b(?:once|twice|thrice)\s+(?:a|per)\b"
)
_AGE = re.compile(r"(?<!\d)\d{1,3}\s*(?:-\s*)?(?:years?|yrs?|yr|y)\s*(?:-\s*)?old\b|(?<!\d)\d{1,3}\s*y/?o\b|"
                  r"\baged?\s+\d{1,3}|\b\d{1,3}(?:th|st|nd|rd)?\s+birthday\b")
_PAIN_VERBS = frozenset({"hurting", "aching", "bothering", "niggling", "going", "throbbing", "happening", "killing",
                         "troubling", "playing", "swelling", "clicking", "giving", "grinding", "feeling", "having"})


def _count_value(raw: Optional[str]) -> Optional[float]:
    if raw is None:
        return None
    raw = raw.strip()
    if raw in _VAGUE_COUNTS:
        return float(_VAGUE_COUNTS[raw])
    return _to_number(raw)


def _unit_days(unit: str) -> Optional[float]:
    for pattern, days in _UNIT_DAYS:
        if re.fullmatch(pattern, unit):
            return days
    return _SHORT_UNITS.get(unit)


def _not_a_complaint_duration(text: str, match: "re.Match[str]") -> bool:
    """Veto "in 3 weeks" (future), "running for 10 years", "3 weeks after the race"."""
    before = _before(text, match.start(), 40)
    if re.search(r"\b(?:in|within|next|another|every|per|each)\s*$", before):
        return True
    if re.search(r"\b(?:will|'ll|going to|gonna|plan(?:ning)? to|holiday|vacation|away|off work|off sick)\b"
                 r"(?:\W+\w+){0,3}\W*$", before):
        return True  # "I'll be away for 2 weeks"
    for_match = re.search(r"\b([a-z']+)\s+(?:for|since)\s+(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+|the\s+"
                          r"(?:past|last)\s+)?$", before)
    if for_match and for_match.group(1).endswith("ing") and for_match.group(1) not in _PAIN_VERBS:
        return True
    after = _after(text, match.end(), 30)
    return bool(re.match(r"\s*(?:after|later|before|of (?:running|training|football|playing|sport|cycling|"
                         r"physio|walking|work)|in a row|old\b|until|till|from now|time\b|-?\s*old\b)", after))


def _duration_hits(text: str) -> List[_Hit]:
    blocked = [m.span() for m in _FREQUENCY.finditer(text)] + [m.span() for m in _AGE.finditer(text)]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in blocked)

    def quantity(match: "re.Match[str]") -> Optional[float]:
        if not free(*match.span()) or _not_a_complaint_duration(text, match):
            return None
        days = _unit_days(match.group("unit"))
        counts = [_count_value(match.group("q1"))]
        if match.groupdict().get("q2"):
            counts.append(_count_value(match.group("q2")))
        counts = [c for c in counts if c is not None and c >= 0]
        if days is None or not counts:
            return None
        count = max(counts)  # "2-3 weeks": the longer, assume the more persistent problem
        if match.groupdict().get("half1") or match.groupdict().get("half2"):
            count += 0.5
        more = match.groupdict().get("q3")
        if more and more not in ("so", "more"):
            more_count = _count_value(more)
            count = max(count, more_count or count)  # "a week or two"
        q1 = match.group("q1").strip()
        if q1 in ("a", "an", "one") and _unit_days(match.group("unit")) == 1.0 and re.match(
                r"\s*,?\s*(?:it|i|my|the|when|while|after|out|something|this|that|he|she|we|last|playing|at|"
                r"during|in|on)\b", _after(text, match.end())):
            return None  # "one day it just went" tells how it started, not how long ago
        if match.group("unit").endswith("s") and q1 in ("a", "an"):
            return None  # "a weeks" is noise
        return count * days

    def half(match: "re.Match[str]") -> Optional[float]:
        days = _unit_days(match.group("unit"))
        return 0.5 * days if days and free(*match.span()) else None

    rules = [
        _Rule(_DURATION, quantity),
        _Rule(_DURATION_SHORT, quantity),
        _Rule(_HALF_A, half),
        _Rule(_SINCE_LAST, lambda m: _unit_days(m.group("unit") or m.group("unit2"))),
    ] + [_Rule(pattern, days) for pattern, days in _RECENT]
    return _find(rules, text)


def _duration_value(raw: str) -> Optional[float]:
    hits = _duration_hits(_normalise(raw).text)
    return max(hit.value for hit in hits) if hits else None


def _pick_duration(text: str, hits: Sequence[_Hit]) -> Optional[float]:
    """After any correction, the longest: "started 3 months ago, worse the last 2 weeks" -> 90."""
    hits = _after_last_correction(text, hits)
    return float(max(hit.value for hit in hits)) if hits else None


@_never_raises(lambda: None)
def parse_duration_days(text: Any, entities: Any = ()) -> Optional[float]:
    """How long the pain has lasted, in days ("3 weeks" -> 21, "half a year" -> 182.5); None if unclear."""
    norm = _normalise(text)
    merged = _merge(norm, _duration_hits(norm.text), _entity_hits(entities, "duration", _duration_value))
    return _pick_duration(_lower_original(text), merged)


# --------------------------------------------------------------------------- #
# Onset
# --------------------------------------------------------------------------- #

def _popped_somewhere(text: str, end: int) -> bool:
    """True for "popped to the shops": an errand, not an injury."""
    return bool(re.match(r"\s*(?:to|into|in|round|over|by|down|up|off|out to)\b(?!\s*(?:place|and out))",
                         _after(text, end)))


_SLOW = r"(?:slowly|slow|gradually|steadily|progressively)"
_ONSET_RULES = (
    _rule(r"\b(?:suddenly|sudden(?:ly)?|all of a sudden|out of (?:nowhere|the blue)|overnight|"
          r"(?:came on|started|began|happened) (?:\w+ )?(?:instantly|immediately|right away|straight away)|"
          r"in one moment|(?:after|from|with) (?:a|the|my) (?:fall|crash|tackle|collision|accident|slip|trip|knock|"
          r"impact)|fell(?! (?:asleep|in love|behind|through|apart|for|out with))|fallen|falling over|tripped|slipped|"
          r"twisted|twist(?:ed)? (?:it|my knee)|injured|(?:after|from|since|during) (?:a|an|the|my) (?:\w+ )?injury|"
          r"sprained|strained|tore|torn|landed (?:badly|awkwardly|wrong|funny)|"
          r"bad landing|awkward landing|one day,? (?:it|i)(?: just \w+)?|"
          r"(?:started|began|came on)(?: hurting)? one day|"
          r"woke up (?:with it|and it|one day)|"
          r"hit (?:it|my knee)|banged|bashed|knocked|whacked|jarred|gave way|heard a (?:pop|crack|snap)|felt a "
          r"(?:pop|snap|crack|twinge)|pop(?:ped)?|snapped|collided|tackled)\b", "sudden", None),
    _rule(r"\b(?:gradually|gradual|slowly|over time|crept up|creeping|creep(?:ing|s)? up|built up|building up|"
          rf"build up|builds up|came on {_SLOW}|come on {_SLOW}|bit by bit|little by little|(?:got|getting|gets|"
          r"grew|growing) (?:worse|bad|worse) and (?:worse|bad)|worse and worse|progressively|increasingly|"
          r"(?:got|getting|gets|became|becoming|grew|growing|been) (?:slowly |gradually |steadily )?worse over|"
          r"worse over (?:time|the|weeks|months|a)|kept (?:getting|on getting) worse|slow (?:onset|build|burn)|"
          r"over (?:the |a )?(?:few |couple of |several |last |past )?(?:weeks|months|years)|no (?:real |"
          r"specific |particular )?(?:injury|incident|trauma)|(?:started|began) (?:off )?(?:as )?(?:a |an )?(?:small |"
          r"little |mild |slight |bit of (?:a |an )?)?(?:niggle|twinge|ache|discomfort|tightness)|niggle that|"
          r"just crept|wear and tear|overuse)\b",
          "gradual", None),
)


def _onset_hits(text: str) -> List[_Hit]:
    hits = []
    for hit in _find(_ONSET_RULES, text):
        matched = text[hit.start:hit.end]
        if matched in ("slowly", "creeping", "progressively", "increasingly") and not re.search(
                r"\b(?:came|come|comes|started|start|starts|began|got|get|gets|getting|built|building|worse|"
                r"developed|crept|over|increased|on|grew|growing|and)\s+\w*\s*$", _before(text, hit.start, 25)) \
                and not re.match(r"\s+(?:got|getting|gets|get|worse|built|building|came|come|started|crept|over|"
                                 r"increas\w*)\b", _after(text, hit.end)) and not _short_answer(_words(text), matched):
            continue  # "I walk slowly" is not how the pain started
        if matched in ("pop", "popped") and _popped_somewhere(text, hit.end):
            continue  # "popped to the shops"
        if _is_negated(text, hit.start):
            continue
        hits.append(hit)
    return hits


@_never_raises(lambda: None)
def parse_onset(text: Any) -> Optional[str]:
    """sudden | gradual (the last one said, ignoring negated ones: "not suddenly, more gradually" -> gradual)."""
    hits = _onset_hits(_normalise(text).text)
    return hits[-1].value if hits else None


# --------------------------------------------------------------------------- #
# Aggravating activities
# --------------------------------------------------------------------------- #

def _veto_after(pattern: str) -> Callable[[str, "re.Match[str]"], bool]:
    compiled = re.compile(pattern)
    return lambda text, match: bool(compiled.match(_after(text, match.end())))


def _veto_before(pattern: str) -> Callable[[str, "re.Match[str]"], bool]:
    compiled = re.compile(pattern + r"\s*$")
    return lambda text, match: bool(compiled.search(_before(text, match.start())))


def _any_veto(*vetoes: Callable[[str, "re.Match[str]"], bool]) -> Callable[[str, "re.Match[str]"], bool]:
    return lambda text, match: any(veto(text, match) for veto in vetoes)


def _turn_is_not_a_movement(text: str, match: "re.Match[str]") -> bool:
    word = match.group(0)
    after = _after(text, match.end())
    if re.match(r"\s*(?:out|up|off|into|to (?:you|me)|on the (?:light|tv|telly)|over in bed|\d|forty|fifty|"
                r"sixty|thirty)\b", after):
        return True
    if word in ("turn", "turns"):
        return not (re.match(r"\s*(?:quickly|fast|sharply|suddenly|around|round|on (?:it|my|the)|corners?|"
                             r"direction)", after)
                    or re.search(r"\b(?:sharp|quick|fast|tight|sudden|when i|if i|making|make|i|to)\s*$",
                                 _before(text, match.start())))
    return False


_ACTIVITY_RULES = (
    _rule(r"\b(?:run|runs|running|ran|jog|jogs|jogging|jogged|sprint|sprints|sprinting|sprinted|treadmill|"
          r"marathons?|half marathons?|parkruns?|trail runs?|long runs?|runner)\b", "running",
          _any_veto(_veto_after(r"\s*(?:out|late|into (?:trouble|problems)|down\b(?!\s+(?:the\s+)?(?:stairs|hills?|"
                                r"steps))|in the family)\b"),
                    _veto_before(r"\bin the long"), _veto_before(r"\b(?:runny|feeling|bit|a bit)"))),
    _rule(r"\b(?:stairs?|staircases?|stairwells?|steps|step[\s-]?ups?|step[\s-]?downs?|stepping (?:up|down|off)|"
          r"upstairs|downstairs|flights? of stairs|escalators?|kerbs?|curbs?|stair ?masters?|steppers?|"
          r"step machines?)\b",
          "stairs",
          _veto_before(r"(?:\d[\d,.]*\s*k?|\bthousand|\bmy|\bcount(?:ing)?|\bfew|\bbaby|\bnext|\bthese|\bthe next)")),
    _rule(r"\bstares\b", "stairs", _veto_before(r"\b(?:he|she|it|who|everyone|people|just|blank|long|cold|"
                                                 r"hard|that|dog|cat)")),
    _rule(r"\b(?:squats?|squatting|squatted|squatts|crouch|crouches|crouching|crouched|lunges?|lunging|leg press|"
          r"pistol squats?|bending down|bend down|bend(?:ing)? (?:it|my knees?|the knees?|over)|deep knee bends?|"
          r"knee bends?|getting up (?:from|off|out of) (?:a |the |my )?(?:chair|floor|sofa|couch|toilet|seat|low)|"
          r"getting out of (?:a |the )?(?:chair|car)|standing up from (?:a |the )?(?:chair|sitting)|deadlifts?)\b",
          "squatting"),
    _rule(r"\b(?:cycle|cycles|cycling|cycled|cyclist|bike|bikes|biking|biked|bicycles?|spin(?:ning)? class(?:es)?|"
          r"spin bikes?|spinning|spin sessions?|pelotons?|turbo trainer|exercise bike|stationary bike|bike rides?|"
          r"cycle rides?)\b", "cycling",
          _veto_before(r"\b(?:motor|menstrual|period|sleep|washing|life|spin|head|room|dirt|quad|vicious)")),
    _rule(r"\b(?:sit|sits|sitting|seated|sat (?:down|for|at|in|still|on|with|around)|long drives?|driving|"
          r"drives?|car (?:journeys?|rides?|trips?)|long flights?|on (?:a )?planes?|plane (?:journeys?|rides?|"
          r"trips?)|cinema|theatre|at (?:my|a|the|her|his) desk|office chair|prolonged sitting|commut(?:e|es|ing))\b",
          "sitting", _veto_after(r"(?:[\s-]?ups?|\s*(?:me|you|him|her|us|them)\s+(?:mad|crazy|nuts|insane|up the "
                                 r"wall))\b")),
    _rule(r"\b(?:jump|jumps|jumping|jumped|box jumps?|plyo(?:metrics?|s)?|hop|hops|hopping|hopped|skipping|"
          r"skip rope|jump rope|bounding|rebounding)\b", "jumping",
          _any_veto(_veto_after(r"\s*(?:in|into|on|out|off|over|to)\s+(?:the\s+)?(?:car|bus|train|shower|queue)\b"),
                    _veto_after(r"\s*(?:breakfast|lunch|dinner|meals?|school|class|work|the|it|to conclusions)\b"))),
    # Landing from a jump; "the landing" is part of a staircase.
    _rule(r"\b(?:landings?|(?:when|as|after|if|once) (?:i |you )?land(?:s|ed|ing)?|landed (?:from|after|on)|"
          r"land(?:ing)? from)\b", "jumping", _veto_before(r"\b(?:the|a|stair|stairs|on|at)")),
    _rule(r"\b(?:walk|walks|walking|walked|hike|hikes|hiking|hiked|trek|treks|trekking|hill ?walking|strolls?|"
          r"strolling|rambling|dog walks?|every step|\d[\d,.]*\s*k?\s+steps|steps a day|on my feet)\b", "walking",
          _veto_after(r"[\s-]?in\b(?! the)")),
    _rule(r"\b(?:kneel|kneels|kneeling|knelt|kneeled|on all fours|praying|genuflect\w*|(?:get|gets|getting|got|go|"
          r"going|went|be|being|down|time|working|work|when|while|spend|spending|am|i'?m) on (?:my|both|all|your) "
          r"(?:knees|fours))\b", "kneeling"),
    _rule(r"\b(?:turning|turn|turns|pivot|pivots|pivoting|pivoted|changing directions?|change (?:of )?directions?|"
          r"changes of direction|direction changes?|side[\s-]?to[\s-]?side|cutting|sidestep\w*|side[\s-]step\w*|"
          r"zig[\s-]?zag\w*|twisting|agility|lateral (?:movements?|shuffles?|moves)|quick turns?|twist(?:s)? on it|"
          r"(?:when|if|i) cut(?:s|ting)?(?! (?:my|myself|down|back|out|it|the|a))|"
          r"side[\s-]?cuts?)\b",
          "changing_direction",
          _any_veto(_turn_is_not_a_movement, _veto_after(r"\s*(?:down|back|out|it out)\b"))),
    _rule(r"\b(?:sports?|sporting|basketball|football|soccer|futsal|5[\s-]a[\s-]side|five[\s-]a[\s-]side|tennis|"
          r"netball|rugby|hockey|squash|badminton|volleyball|handball|lacrosse|cricket|baseball|softball|golf|"
          r"padel|pickleball|afl|gaelic|hurling|camogie|skiing|ski|snowboarding|martial arts|karate|judo|"
          r"taekwondo|bjj|jiu[\s-]?jitsu|boxing|kickboxing|mma|dancing|dance|ballet|gymnastics|ultimate frisbee|"
          r"frisbee|surfing|rock climbing|bouldering|crossfit|american football|ice skating|skating)\b", "sport",
          _veto_after(r"\s*(?:bra|shop|drink|massage|physio|injur\w*|science)\b")),
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
    hits = _activity_hits(_normalise(raw).text)
    return hits[0].value if hits else None


def _activity_hits(text: str) -> List[_Hit]:
    hits = []
    for hit in _find(_ACTIVITY_RULES, text):
        if _is_negated(text, hit.start, allow_cannot=False):
            continue
        if _FINE_AFTER.match(_after(text, hit.end, 60)):
            continue  # "walking is fine"
        hits.append(hit)
    return hits


def _unique_in_order(values: Iterable[str]) -> List[str]:
    seen: List[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _activities(norm: _Norm, entities: Any, exclude: Sequence[Tuple[int, int]] = ()) -> List[str]:
    text_hits = [hit for hit in _activity_hits(norm.text)
                 if all(hit.end <= s or hit.start >= e for s, e in exclude)]
    merged = _merge(norm, text_hits, _entity_hits(entities, "activity", _activity_value))
    return _unique_in_order(hit.value for hit in merged)


@_never_raises(list)
def parse_activities(text: Any, entities: Any = ()) -> List[str]:
    """Activities that bring the pain on, in the order mentioned, each once."""
    return _activities(_normalise(text), entities)


# --------------------------------------------------------------------------- #
# Activity level
# --------------------------------------------------------------------------- #

_LEVEL_RANK = {level: rank for rank, level in enumerate(ACTIVITY_LEVELS)}
_EXERCISE = (r"(?:train|training|trains|gym|work ?out|workout|exercise|run|running|runs|jog|jogging|play|playing|"
             r"cycle|cycling|ride|swim|swimming|lift|lifting|sport|football|tennis|netball|basketball|rugby|"
             r"hockey|classes|crossfit|box|boxing|climb|climbing|dance|dancing|row|rowing|ski|skiing|spin|"
             r"squash|badminton|volleyball|martial arts|karate|judo|bjj|hiit|parkrun|bike|biking)")
_FREQ_WORDS = {"once": 1, "twice": 2, "thrice": 3, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
               "seven": 7, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3, "several": 4}
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
        if _HURTING.search(re.split(r"[.!?;,\n]", _before(text, match.start(), 30))[-1]):
            return None  # "it hurts 3 times a week when running"
        follow = re.match(rf"\s*(?:at the |of |doing |to the |on the )?(?:[a-z]+\s+)?({_EXERCISE}|walk\w*|hik\w*|"
                          r"yoga|pilates)\b", _after(text, match.end(), 30))
        what = follow.group(1) if follow else None
    if not what:
        return None
    if _LIGHT_EXERCISE.fullmatch(what):
        return "light"
    raw = match.group("n")
    count = float(_FREQ_WORDS.get(raw, 0) or (_to_number(raw) or 0))
    if match.group("n2"):
        count = max(count, _to_number(match.group("n2")) or 0)
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
    _rule(r"\bnot\s+(?:very|that|really|particularly|overly|super|too|at all|hugely|massively|especially)?\s*"
          r"(?:active|sporty|fit)\b|\b(?:inactive|sedentary|couch potato|unfit|out of shape|no exercise|"
          r"(?:do|does)n'?t (?:really |do )?(?:exercise|do (?:any|much) (?:exercise|sport)|work ?out|do sport)|"
          r"never (?:exercise|work ?out|do (?:any )?sport)|(?:do|does) not (?:exercise|work ?out)|no sports?|"
          r"don'?t do (?:any|much)(?: exercise| sport| activity)?|not much exercise|"
          r"i (?:sit|am sat|'m sat|am sitting|'m sitting) (?:down )?(?:at a desk )?(?:all day|most of the day)|"
          r"barely (?:move|exercise|walk)|used to be active)\b", "sedentary"),
    _rule(r"\b(?:i'?m|i am) an? (?:keen |avid |regular |big |casual |recreational )?(?:runner|jogger|cyclist|swimmer|"
          r"footballer|climber|rower|gym[\s-]?goer|hiker|dancer|tennis player|netball player)\b|"
          r"(?<![\d.])\d{1,3}\s*(?:miles|mi|km|kms|k)\s*(?:a|per|/|each)\s*week\b", "active"),
    _rule(r"\b(?:desk job|office job|office worker|work (?:at|from) (?:a )?(?:desk|home|computer)|sit at a desk|"
          r"(?:work|job)(?: is| involves)? (?:mostly )?sitting)\b", "sedentary"),
    _rule(r"\b(?:walk (?:a bit|a little|sometimes|occasionally|the dog|now and then|here and there)|(?:just|only|"
          r"mainly|mostly) walk(?:ing)?|walk(?:ing)? the dog|dog walks?|occasional(?:ly)? (?:exercise|walks?|gym|"
          r"yoga|run|jog|swim)|light(?:ly)? (?:exercise|active|activity)|gentle (?:exercise|walks?|activity)|"
          r"(?:a )?(?:bit|little) (?:active|of exercise)|yoga|pilates|tai chi|moderately active|somewhat active|"
          r"fairly sedentary|semi[\s-]active|not (?:super|very|that) fit|averagely active|on my feet (?:all day|a lot)|"
          r"physical job|manual (?:job|work|labou?r))\b", "light"),
    _rule(r"\b(?:(?:pretty|quite|fairly|reasonably|very|really|super|relatively|decently|extremely|highly|"
          r"generally|always)\s+(?:active|fit|sporty)|physically active|keep (?:myself )?(?:fit|active)|"
          r"(?:exercise|train|work ?out|go to the gym|run)\s+(?:regularly|a lot|most days|often|loads|a fair bit)|"
          r"regular (?:exercise|exerciser|gym(?:[\s-]goer)?|runner)|gym (?:goer|rat|regular|bunny)|"
          r"(?:on a|in a|for a|sunday league|weekend) "
          r"(?:team|league)|(?:play|plays|playing) (?:for fun|socially|casually|recreationally|on (?:the )?weekends?|"
          r"sunday league)|active)\b", "active"),
    _rule(r"\b(?:compete|competes|competing|competitive(?:ly)?|competitions?|race|races|racing|marathon training|"
          r"training for (?:a |an )?(?:marathon|half|ultra|ironman|triathlon|race|competition)|marathons|ultras?|"
          r"ultra[\s-]?marathons?|ironman|triathlons?|triathlete|athlete|elite|professional(?:ly)?|pro\b|"
          r"semi[\s-]?pro|(?:club|county|national|international|state|regional|varsity|college|university|uni|"
          r"high|elite|academy|first[\s-]team)[\s-]level(?! of)|at a (?:high|decent|good|competitive) level|"
          r"varsity|college (?:team|athlete)|academy|first team|scholarship|olympi\w+|train (?:every day|daily|twice a "
          r"day|6 days|six days|7 days|seven days)|training (?:every day|daily|twice a day|6 days|six days)|"
          r"every day (?:training|i train)|play (?:for|at) (?:a |the )?(?:club|county|national|high|semi|"
          r"university|uni|college|school team))\b", "athlete",
          _any_veto(_veto_before(r"\b(?:human|rat|arms|space|mixed|(?:heart|mind|thoughts?|pulse)(?:\s+(?:is|was|are|"
                                 r"were|'s|s|keeps|kept|started|starts|starting|begins|began|just))*)"),
                    _veto_after(r"\s*(?:car|horse|condition|relations|track on tv)\b"))),
    _Rule(_PER_WEEK, _frequency_level, None),
)
# Bare exercise words, only trusted when the whole answer is about activity level.
_LEVEL_RULES_LOOSE = _LEVEL_RULES_STRICT + (
    _rule(r"\b(?:gym|i run|runner|running|jogging|football|soccer|tennis|netball|basketball|rugby|hockey|cycling|"
          r"swimming|lift(?:ing)?(?: weights)?|weights|crossfit|hiit|bootcamp|spin classes|classes|sports?|"
          r"work ?out|exercise|play \w+|fit)\b", "active"),
    _rule(r"\b(?:walk|walks|walking|i walk|hike|hiking|moderately|moderate|somewhat|a (?:little|bit)|"
          r"some)\b", "light"),
    _rule(r"\b(?:personal trainer|pt|coach|fitness instructor|instructor|parkruns?|5ks?|10ks?)\b", "active"),
    _rule(r"\b(?:nothing|none|not really|not much|no|nope|lazy|hardly (?:any|ever)|not (?:a lot|much)|"
          r"(?:sit|sat|sitting) (?:down )?(?:all day|most of the day))\b", "sedentary"),
    _rule(r"\b(?:occasional(?:ly)?|now and (?:then|again)|every now and then|average|stretching|gardening)\b",
          "light"),
    _rule(r"\b(?:most days|several times a week|a few times a week)\b", "active"),
)
_PAST = re.compile(r"\b(?:used to|i was|i were|back in|in my (?:youth|twenties|teens|day)|years ago|before (?:the|my) "
                   r"(?:injury|pain|kids|op|operation)|when i was (?:younger|a kid|at school)|previously|formerly|"
                   r"once upon)\b")


def _activity_level_hits(text: str, loose: bool) -> List[_Hit]:
    rules = _LEVEL_RULES_LOOSE if loose else _LEVEL_RULES_STRICT
    hits = []
    for hit in _find(rules, text):
        if hit.value == "sedentary" or not _is_negated(text, hit.start, allow_cannot=False):
            hits.append(hit)
    # "train every day": daily exercise, named right before it ("gym everyday", "cycle to work every day").
    for match in re.finditer(rf"\b(?P<what>{_EXERCISE}|walk|walks|walking|yoga|stretch\w*)\b(?P<gap>(?:\s+[a-z]+){{0,3}}?)"
                             r"\s+(?:every ?day|daily|each day|twice a day)\b", text):
        if _HURTING.search(match.group("gap")):
            continue
        if _LIGHT_EXERCISE.fullmatch(match.group("what")):
            level = "light"
        elif re.search(r"\bto (?:and from )?(?:work|school|uni|college|the office)\b", match.group("gap")):
            level = "active"  # commuting
        else:
            level = "athlete"
        hits.append(_Hit(match.start(), match.end(), level))
    current = []
    for hit in sorted(hits, key=lambda h: h.start):
        clause = re.split(r"[.!?;\n]|\bbut\b|\bnow\b|\bthese days\b|\bnowadays\b", _before(text, hit.start, 80))[-1]
        if _PAST.search(clause) and hit.value != "sedentary":
            continue  # "used to compete but now I barely walk"
        current.append(hit)
    return current


def _level_from_hits(hits: Sequence[_Hit]) -> Optional[str]:
    if not hits:
        return None
    return max((hit.value for hit in hits), key=lambda level: _LEVEL_RANK[level])


@_never_raises(lambda: None)
def parse_activity_level(text: Any) -> Optional[str]:
    """sedentary | light | active | athlete; the highest level the answer supports."""
    return _level_from_hits(_activity_level_hits(_normalise(text).text, loose=True))


# --------------------------------------------------------------------------- #
# Knee-to-wall distance
# --------------------------------------------------------------------------- #

_LENGTH_UNITS = (
    (r"(?:mm|millimet(?:er|re)s?|mils?)", 0.1),
    (r"(?:cms?|centimet(?:er|re)s?|centi|cm's)", 1.0),
    (r"(?:inches|inch|ins?|\")", CM_PER_INCH),
)
_LENGTH_UNIT = "(?P<unit>" + "|".join(p for p, _ in _LENGTH_UNITS) + ")"
_DISTANCE_NUM = rf"(?:(?<![\w.,])\d{{1,4}}(?:[.,]\d{{1,2}})?(?![\d])|\b(?:{_NUMBER_WORD_RE}|half an?)\b)"
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
_NOT_A_DISTANCE_BEFORE = re.compile(r"(?:\b(?:age|aged|i'?m|im|i am|pain|score|level|rated?|tried|attempt|take|"
                                    r"number|since|in|for|at)\s*|[#£$€@/]\s*)$")
_DISTANCE_SIDE_RULES = _SIDE_RULES + (
    _rule(r"(?<![\w'])l(?=\s*[:=\-]?\s*\d)", "left"),
    _rule(r"(?<![\w'])r(?=\s*[:=\-]?\s*\d)", "right"),
    _rule(r"\b(?:both|each)\b", "both"),
)


class _Distance(NamedTuple):
    start: int
    end: int
    cm: float
    has_unit: bool


def _distance_candidates(text: str) -> List[_Distance]:
    found: List[_Distance] = []
    for match in _DISTANCE.finditer(text):
        after = _after(text, match.end(), 20)
        if _NOT_A_DISTANCE_AFTER.match(after) or _NOT_A_DISTANCE_BEFORE.search(_before(text, match.start(), 12)):
            continue
        if not match.group("unit") and re.match(r"[a-z]", after):
            continue  # "5k", "2nd"
        raw_a = match.group("a")
        a = 0.5 if raw_a.startswith("half") else _to_number(raw_a)
        b = _to_number(match.group("b")) if match.group("b") else None
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
        if unit in ("in", "ins") and re.match(r"\s+(?:the|a|my|total|front|between|line|on the)\b", after):
            factor, unit = 1.0, None  # "3 in the end" is not inches
        if unit == '"' and re.search(r"\"\s*$", _before(text, match.start(), 15)):
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
            unit = re.search(_LENGTH_UNIT, text[cand.start:cand.end])
            if unit:
                for pattern, factor in _LENGTH_UNITS:
                    if re.fullmatch(pattern, unit.group("unit")):
                        return factor
    return 1.0


@_never_raises(lambda: {"left": None, "right": None, "any": None})
def parse_distance_cm(text: Any) -> Dict[str, Optional[float]]:
    """Knee-to-wall distance in cm, per side where the answer says which ("left 10 right 6")."""
    result: Dict[str, Optional[float]] = {"left": None, "right": None, "any": None}
    text = _normalise(text).text
    candidates = _distance_candidates(text)
    if not candidates:
        return result
    with_unit = [c for c in candidates if c.has_unit]
    sides = [hit for hit in _find(_DISTANCE_SIDE_RULES, text) if not _is_negated(text, hit.start)]
    if with_unit and not sides:
        candidates = with_unit
    factor = _distance_unit_factor(candidates, text)
    values = []
    for cand in candidates:
        cm = cand.cm if cand.has_unit else cand.cm * factor
        if 0 <= cm <= MAX_WALL_DISTANCE_CM:
            values.append(_Hit(cand.start, cand.end, round(cm, 2)))
    values = _after_last_correction(text, values)
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


# --------------------------------------------------------------------------- #
# Single-leg squat: hip and knee control
# --------------------------------------------------------------------------- #

_HIP = r"(?:hips?|pelvis|pelvic|hip bone|side of my hip|bum|butt)"
_DROP = (r"(?:dropped|drops|drop|dropping|dipped|dips|dip|dipping|sagged|sags|sag|sagging|tilted|tilts|tilt|tilting|"
         r"sank|sinks|sunk|sinking|fell|falls|went down|goes down|go down|lowered|hitched|shifted|moved down|"
         r"was lower|went lower|lower)")
_INWARD = r"(?:in|inwards?|inside|towards? the (?:middle|centre|center|other (?:knee|leg))|to the (?:middle|inside))"
_HIP_RULES = (
    _rule(rf"\b{_HIP}\b(?:\s+\w+){{0,4}}?\s+{_DROP}\b|\b{_DROP}\s+(?:\w+\s+){{0,2}}{_HIP}\b|\bhip drop\b|"
          r"\bpelvic (?:drop|tilt|dip)\b|\btrendelenburg\b|\bhips? (?:weren'?t|wasn'?t|not) level\b|"
          r"\buneven hips?\b|\bhips? uneven\b", "pelvis_drop"),
    _rule(rf"\b(?:knees?|kneecaps?)\b(?:\s+\w+){{0,3}}?\s+(?:caved|caves|cave|caving|collapsed|collapses|collapse|"
          rf"collapsing|went|goes|go|fell|falls|wobbled|wobbles|wobbling|rolled|rolls|rolling|dropped|drops|"
          rf"buckled|buckles|turned|turns|turning|moved|moves|pointed|points|drifted|drifts|came|comes|sank|"
          rf"dived|dove|slid)\s+(?:\w+\s+)?{_INWARD}\b|\bcav(?:ed|es|ing)(?: in)?\b|"
          r"\bknock[\s-]?kneed\b|\bknock knees?\b|\bvalgus\b|\bwent inwards?\b|\binwards?\b(?! (?:facing|side))|"
          r"\bknees? (?:in|inwards?)\b", "knee_caves_in"),
)
_NORMAL = re.compile(
    r"\b(?:stayed|stays|kept|remained|was|were|looked|felt|seemed|all)\s+(?:pretty\s+|quite\s+|really\s+|nice\s+"
    r"and\s+|perfectly\s+|totally\s+|completely\s+|fairly\s+)?(?:level|flat|straight|steady|stable|still|fine|"
    r"good|normal|ok|okay|aligned|even|in line|centred|centered|controlled|square)\b|"
    r"\b(?:looked|looks|seemed|seems|felt|feels) (?:fine|good|normal|ok|okay|alright|all right)\b|"
    r"\b(?:nothing (?:happened|moved|changed|really|much)|no (?:drop|dip|change|problems?|issues?|wobble|movement)|"
    r"(?:didn'?t|did not|doesn'?t|does not|never) (?:drop|dip|cave|move|collapse|change|wobble|tilt|sag)|"
    r"normal|all good|no problem|fine|steady|stable|level|neither|none|nothing|straight|perfect|good)\b"
)


@_never_raises(lambda: None)
def parse_hip_check(text: Any) -> Optional[str]:
    """pelvis_drop | knee_caves_in | both | normal, from describing the single-leg squat."""
    text = _normalise(text).text
    found = set()
    negated = False
    for hit in _find(_HIP_RULES, text):
        matched = text[hit.start:hit.end]
        if _is_negated(text, hit.start) or re.search(
                r"\b(?:didn'?t|did not|doesn'?t|does not|never|not|wasn'?t|no)\b", matched):
            negated = True
            continue
        found.add(hit.value)
    if len(found) == 2:
        return "both"
    if found:
        return found.pop()
    if re.search(r"^\W*(?:(?:a (?:bit|little) of|kind of|sort of|probably|i think|yes|yeah)\s+)?both"
                 r"(?:\s+(?:of them|happened|did|really|i think))?\W*$", text):
        return "both"
    if negated:
        return "normal"  # "my hip didn't drop"
    for match in _NORMAL.finditer(text):
        if re.match(r"(?:didn'?t|did not|doesn'?t|does not|never|no|nothing|neither|none)\b", match.group(0)) \
                or not _is_negated(text, match.start()):
            return "normal"  # but not "it wasn't good"
    return None


# --------------------------------------------------------------------------- #
# Yes / no and "don't know"
# --------------------------------------------------------------------------- #

# Not knowing the answer.
_DONT_KNOW = re.compile(
    r"\b(?:i\s+)?(?:do\s*n'?t|dont|do not|dnt|don)\s+(?:really\s+|even\s+)?(?:know|kno|knw|no|remember|recall)\b|"
    r"\b(?:dunno|idunno|duno|dno|dnno|idk|idek|idc|dk|idno|iono|no idea|no clue|not a clue|clueless|not sure|unsure|"
    r"not certain|uncertain|no (?:real )?way (?:to|of) (?:know|tell)|who knows|beats me|hard to (?:say|tell)|"
    r"(?:can'?t|cannot|can not|couldn'?t|could not|not able to|unable to) (?:really\s+)?(?:say|tell|remember|"
    r"recall|judge|work (?:it|that) out)|i (?:forgot|forget)(?! to mention)|prefer not to say|rather not say|"
    r"no comment|not telling)\b|🤷|"
    r"^\W*(?:skip|pass|next|skip (?:it|this|that)|pass on (?:this|that))(?:\s+(?:please|question|for now|"
    r"thanks))*\W*$"
)
# Not having done or measured the self-test: also "unknown", but not a "no" to a yes/no question.
_TEST_NOT_DONE = re.compile(
    r"\b(?:(?:can'?t|cannot|can not|couldn'?t|could not|not able to|unable to|wasn'?t able to) (?:really\s+)?"
    r"(?:measure|do (?:it|that|the test|this|the measurement)|check|see|manage)|"
    r"(?:didn'?t|did not|haven'?t|have not|havent|didnt|not) (?:do|done|try|tried|measure|measured|check|checked|"
    r"manage|managed|get (?:round|around) to)"
    r"(?: (?:it|that|the test|this|the measurement|it yet))?|not tried|forgot to (?:measure|check|do|try|look))\b"
)


@_never_raises(lambda: False)
def is_dont_know(text: Any, intent: Optional[str] = None) -> bool:
    """The person doesn't know, can't remember, couldn't do the test or skipped."""
    if intent in ("dont_know", "skip"):
        return True
    norm = _normalise(text).text.strip()
    if not norm:
        return False
    if re.fullmatch(r"\W*\?+\W*", norm):
        return True
    return bool(_DONT_KNOW.search(norm) or _TEST_NOT_DONE.search(norm))


# Decided before anything else.
_YES_NO_OVERRIDES = (
    (re.compile(r"\byes and no\b|\byes or no\b|\bno and yes\b"), None),
    (re.compile(r"^\W*(?:yeah|yea|yeh|ye),?\s*(?:nah|na|no)\b"), False),  # "yeah nah"
    (re.compile(r"^\W*(?:nah|na),?\s*(?:yeah|yes|yea)\b"), True),
    (re.compile(r"\b(?:definitely|absolutely|certainly|surely|of course|hell|probably|obviously|course) not\b|"
                r"\bhell no\b"), False),
    (re.compile(r"^\W*no (?:problem|problems|worries|prob|probs|bother)\b"), True),
)
# Looked for anywhere when the answer doesn't start with yes or no.
_YES_NO_PHRASES = (
    (re.compile(r"\bmaybe\b|\bperhaps\b|\bpossibly\b|\bnot sure\b|\bhard to say\b|\bdepends\b"), None),
    (re.compile(r"\b(?:i\s+)?(?:do\s*n'?t|dont|do not)\s+(?:think|believe|reckon|guess)\s+so\b|"
                r"\b(?:i\s+)?(?:doubt it|don'?t think it)\b|\bnot (?:really|at all|much|that i (?:know|can tell|"
                r"remember|noticed?)|that (?:i )?know of|as far as i know|that much|particularly|quite|anymore|now|"
                r"recently|lately|usually|often|yet)\b|\bno way\b|\bnever\b|\bnot that i\b"), False),
    (re.compile(r"\bno (?:problem|problems|worries|prob|probs|bother)\b|\bwhy not\b|\bof course\b|\bfor sure\b|"
                r"\bthat'?s (?:right|correct|it|true)\b|\byou'?re right\b|\bexactly\b|\b(?:i\s+)?(?:think|guess|"
                r"believe|suppose|reckon) so\b|\bsounds (?:good|great|right)\b|\bgo (?:ahead|on)\b|"
                r"\bprobably\b"), True),
    (re.compile(r"\b(?:sort of|kind of|kinda|sorta|a (?:little|bit|little bit|tad)|slightly|sometimes|somewhat|"
                r"occasionally|now and then|a few times|mildly|partly|a touch)\b"), True),
)
_YES_WORDS = frozenset("""
    yes yess yeah yeh yea ya yah yep yup yas yass ye y yh ys aye sure ok okay okey k kk definitely absolutely
    certainly correct true indeed affirmative totally exactly mhm mmhm uhuh yesh yessir si oui ja 👍 ✅ 👌
""".split())
_NO_WORDS = frozenset("""
    no noo nope nah naw na n nay never negative nop nada none nothing false incorrect nein non 👎 ❌
""".split())
_NEGATIVE_WORDS = frozenset("""
    cannot cant dont doesnt didnt isnt wasnt havent hasnt wont wouldnt couldnt not arent aint
""".split())
_AFFIRMING_VERBS = frozenset("""
    can do does did is was have has am will would could are were it's i'm there's i've it'd
""".split())


def _is_yes_word(word: str) -> bool:
    return word in _YES_WORDS or bool(re.fullmatch(r"y+e+s+|y+e+a+h*|y+u+p+|y+e+p+|o+k+a*y*", word))


def _is_no_word(word: str) -> bool:
    return word in _NO_WORDS or bool(re.fullmatch(r"n+o+|n+o+p+e+|n+a+h+", word))


@_never_raises(lambda: None)
def parse_yes_no(text: Any, intent: Optional[str] = None) -> Optional[bool]:
    """True / False for a yes-no answer; None when it is unclear or the person doesn't know."""
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    if intent in ("dont_know", "skip"):
        return None
    norm = _normalise(text).text
    if not norm.strip() or re.fullmatch(r"\W*\?+\W*", norm) or _DONT_KNOW.search(norm):
        return None
    for pattern, value in _YES_NO_OVERRIDES:
        if pattern.search(norm):
            return value
    tokens = re.findall(r"[a-z]+(?:'[a-z]+)?|👍|✅|👌|👎|❌", norm)
    if not tokens:
        return None
    # A leading yes or no decides: "no, i can walk on it" is a no.
    if _is_yes_word(tokens[0]):
        return True
    if _is_no_word(tokens[0]):
        return False
    for pattern, value in _YES_NO_PHRASES:
        if pattern.search(norm):
            return value
    if len(tokens) > 2 and tokens[0] == "i" and tokens[1] in ("think", "guess", "believe", "reckon", "suppose"):
        tokens = tokens[2:]  # "i think it did"
    for i, token in enumerate(tokens[:6]):
        if token.endswith("n't") or token in _NEGATIVE_WORDS:
            return False  # "I can't", "it doesn't"
        if _is_yes_word(token):
            return True
        if _is_no_word(token):
            return False
        if token in _AFFIRMING_VERBS and i <= 2:
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            if following in ("not", "never"):
                return False
            if i == 0 and norm.rstrip().endswith("?"):
                return None  # a question back: "is that bad?"
            return True  # "it does", "I can"
    return None


# --------------------------------------------------------------------------- #
# Everything in one message
# --------------------------------------------------------------------------- #

_PAIN_CONTEXT = re.compile(
    r"\b(?:hurts?|hurting|hurted|pain\w*|sore\w*|ache|aches|aching|achy|worse|worst|aggravat\w*|bother\w*|"
    r"kills?|killing|agony|flares?|flared|trigger\w*|twinges?|niggl\w*|tender|uncomfortable|discomfort|"
    r"struggl\w*|difficult|hard|can'?t|cannot|unable|problems?|issues?|bad|murder|nightmare|swell\w*|click\w*|"
    r"gives? way|gave way|injur\w*|twist\w*|popped|knees?|kneecaps?)\b|/\s*10\b|out of (?:10|ten)\b"
)


@_never_raises(dict)
def extract_intake_facts(text: Any, entities: Any = ()) -> Dict[str, Any]:
    """All intake facts one message gives, keyed by slot name; only what was found is present.

    A pain score is only taken when it is unambiguous ("6/10", "pain 6",
    "about a 6" next to a pain word); a bare number could be anything.
    """
    norm = _normalise(text)
    facts: Dict[str, Any] = {}
    side = parse_side(text, entities)
    if side:
        facts[SLOT_SIDE] = side
    location = parse_knee_location(text, entities)
    if location:
        facts[SLOT_LOCATION] = location
    score = _as_score(_pain_from(text, entities, strict=True))
    if score is not None:
        facts[SLOT_PAIN_SCORE] = score
    duration = parse_duration_days(text, entities)
    if duration is not None:
        facts[SLOT_DURATION] = duration
    onset = parse_onset(text)
    if onset:
        facts[SLOT_ONSET] = onset
    level_hits = _activity_level_hits(norm.text, loose=False)
    level = _level_from_hits(level_hits)
    if level:
        facts[SLOT_ACTIVITY_LEVEL] = level
    # "I run twice a week" describes how active someone is, and "no, I can walk on it"
    # says nothing about what hurts: only activities in a sentence about pain count.
    painless = [(m.start(), m.end()) for m in re.finditer(r"[^.!?;\n]+", norm.text)
                if not _PAIN_CONTEXT.search(m.group(0))]
    activities = _activities(norm, entities, exclude=[(h.start, h.end) for h in level_hits] + painless)
    if activities:
        facts[SLOT_ACTIVITIES] = activities
    return facts


def warm_up() -> None:
    """Load the tokenizer and compile everything now rather than on the first message."""
    extract_intake_facts("left knee, front, 6/10, 3 weeks, stairs, came on gradually, gym twice a week")
    parse_distance_cm("left 10cm right 6cm")
    parse_hip_check("hip dropped")
    parse_yes_no("yes")
