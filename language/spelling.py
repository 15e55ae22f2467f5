"""Typo correction towards a vocabulary: "wieght" -> "weight", "swolen" -> "swollen".

One corrector for every reader. A word is corrected only when it is neither
English (spacy-lookups-data's WordNet index and inflection table) nor in the
vocabulary, and only towards a vocabulary word within a small edit distance:
a real word ("not", "hit", "half") is never rewritten into another one.
The few misspellings edit distance can't reach (too short, too far, or a real
word) are listed in MISSPELLINGS, and followed towards the vocabulary only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lookups import load_lookups

from language.text import MappedText
from language.tokens import tokenizer

MIN_LENGTH = 4  # shorter words have too many neighbours at distance 1

# Misspellings the edit distance can't reach: too short ("kne"), too far ("neez", "jogin")
# or an English word of their own ("siting", "paine"). Chat spellings ("rite", "footy") are
# text-speak (text.py), not misspellings.
MISSPELLINGS = {
    "lef": "left",
    "kne": "knee",
    "nee": "knee",
    "nees": "knees",
    "neez": "knees",
    "jogin": "jogging",
    "siting": "sitting",
    "hrts": "hurts",
    "paine": "pain",
    "excersize": "exercise",
    "dipt": "dipped",
}


@lru_cache(maxsize=1)
def _lookups():
    return load_lookups("en", ["lemma_index", "lemma_lookup"])


@lru_cache(maxsize=1)
def english_words() -> FrozenSet[str]:
    """Base forms of English nouns, verbs, adjectives and adverbs (WordNet index), and the function words WordNet
    leaves out (spaCy's stop words: "during", "towards", "whose"); see is_english for inflections."""
    lookups = _lookups()
    index = lookups.get_table("lemma_index")
    words = {w for w in STOP_WORDS if w.isalpha()}
    for pos in ("noun", "verb", "adj", "adv"):
        words.update(w.lower() for w in index.get(pos, []) if "_" not in w)
    return frozenset(words)


def is_english(word: str) -> bool:
    """A WordNet base form or an inflection of one ("swelled", "crutches", "took")."""
    return word in english_words() or lemma(word) is not None


def lemma(word: str) -> Optional[str]:
    """The base form of an inflected English word ("hurts" -> "hurt"), or None."""
    return _lookups().get_table("lemma_lookup").get(word)


def max_distance(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours counts 1), or limit+1 if above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: List[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _another_word(word: str, candidate: str) -> bool:
    """ "righto", "lefty", "marathons": a word that goes on after a known one is a word of its own, not a typo
    (but "leftt" is: a key held down)."""
    return len(word) > len(candidate) and word.startswith(candidate) and word != candidate + candidate[-1]


class TypoCorrector:
    """Corrects unknown words towards ``vocabulary``; ``preferred`` words win ties."""

    def __init__(self, vocabulary: Iterable[str], *, preferred: Iterable[str] = (), extra_known: Iterable[str] = ()):
        self._preferred = frozenset(w.lower() for w in preferred if w.isalpha())
        candidates = {w.lower() for w in vocabulary if w.isalpha() and len(w) >= MIN_LENGTH - 1}
        candidates |= self._preferred
        self._misspellings = {wrong: right for wrong, right in MISSPELLINGS.items() if right in candidates}
        self._by_length: Dict[int, List[str]] = {}
        for word in sorted(candidates):
            self._by_length.setdefault(len(word), []).append(word)
        self._known = candidates | {w.lower() for w in extra_known} | english_words()

    def is_known(self, word: str) -> bool:
        word = word.lower()
        return word in self._known or lemma(word) is not None

    def correct(self, word: str) -> str:
        """The corrected (lower-case) word, or ``word`` itself when it is fine or hopeless."""
        lower = word.lower()
        if lower in self._misspellings:
            return self._misspellings[lower]
        if len(lower) < MIN_LENGTH or not lower.isalpha() or self.is_known(lower):
            return word
        if lower.endswith("s") and lower[:-1] in self._known:
            return lower[:-1]  # "foots", "knees": a plural or a possessive typed without its apostrophe
        best = self._closest(lower)
        return best if best is not None else word

    @lru_cache(maxsize=8192)  # noqa: B019 - one corrector per vocabulary, kept for the process's life
    def _closest(self, word: str) -> Optional[str]:
        limit = max_distance(word)
        best: Optional[Tuple[int, int, int, int, str]] = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            for candidate in self._by_length.get(length, ()):
                if _another_word(word, candidate):
                    continue
                d = edit_distance(word, candidate, limit)
                if d > limit or (d > 1 and candidate[0] != word[0]):
                    continue  # two typos and a changed first letter: more likely another word ("gnight", "nighty")
                key = (
                    d,
                    0 if candidate in self._preferred else 1,
                    0 if candidate[0] == word[0] else 1,  # typos rarely change the first letter
                    abs(len(candidate) - len(word)),
                    candidate,
                )
                if best is None or key < best:
                    best = key
        return best[-1] if best else None

    def correct_words(self, text: MappedText) -> MappedText:
        """The text with each word corrected, still mapped onto the original."""
        doc = tokenizer()(text.text)
        fixes = [(token.idx, token.idx + len(token.text), self.correct(token.text)) for token in doc]
        fixes = [(start, end, fixed) for start, end, fixed in fixes if fixed != text.text[start:end]]
        return text.replaced(fixes)
