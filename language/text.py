"""Cleaning text before it is read: what people paste and type, made regular.

Every step works on a ``MappedText``: the rewritten text together with, for each
of its characters, the position in the original it came from. A reader that
only wants the words takes ``.text`` (``clean`` and ``for_matching`` do); one
that must point back into the message (where Rasa's entities stand) keeps the
map and asks ``span``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, TypeVar

# Far above what the channels let through (2,000 characters); bounds the work on any input.
MAX_CHARS = 20_000

_SAME_CHARACTER = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2033": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
        "\u2026": "...",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
        **{chr(code): None for code in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F)},  # control characters
    }
)
_STRETCHED = re.compile(r"([a-z])\1{2,}", re.IGNORECASE)  # "sooooo" -> "soo"
_JOINED = re.compile(r"(?<=\w)-(?=\w)")  # "weight-bear", "straight-away"
_SPACES = re.compile(r"\s+")
_ASCII_CHANGES = re.compile(r"[\x00-\x09\x0b-\x1f\x7f`]")  # what _SAME_CHARACTER changes in plain ASCII


class MappedText:
    """Text rewritten for reading; ``origin[i]`` is where character i stood in the original."""

    __slots__ = ("text", "origin", "length")

    def __init__(self, text: str, origin: Sequence[int], length: int):
        self.text = text
        self.origin = list(origin)
        self.length = length  # of the original (as cut to the length limit)

    @classmethod
    def of(cls, raw: Any, max_chars: int = MAX_CHARS) -> "MappedText":
        """Any value as text, unchanged but cut to ``max_chars``."""
        raw = "" if raw is None else (raw if isinstance(raw, str) else str(raw))[:max_chars]
        return cls(raw, range(len(raw)), len(raw))

    def span(self, start: int, end: int) -> Tuple[int, int]:
        """Position in the original of text[start:end]."""
        if not self.origin:
            return 0, 0
        start = min(max(start, 0), len(self.origin) - 1)
        last = min(max(end - 1, start), len(self.origin) - 1)
        return self.origin[start], self.origin[last] + 1

    def sub(self, pattern: "re.Pattern[str]", replace: Callable[["re.Match[str]"], Optional[str]]) -> "MappedText":
        """Each (non-empty) match replaced by ``replace(match)`` (None keeps it)."""
        matches = (m for m in pattern.finditer(self.text) if m.end() > m.start())
        return self.replaced((m.start(), m.end(), replace(m)) for m in matches)

    def replaced(self, changes: Iterable[Tuple[int, int, Optional[str]]]) -> "MappedText":
        """text[start:end] (not empty) replaced by each new string (None keeps it), in order and without overlaps.

        The new characters map onto the ones they replace, one for one, the last repeated.
        """
        text: List[str] = []
        origin: List[int] = []
        pos = 0
        for start, end, new in changes:
            if new is None or new == self.text[start:end]:
                continue
            text.append(self.text[pos:start])
            origin.extend(self.origin[pos:start])
            text.append(new)
            origin.extend(self.origin[start + min(k, max(end - start - 1, 0))] for k in range(len(new)))
            pos = end
        if not text:
            return self
        text.append(self.text[pos:])
        origin.extend(self.origin[pos:])
        return MappedText("".join(text), origin, self.length)

    def map_chars(self, change: Callable[[str], str]) -> "MappedText":
        """Character by character: ``change(char)`` may give none, one or several characters."""
        text: List[str] = []
        origin: List[int] = []
        for char, where in zip(self.text, self.origin):
            new = change(char)
            text.append(new)
            origin.extend([where] * len(new))
        return MappedText("".join(text), origin, self.length)

    def cleaned(self) -> "MappedText":
        """No lone surrogates or control characters; composed characters, plain quotes and dashes."""
        if self.text.isascii():  # the usual message: only tabs, backquotes and control characters change
            return self.sub(_ASCII_CHANGES, lambda m: m.group(0).translate(_SAME_CHARACTER))
        text: List[str] = []
        origin: List[int] = []
        for start, cluster in _clusters(self.text):
            if "\ud800" <= cluster[0] <= "\udfff":
                continue  # a lone surrogate can't be encoded and breaks pages and logs
            new = unicodedata.normalize("NFC", cluster).translate(_SAME_CHARACTER)
            new = "".join(ch for ch in new if ch in "\n " or unicodedata.category(ch)[0] != "C")
            text.append(new)
            origin.extend([self.origin[start]] * len(new))
        return MappedText("".join(text), origin, self.length)

    def lower(self) -> "MappedText":
        return self.map_chars(str.lower)

    def squeezed(self) -> "MappedText":
        """Stretched letters squeezed: "sooooo" -> "soo"."""
        return self.sub(_STRETCHED, lambda m: m.group(0)[:2])

    def single_spaced(self) -> "MappedText":
        """Runs of spaces and newlines as one (a newline where the run has one)."""
        return self.sub(_SPACES, lambda m: "\n" if "\n" in m.group(0) else " ")  # an unchanged one is kept

    def unhyphenated(self) -> "MappedText":
        """Hyphenated words split: "weight-bear" -> "weight bear"."""
        return self.sub(_JOINED, lambda m: " ")

    def text_speak_expanded(self) -> "MappedText":
        return self.sub(_TEXT_SPEAK, _spoken)


def _clusters(text: str) -> Iterable[Tuple[int, str]]:
    """(position, character with the combining marks that follow it)."""
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            yield start, text[start:i]
            start = i


def cleaned(text: Any, max_chars: int = MAX_CHARS) -> MappedText:
    return MappedText.of(text, max_chars).cleaned()


def clean(text: Any, max_chars: int = MAX_CHARS) -> str:
    """Text any reader can take: no lone surrogates or control characters, plain quotes and dashes."""
    return cleaned(text, max_chars).text


def for_matching(text: Any, max_chars: int = MAX_CHARS) -> str:
    """Cleaned, with stretched letters squeezed and hyphenated words split: for pattern matching."""
    return cleaned(text, max_chars).squeezed().unhyphenated().text_speak_expanded().text


# Text-speak and chat spellings of everyday words, for every reader. Not a list
# of misspelt symptoms: those come from the typo corrector (spelling.py).
TEXT_SPEAK = {
    "nite": "night",
    "nites": "nights",
    "tonite": "tonight",
    "r": "are",
    "u": "you",
    "ur": "your",
    "n": "and",
    "outta": "out of",
    "gonna": "going to",
    "wanna": "want to",
    "kinda": "kind of",
    "sorta": "sort of",
    "coz": "because",
    "cos": "because",
    "cuz": "because",
    "bc": "because",
    "wks": "weeks",
    "wk": "week",
    "yrs": "years",
    "hrs": "hours",
    "mins": "minutes",
    "2day": "today",
    "2nite": "tonight",
    "b4": "before",
    "thru": "through",
    "tho": "though",
    "pls": "please",
    "plz": "please",
    "im": "i'm",
    "ive": "i've",
    "ur self": "yourself",
    "me knee": "my knee",
    "me leg": "my leg",
    "me calf": "my calf",
    "me foot": "my foot",
    "w/": "with",
    "w/o": "without",
    "abt": "about",
    "bcos": "because",
    "becuz": "because",
    "af": "",
    "rite": "right",
    "lft": "left",
    "rgt": "right",
    "ryt": "right",
    "yday": "yesterday",
    "yest": "yesterday",
    "tmrw": "tomorrow",
    "thx": "thanks",
    "bball": "basketball",
    "footy": "football",
    "footie": "football",
}
_TEXT_SPEAK = re.compile(
    r"(?<![\w'/])(" + "|".join(re.escape(k) for k in sorted(TEXT_SPEAK, key=len, reverse=True)) + r")(?![\w'/])",
    re.IGNORECASE,
)
# A lone "r" before a limb or a number, or at the end, names a side: "R knee", "L 10 R 6", "the one on the R".
_SIDE_AFTER_R = re.compile(
    r"\s*(?:knees?|legs?|side|one|hip|ankle|foot|calf|thigh)\b|\s*[:=-]?\s*\d|\W*$", re.IGNORECASE
)


def _spoken(match: "re.Match[str]") -> Optional[str]:
    word = match.group(1).lower()
    alone = not match.string[: match.start()].strip(" .!?") and not match.string[match.end() :].strip(" .!?")
    if len(word) == 1 and alone:
        return None  # a one-letter answer: "n" is "no", "r" is "right"
    if word == "r" and _SIDE_AFTER_R.match(match.string, match.end()):
        return None
    return TEXT_SPEAK[word]


# Words a question starts with ("can you explain ..."), for readers that tell questions from answers.
QUESTION_STARTS = frozenset(
    {
        "what",
        "why",
        "how",
        "can",
        "could",
        "does",
        "do",
        "is",
        "are",
        "should",
        "which",
        "when",
        "where",
        "will",
        "would",
        "who",
    }
)


def expand_text_speak(text: str) -> str:
    return MappedText.of(text, len(text)).text_speak_expanded().text


Spanned = TypeVar("Spanned")


def longest_first(found: Iterable[Spanned], span: Callable[[Spanned], Tuple[int, int]]) -> List[Spanned]:
    """The mentions that don't overlap, the longest winning where they do, in text order."""
    ordered = sorted(found, key=lambda item: (-(span(item)[1] - span(item)[0]), span(item)[0]))
    kept: List[Spanned] = []
    taken = bytearray(max((span(item)[1] for item in ordered), default=0) + 1)
    for item in ordered:
        start, end = span(item)
        if end > start and not any(taken[start:end]):
            kept.append(item)
            taken[start:end] = b"\x01" * (end - start)
    kept.sort(key=lambda item: span(item)[0])
    return kept
