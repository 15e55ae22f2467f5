"""Answers to a yes-no question, and "I don't know" (or "skip") to any question.

`UNKNOWN` is what callers store when `is_dont_know` says the person does not
know or skipped the question; call the value parser first, since "not sure,
maybe the left" still names a side.
"""

from __future__ import annotations

import re
from typing import Any, List, NamedTuple, Optional

from language.negation import denies_verb
from language.tokens import tokenizer

from coaching.intake.reading import never_raises, normalise

UNKNOWN = "unknown"

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


@never_raises(lambda: False)
def is_dont_know(text: Any, intent: Optional[str] = None) -> bool:
    """The person doesn't know, can't remember, couldn't do the test or skipped."""
    if intent in ("dont_know", "skip"):
        return True
    norm = normalise(text).text.strip()
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
    (
        re.compile(
            r"\b(?:definitely|absolutely|certainly|surely|of course|hell|probably|obviously|course) not\b|"
            r"\bhell no\b"
        ),
        False,
    ),
    (re.compile(r"^\W*no (?:problem|problems|worries|prob|probs|bother)\b"), True),
)
# Looked for anywhere when the answer doesn't start with yes or no.
_YES_NO_PHRASES = (
    (re.compile(r"\bmaybe\b|\bperhaps\b|\bpossibly\b|\bnot sure\b|\bhard to say\b|\bdepends\b"), None),
    (
        re.compile(
            r"\b(?:i\s+)?(?:do\s*n'?t|dont|do not)\s+(?:think|believe|reckon|guess)\s+so\b|"
            r"\b(?:i\s+)?(?:doubt it|don'?t think it)\b|\bnot (?:really|at all|much|that i (?:know|can tell|"
            r"remember|noticed?)|that (?:i )?know of|as far as i know|that much|particularly|quite|anymore|now|"
            r"recently|lately|usually|often|yet)\b|\bno way\b|\bnever\b|\bnot that i\b"
        ),
        False,
    ),
    (
        re.compile(
            r"\bno (?:problem|problems|worries|prob|probs|bother)\b|\bwhy not\b|\bof course\b|\bfor sure\b|"
            r"\bthat'?s (?:right|correct|it|true)\b|\byou'?re right\b|\bexactly\b|\b(?:i\s+)?(?:think|guess|"
            r"believe|suppose|reckon) so\b|\bsounds (?:good|great|right)\b|\bgo (?:ahead|on)\b|"
            r"\bprobably\b"
        ),
        True,
    ),
    (
        re.compile(
            r"\b(?:sort of|kind of|kinda|sorta|a (?:little|bit|little bit|tad)|slightly|sometimes|somewhat|"
            r"occasionally|now and then|a few times|mildly|partly|a touch)\b"
        ),
        True,
    ),
)
_YES_WORDS = frozenset(
    """
    yes yess yeah yeh yea ya yah yep yup yas yass ye y yh ys aye sure ok okay okey k kk definitely absolutely
    certainly correct true indeed affirmative totally exactly mhm mmhm uhuh yesh yessir si oui ja 👍 ✅ 👌
""".split()
)
_NO_WORDS = frozenset(
    """
    no noo nope nah naw na n nay never negative nop nada none nothing false incorrect nein non 👎 ❌
""".split()
)
_AFFIRMING_VERBS = frozenset(
    """
    can do does did is was have has am will would could are were it's i'm there's i've it'd
""".split()
)
_EMOJI = frozenset("👍 ✅ 👌 👎 ❌".split())


class _Word(NamedTuple):
    text: str  # as typed, its parts joined again: "it's", "doesnt"
    denies: bool  # denies its verb: "doesnt", "can't", "never"


def _words(text: str) -> List[_Word]:
    """The words of an answer (emoji included, punctuation and numbers left out)."""
    found: List[_Word] = []
    joined = False  # the tokenizer split the word: "it's" is "it" + "'s"
    for token in tokenizer()(text):
        keep = bool(re.fullmatch(r"[a-z']+", token.lower_)) or token.text in _EMOJI
        if keep and joined and found:
            found[-1] = _Word(found[-1].text + token.lower_, found[-1].denies or denies_verb(token))
        elif keep:
            found.append(_Word(token.lower_, denies_verb(token)))
        joined = keep and not token.whitespace_
    return found


def _is_yes_word(word: str) -> bool:
    return word in _YES_WORDS or bool(re.fullmatch(r"y+e+s+|y+e+a+h*|y+u+p+|y+e+p+|o+k+a*y*", word))


def _is_no_word(word: str) -> bool:
    return word in _NO_WORDS or bool(re.fullmatch(r"n+o+|n+o+p+e+|n+a+h+", word))


@never_raises(lambda: None)
def parse_yes_no(text: Any, intent: Optional[str] = None) -> Optional[bool]:
    """True / False for a yes-no answer; None when it is unclear or the person doesn't know."""
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    if intent in ("dont_know", "skip"):
        return None
    norm = normalise(text).text
    if not norm.strip() or re.fullmatch(r"\W*\?+\W*", norm) or _DONT_KNOW.search(norm):
        return None
    for pattern, value in _YES_NO_OVERRIDES:
        if pattern.search(norm):
            return value
    said = _words(norm)
    if not said:
        return None
    # A leading yes or no decides: "no, i can walk on it" is a no.
    if _is_yes_word(said[0].text):
        return True
    if _is_no_word(said[0].text):
        return False
    for pattern, value in _YES_NO_PHRASES:
        if pattern.search(norm):
            return value
    if len(said) > 2 and said[0].text == "i" and said[1].text in ("think", "guess", "believe", "reckon", "suppose"):
        said = said[2:]  # "i think it did"
    for i, word in enumerate(said[:6]):
        if word.denies:
            return False  # "I can't", "it doesn't"
        if _is_yes_word(word.text):
            return True
        if _is_no_word(word.text):
            return False
        if word.text in _AFFIRMING_VERBS and i <= 2:
            following = said[i + 1].text if i + 1 < len(said) else ""
            if following in ("not", "never"):
                return False
            if i == 0 and norm.rstrip().endswith("?"):
                return None  # a question back: "is that bad?"
            return True  # "it does", "I can"
    return None
