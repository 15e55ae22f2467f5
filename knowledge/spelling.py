"""Typo tolerance for questions: "anckle" -> "ankle", "menicus" -> "meniscus".

Only words that are neither English (per the spacy-lookups-data word lists) nor known to the
knowledge base are corrected, and only towards the knowledge base's own words, so a real word
is never rewritten into a different one.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

from spacy.lookups import load_lookups

from .nlp import get_nlp

MIN_LENGTH = 4  # shorter words have too many neighbours at distance 1


@lru_cache(maxsize=1)
def english_words() -> FrozenSet[str]:
    """Base forms of English nouns, verbs, adjectives and adverbs (WordNet index)."""
    table = load_lookups("en", ["lemma_index"]).get_table("lemma_index")
    words = set()
    for pos in ("noun", "verb", "adj", "adv"):
        words.update(w.lower() for w in table.get(pos, []) if "_" not in w)
    return frozenset(words)


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


class SpellingCorrector:
    def __init__(self, preferred: Iterable[str], corpus: Iterable[str]):
        """``preferred``: words of the vocabulary; ``corpus``: words and lemmas of the passages."""
        self._preferred = frozenset(w for w in preferred if w.isalpha())
        candidates = {w for w in self._preferred | set(corpus) if w.isalpha() and len(w) >= MIN_LENGTH - 1}
        self._by_length: Dict[int, List[str]] = {}
        for word in sorted(candidates):
            self._by_length.setdefault(len(word), []).append(word)
        self._known = candidates | english_words()
        self._lemmas = get_nlp().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")

    def is_known(self, word: str) -> bool:
        return word in self._known or self._lemmas.get(word) is not None

    def correct(self, word: str) -> str:
        """The corrected (lower-case) word, or ``word`` itself when it is fine or hopeless."""
        lower = word.lower()
        if len(lower) < MIN_LENGTH or not lower.isalpha() or self.is_known(lower):
            return word
        best = self._closest(lower)
        return best if best is not None else word

    @lru_cache(maxsize=4096)
    def _closest(self, word: str) -> Optional[str]:
        limit = max_distance(word)
        best: Optional[Tuple[int, int, int, str]] = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            for candidate in self._by_length.get(length, ()):
                d = edit_distance(word, candidate, limit)
                if d > limit:
                    continue
                key = (d, 0 if candidate in self._preferred else 1, abs(len(candidate) - len(word)), candidate)
                if best is None or key < best:
                    best = key
        return best[3] if best else None
