"""Typo tolerance for questions: "anckle" -> "ankle", "menicus" -> "meniscus".

The corrector itself is the shared one (language/spelling.py); this module
gives it the knowledge base's words: the vocabulary's words are preferred, and
the passages' words and lemmas are known and correctable-to.
"""

from __future__ import annotations

from typing import Iterable

from language.spelling import MIN_LENGTH, TypoCorrector, edit_distance, english_words, max_distance

__all__ = ["MIN_LENGTH", "SpellingCorrector", "edit_distance", "english_words", "max_distance"]


class SpellingCorrector(TypoCorrector):
    def __init__(self, preferred: Iterable[str], corpus: Iterable[str]):
        """``preferred``: words of the vocabulary; ``corpus``: words and lemmas of the passages."""
        super().__init__(corpus, preferred=preferred)
