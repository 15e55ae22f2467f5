"""Ranking of passages for a question: BM25 over lemmas, plus concept overlap.

BM25 (Robertson/Sparck Jones weighting, as in Lucene) finds the words; concepts bridge the
gap between lay words and the article's words ("runners knee" -> PFPS). The question is cut
into units (each concept mention, each remaining word) and a passage scores the sum of its
best match per unit, so one phrase is never counted several times. For "why" questions,
passages that state a causal link about the question's concepts rank higher.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Sequence, Set, Tuple

if TYPE_CHECKING:
    from .vocabulary import ConceptSpec


def idf(document_frequency: int, total: int) -> float:
    """Always positive, so a very common term still counts a little."""
    return math.log(1.0 + (total - document_frequency + 0.5) / (document_frequency + 0.5))


class BM25:
    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.size = len(documents)
        self.lengths = [len(d) for d in documents]
        self.average = (sum(self.lengths) / self.size) if self.size else 0.0
        self.postings: Dict[str, List[Tuple[int, int]]] = {}
        for index, document in enumerate(documents):
            for term, count in sorted(Counter(document).items()):
                self.postings.setdefault(term, []).append((index, count))

    def __contains__(self, term: str) -> bool:
        return term in self.postings

    def idf(self, term: str) -> float:
        return idf(len(self.postings.get(term, ())), self.size)

    def scores(self, weighted_terms: Mapping[str, float]) -> List[float]:
        """Score of every document for terms weighted by the caller (1.0 = typed by the user)."""
        result = [0.0] * self.size
        for term, weight in weighted_terms.items():
            postings = self.postings.get(term)
            if not postings:
                continue
            term_idf = self.idf(term) * weight
            for index, count in postings:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[index] / (self.average or 1.0))
                result[index] += term_idf * count * (self.k1 + 1) / (count + norm)
        return result


# --------------------------------------------------------------------------- passage ranking

# Weights, chosen by hand and checked on benchmarks/retrieval_questions.yml (PREFIX_WEIGHT
# 0.5 -> 0.7 was the one change made while looking at the benchmark's misses).
EXPANSION_WEIGHT = 0.3  # a passage using another synonym's words of a concept the user named
PREFIX_WEIGHT = 0.7  # a corpus word sharing a prefix with a word the user typed ("move" ~ "movement")
BROADER_WEIGHT = 0.5  # a passage about the broader concept (running -> weight-bearing activities)
CAUSAL_WEIGHT = 1.0  # for "why" questions: the passage states a causal link about the concept
# How much a concept of each kind counts. Conditions, mechanisms and exercises are what a
# question is about; joints, symptoms and activities are its setting ("...knee pain when running").
KIND_WEIGHTS = {"joint": 0.7, "body_part": 0.8, "symptom": 0.8, "activity": 0.6}
# The user's own words found verbatim add this share on top of the best match of their unit,
# so "what is maltracking" prefers the sentence saying "maltracking" to one describing it.
VERBATIM_WEIGHT = 0.2
MIN_PREFIX = 4
MAX_PREFIX_EXTRA = 5
# Concepts whose synonyms are worth searching for; joints and body parts are too common.
EXPANDED_KINDS = {"condition", "mechanism", "exercise", "symptom", "activity"}


@dataclass(frozen=True)
class Unit:
    """One thing the question asks about: a concept mention (with its words) or a lone word."""

    terms: Tuple[str, ...]
    concept: Optional[str] = None


@dataclass(frozen=True)
class Question:
    units: Tuple[Unit, ...]
    causal: bool  # asks why / what causes / what happens


class PassageRanker:
    """Sum over the question's units of how well a passage matches each.

    A concept mention is one unit however many words and nested concepts it has, so
    "stiff ankles" counts once (as ankle stiffness), not four times (stiff, ankle, stiffness,
    ankle stiffness). It matches a passage through the concept (BM25 over the passages'
    concept lists), or its own words, or another synonym's words, whichever is best.
    """

    def __init__(
        self,
        lemmas: Sequence[Sequence[str]],
        passage_concepts: Sequence[Sequence[str]],
        passage_links: Sequence[Set[str]],
        concepts: Mapping[str, "ConceptSpec"],
        expansion: Mapping[str, Tuple[str, ...]],
    ):
        self.words = BM25(lemmas)
        self.concept_field = BM25(passage_concepts)
        self.passage_links = passage_links
        self.concepts = concepts
        self.expansion = expansion
        self.size = len(lemmas)
        self._vocabulary = sorted(self.words.postings)

    def prefix_variants(self, term: str) -> List[str]:
        if len(term) < MIN_PREFIX:
            return []
        return [
            w
            for w in self._vocabulary
            if w != term
            and min(len(w), len(term)) >= MIN_PREFIX
            and abs(len(w) - len(term)) <= MAX_PREFIX_EXTRA
            and (w.startswith(term) or term.startswith(w))
        ]

    def _words_score(self, terms: Sequence[str], weight: float = 1.0) -> List[float]:
        exact = self.words.scores({t: weight for t in terms})
        variants = {v: weight * PREFIX_WEIGHT for t in terms for v in self.prefix_variants(t) if v not in terms}
        if variants:
            loose = self.words.scores(variants)
            exact = [max(a, b) for a, b in zip(exact, loose)]
        return exact

    def _unit_scores(self, unit: Unit, causal: bool) -> List[float]:
        verbatim = self._words_score(unit.terms)
        name = unit.concept
        if name is None or name not in self.concepts:
            return verbatim
        spec = self.concepts[name]
        best = list(verbatim)
        candidates = [self.concept_field.scores({name: 1.0})]
        if spec.kind in EXPANDED_KINDS and self.expansion.get(name):
            candidates.append(self.words.scores({t: EXPANSION_WEIGHT for t in self.expansion[name]}))
        if spec.broader:
            # back off to the broader concept fully when no passage names the narrower one
            weight = BROADER_WEIGHT if name in self.concept_field else 1.0
            candidates.append(self.concept_field.scores({b: weight for b in spec.broader}))
        for other in candidates:
            best = [max(a, b) for a, b in zip(best, other)]
        if causal:
            bonus = CAUSAL_WEIGHT * self.concept_field.idf(name)
            best = [s + bonus if s > 0 and name in self.passage_links[i] else s for i, s in enumerate(best)]
        weight = KIND_WEIGHTS.get(spec.kind, 1.0)
        return [weight * (b + VERBATIM_WEIGHT * v) for b, v in zip(best, verbatim)]

    def scores(self, question: Question) -> List[float]:
        total = [0.0] * self.size
        for unit in question.units:
            for index, value in enumerate(self._unit_scores(unit, question.causal)):
                total[index] += value
        return total
