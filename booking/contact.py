"""Reading a name and a way to reach someone from what they typed.

Both parsers look inside a sentence ("you can reach me at sam@example.com",
"I'm Sarah Jones") and return a normalised value, or None when the message
does not contain one, so the bot can simply ask again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from language.text import clean

EMAIL_KIND = "email"
PHONE_KIND = "phone"


@dataclass(frozen=True)
class Contact:
    kind: str  # "email" | "phone"
    value: str  # email lower-cased; phone as digits with an optional leading +

    def __str__(self) -> str:
        return self.value


# --- contact -------------------------------------------------------------------------

# Deliberately simpler than RFC 5322: what people actually type, with a dotted domain.
_EMAIL = re.compile(
    r"(?<![\w.+-])([a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w-])",
    re.IGNORECASE,
)
# Digits with the separators people use; the digit count is checked afterwards.
_PHONE = re.compile(r"(?<![\w+])(\+|00)?\s*(\(?\d[\d\s().-]{5,24}\d)(?![\w])")
_DATE_OR_TIME = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^\d{1,2}[.:]\d{2}$")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15  # E.164 allows at most 15


def parse_contact(text: str) -> Optional[Contact]:
    """The first email address or phone number in the text, normalised; None if there is none."""
    if not text:
        return None
    found: List[Tuple[int, Contact]] = []
    email = _EMAIL.search(text)
    if email:
        found.append((email.start(), Contact(EMAIL_KIND, f"{email.group(1)}@{email.group(2)}".lower())))
    searchable = _EMAIL.sub(lambda m: " " * len(m.group(0)), text)  # digits inside an email are not a phone
    for match in _PHONE.finditer(searchable):
        phone = _normalise_phone(match.group(1) or "", match.group(2))
        if phone:
            found.append((match.start(), Contact(PHONE_KIND, phone)))
            break
    if not found:
        return None
    return min(found, key=lambda item: item[0])[1]


def _normalise_phone(prefix: str, body: str) -> Optional[str]:
    body = body.strip()
    if _DATE_OR_TIME.match(body):
        return None  # "2026-12-02", "02/12/2026" are dates, not phone numbers
    international = prefix in ("+", "00")
    if international:
        body = body.replace("(0)", "")  # "+44 (0)7700 ..." : the 0 is dialled only inside the country
    if body.count("(") != body.count(")"):
        return None
    digits = re.sub(r"\D", "", body)
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return None
    if len(set(digits)) == 1:
        return None  # "0000000" is not a number anyone answers
    return f"+{digits}" if international else digits


# --- name ------------------------------------------------------------------------

_NAME_PREFIXES = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|yo|ok|okay|sure|yes|yeah|so)\b[\s,!.]*)*"
    r"(?:(?:my\s+name\s+is|my\s+name's|my\s+names|name\s+is|name's|name:|names|the\s+name\s+is|"
    r"i\s+am|i'm|im|i\s+m|it\s+is|it's|its|this\s+is|call\s+me|you\s+can\s+call\s+me|they\s+call\s+me)\s+)?",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['-][^\W\d_]+)*$")
_NOT_NAMES = {
    # replies and greetings
    "yes",
    "yeah",
    "yep",
    "no",
    "nope",
    "nah",
    "hi",
    "hello",
    "hey",
    "hiya",
    "ok",
    "okay",
    "sure",
    "thanks",
    "thank",
    "cheers",
    "bye",
    "please",
    "sorry",
    "maybe",
    "fine",
    "good",
    "great",
    "well",
    "here",
    "there",
    # pronouns and function words that show it is a sentence, not a name
    "i",
    "me",
    "my",
    "mine",
    "you",
    "your",
    "we",
    "us",
    "our",
    "he",
    "she",
    "they",
    "them",
    "it",
    "this",
    "that",
    "what",
    "why",
    "who",
    "how",
    "when",
    "where",
    "which",
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "not",
    "to",
    "of",
    "in",
    "on",
    "at",
    "for",
    "from",
    "with",
    "about",
    "is",
    "are",
    "was",
    "be",
    "am",
    "do",
    "does",
    "did",
    "don't",
    "dont",
    "won't",
    "can't",
    "cant",
    "can",
    "would",
    "rather",
    "want",
    "need",
    "like",
    "just",
    "tell",
    "know",
    "name",
    "book",
    "booking",
    "session",
    "cancel",
    "help",
    "pain",
    "knee",
    "hurts",
    "sore",
    "anonymous",
    "i'd",
    "i'll",
    "prefer",
    "skip",
    "none",
    "nothing",
    "nobody",
    "private",
    "secret",
    "unknown",
    "test",
    "back",
    "going",
    "looking",
    "trying",
    "sat",
    "stuck",
    "injured",
    "ready",
    "interested",
}


def parse_name(text: str) -> Optional[str]:
    """A person's name from "I'm Sarah Jones", "my name is sam", "Sarah"...; None if it is not a name."""
    if not text:
        return None
    text = clean(text).strip()
    text = _NAME_PREFIXES.sub("", text, count=1)
    # Only the first clause: "sam, nice to meet you" / "sam and I want to book".
    text = re.split(r"[,.;!?()]|\s+(?:and|but|here|btw)\b|\s+-\s+", text, maxsplit=1)[0].strip()
    words = text.split()
    if not 1 <= len(words) <= 4:
        return None
    if any(not _NAME_WORD.match(word) or word.lower() in _NOT_NAMES for word in words):
        return None
    return " ".join(_capitalise(word) for word in words)


def _capitalise(word: str) -> str:
    if not (word.islower() or word.isupper()):
        return word  # "McDonald", "DeShawn": the person's own capitals win
    # Capitalise each part: "o'neill" -> "O'Neill", "mary-jane" -> "Mary-Jane".
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), word.lower())
