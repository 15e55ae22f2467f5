"""Cleaning text before it is read: what people paste and type, made regular."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

# Far above what the channels let through (2,000 characters); bounds the work on any input.
MAX_CHARS = 20_000

_SAME_CHARACTER = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u2033": '"', "\u201e": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ", "\u2026": "...",
    "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None,
})
_SURROGATE = re.compile("[\ud800-\udfff]")
_STRETCHED = re.compile(r"([a-z])\1{2,}", re.IGNORECASE)  # "sooooo" -> "soo"
_JOINED = re.compile(r"(?<=\w)-(?=\w)")  # "weight-bear", "straight-away"


def clean(text: Any, max_chars: int = MAX_CHARS) -> str:
    """Text any reader can take: no lone surrogates or control characters, plain quotes and dashes."""
    if text is None:
        return ""
    text = str(text)[:max_chars]
    text = _SURROGATE.sub("", text)  # a lone surrogate can't be encoded and breaks pages and logs
    text = unicodedata.normalize("NFC", text).translate(_SAME_CHARACTER)
    return "".join(ch for ch in text if ch in "\n " or unicodedata.category(ch)[0] != "C")


def for_matching(text: Any, max_chars: int = MAX_CHARS) -> str:
    """Cleaned, with stretched letters squeezed and hyphenated words split: for pattern matching."""
    text = _STRETCHED.sub(r"\1\1", clean(text, max_chars))
    return expand_text_speak(_JOINED.sub(" ", text))


# Text-speak and chat spellings of everyday words, for every reader. Not a list
# of misspelt symptoms: those come from the typo corrector (spelling.py).
TEXT_SPEAK = {
    "nite": "night", "nites": "nights", "tonite": "tonight", "r": "are", "u": "you", "ur": "your", "n": "and",
    "outta": "out of", "gonna": "going to", "wanna": "want to", "kinda": "kind of", "sorta": "sort of",
    "coz": "because", "cos": "because", "cuz": "because", "bc": "because", "wks": "weeks", "wk": "week",
    "yrs": "years", "hrs": "hours", "mins": "minutes", "2day": "today", "2nite": "tonight", "b4": "before",
    "thru": "through", "tho": "though", "pls": "please", "plz": "please", "im": "i'm", "ive": "i've",
    "ur self": "yourself", "me knee": "my knee", "me leg": "my leg", "me calf": "my calf", "me foot": "my foot",
    "w/": "with", "w/o": "without", "abt": "about", "bcos": "because", "becuz": "because", "af": "",
}
_TEXT_SPEAK = re.compile(
    r"(?<![\w'/])(" + "|".join(re.escape(k) for k in sorted(TEXT_SPEAK, key=len, reverse=True)) + r")(?![\w'/])",
    re.IGNORECASE,
)


def expand_text_speak(text: str) -> str:
    return _TEXT_SPEAK.sub(lambda m: TEXT_SPEAK[m.group(1).lower()], text)
