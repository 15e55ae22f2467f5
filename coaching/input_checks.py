"""Recognising messages the assistant cannot sensibly classify.

Empty, very long, emoji-only and non-English messages would otherwise get a
confident but wrong intent from the classifier. These checks run inside the
NLU pipeline (bot/nlu_components/input_guard.py) and in the fallback action,
which explains to the person what went wrong.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import FrozenSet, Optional

import spacy
from spacy.strings import get_string_id

MAX_MESSAGE_CHARS = 2000
# Log-probability (from spaCy's English lexeme table) above which a word counts
# as common English; typos and other languages fall below it.
COMMON_WORD_LOGPROB = -13.0
MIN_WORDS_FOR_LANGUAGE_CHECK = 4
MIN_ENGLISH_SHARE = 0.3
# Languages people in the trainer's area may write in; their stop words are the
# strongest cheap signal of the language of a short message.
OTHER_LANGUAGES = ("es", "fr", "de", "it", "pt", "nl", "pl")

EMPTY = "empty"
TOO_LONG = "too_long"
NO_WORDS = "no_words"
OTHER_LANGUAGE = "other_language"
CODE_LIKE = "code_like"
KEYBOARD_MASH = "keyboard_mash"

# Keyboard mashing ("asdfgh", "zxcvbnm", "qwrtp"): no English word, and a run of
# five consonants or of four neighbouring keys. Chat shorthand ("ttyl", "tmrw",
# "thx") has shorter runs, so it still reaches the classifier.
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")
KEY_RUN = 4
_SHORTHAND = frozenset({"thnks", "thnx", "thks", "thnk", "pls", "plz", "tmrw", "ttyl"})

# Markup or query syntax: people describing their knee don't write these, and a
# classifier would otherwise force such text into some intent.
_CODE_PATTERNS = [
    re.compile(r"<\s*/?\s*(script|iframe|img|svg|object|style|a)\b", re.I),
    re.compile(r"\b(drop|truncate|alter)\s+table\b", re.I),
    re.compile(r"\b(select|delete)\b[^.?!]*\bfrom\b[^.?!]*(;|--|\bwhere\b)", re.I),
    re.compile(r"\bunion\s+(all\s+)?select\b", re.I),
    re.compile(r"'\s*(or|and)\s+'?\d+'?\s*=\s*'?\d+", re.I),
    re.compile(r"\$\{[^}]*\}|\{\{[^}]*\}\}"),
]


@lru_cache(maxsize=1)
def _tokenizer():
    return spacy.blank("en").tokenizer


@lru_cache(maxsize=1)
def _stop_words() -> dict:
    return {code: spacy.util.get_lang_class(code).Defaults.stop_words for code in ("en",) + OTHER_LANGUAGES}


def _looks_like_other_language(words) -> bool:
    stop_words = _stop_words()
    english = stop_words["en"]
    # Words that are English stop words too ("me", "is") prove nothing.
    hits = {
        code: sum(1 for w in words if w in stops and (code == "en" or w not in english))
        for code, stops in stop_words.items()
    }
    best = max(OTHER_LANGUAGES, key=lambda code: hits[code])
    return hits[best] >= 2 and hits[best] > hits["en"]


@lru_cache(maxsize=1)
def _common_english_words() -> FrozenSet[int]:
    """Hashes (spaCy string ids) of common English words; the table is keyed by hash."""
    from spacy.lookups import load_lookups

    table = load_lookups("en", ["lexeme_prob"]).get_table("lexeme_prob")
    return frozenset(key for key, prob in table.items() if prob > COMMON_WORD_LOGPROB)


def _is_latin_letter(char: str) -> bool:
    return "LATIN" in unicodedata.name(char, "")


def _keyboard_run(word: str) -> bool:
    for row in _KEYBOARD_ROWS:
        for start in range(len(row) - KEY_RUN + 1):
            if row[start : start + KEY_RUN] in word or row[start : start + KEY_RUN][::-1] in word:
                return True
    return False


def _is_keyboard_mash(words) -> bool:
    common = _common_english_words()
    if any(get_string_id(w) in common for w in words):
        return False
    # "hmmmm" and "plzzz" are words drawn out, not mashing: collapse repeats first
    squeezed = [re.sub(r"(.)\1+", r"\1", w) for w in words if w not in _SHORTHAND]
    return any(_CONSONANT_RUN.search(w) or _keyboard_run(w) for w in squeezed)


def classify_message(text: Optional[str]) -> Optional[str]:
    """Return a problem label for text the assistant can't work with, else None."""
    if text is None or not text.strip():
        return EMPTY
    if len(text) > MAX_MESSAGE_CHARS:
        return TOO_LONG
    if any(pattern.search(text) for pattern in _CODE_PATTERNS):
        return CODE_LIKE
    letters = [c for c in text if c.isalpha()]
    if not letters and not any(c.isdigit() for c in text):
        return NO_WORDS  # emoji, punctuation, symbols only
    if not letters:
        return None  # a bare number such as a pain score is a valid answer
    if sum(not _is_latin_letter(c) for c in letters) / len(letters) > 0.5:
        return OTHER_LANGUAGE  # Cyrillic, CJK, Arabic, ... scripts
    words = [t.lower_ for t in _tokenizer()(text) if any(c.isalpha() for c in t.text)]
    if _is_keyboard_mash(words):
        return KEYBOARD_MASH
    if len(words) < MIN_WORDS_FOR_LANGUAGE_CHECK:
        return None  # too short to tell: "idk", "nope", "left"
    if _looks_like_other_language(words):
        return OTHER_LANGUAGE
    common = _common_english_words()
    english = sum(1 for w in words if get_string_id(w) in common)
    if english / len(words) < MIN_ENGLISH_SHARE:
        return OTHER_LANGUAGE
    return None


def warm_up() -> None:
    """Load the word lists now rather than on the first message."""
    _tokenizer()
    _stop_words()
    _common_english_words()
