"""spaCy pipeline shared by the build and the query side.

No pretrained model can be downloaded here, so the pipeline is ``spacy.blank("en")`` with a
rule-based sentencizer and the lookup lemmatizer from spacy-lookups-data. Build and query
must use exactly the same pipeline, otherwise lemmas stored in the database would not match
the lemmas of a question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Dict, Iterable, List, Sequence, Tuple

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token

if TYPE_CHECKING:  # only for annotations: vocabulary.py does not need spaCy
    from .vocabulary import ConceptSpec

# spaCy's stop list drops words that carry meaning for knee pain ("move", "side", "front").
_DOMAIN_WORDS = {"move", "front", "side", "back", "bottom", "top", "behind", "down", "up", "out", "off", "full"}
STOP = frozenset(w for w in STOP_WORDS if w not in _DOMAIN_WORDS) | {"'s", "’s"}

# Numbered or bulleted list markers at the start of a paragraph ("1.     Ankle Mobility ...").
_LIST_MARKER = re.compile(r"^\s*(?:\(?\d{1,3}[.)]|[-*+\u2022\u25aa\u25cf\u2013])\s+")
_SPACES = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_PUNCT_MAP = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2010": "-", "\u2011": "-"})


def normalize_text(text: str) -> str:
    """Clean one paragraph (or a question) before it is parsed.

    NFKC turns non-breaking spaces into plain spaces; curly quotes become straight so that
    "runner’s knee" matches "runner's knee"; list markers are dropped because they are layout,
    not words; runs of whitespace collapse to one space.
    """
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_PUNCT_MAP)
    text = _LIST_MARKER.sub("", text)
    return _SPACES.sub(" ", text).strip()


class _LowercaseLemmas:
    """The lookup table is keyed on lower-case words, so "Stiff" or "Hips" at the start of a
    sentence would keep their surface form. Re-look them up lower-cased so build and query agree."""

    def __init__(self, nlp: Language):
        self.nlp = nlp
        self._table = None

    def __call__(self, doc: Doc) -> Doc:
        if self._table is None:
            self._table = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
        table = self._table
        for token in doc:
            lower = token.lower_
            if token.text != lower:
                token.lemma_ = table.get(lower, lower)  # type: ignore[attr-defined]
            elif not token.lemma_:
                token.lemma_ = lower
        return doc


# (no annotations: spaCy validates factory arguments, and postponed annotations break that)
@Language.factory("knowledge_lowercase_lemmas")
def _make_lowercase_lemmas(nlp, name):
    return _LowercaseLemmas(nlp)


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The pipeline, built once per process (initialising the lemmatizer reads its tables)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("knowledge_lowercase_lemmas")
    nlp.initialize()
    return nlp


def parse(text: str) -> Doc:
    return get_nlp()(normalize_text(text))


def parse_many(texts: Iterable[str]) -> List[Doc]:
    return list(get_nlp().pipe(normalize_text(t) for t in texts))


def is_content(token: Token) -> bool:
    """Tokens that count for search: words and numbers, not punctuation or stop words."""
    if token.is_punct or token.is_space or token.lower_ in STOP or token.lemma_ in STOP:
        return False
    return any(ch.isalnum() for ch in token.text)


def search_terms(doc) -> List[str]:
    """Lower-cased lemmas of the content tokens of a Doc or Span, in order."""
    return [token.lemma_ for token in doc if is_content(token)]


# --------------------------------------------------------------------------- concept matching

# Components of an implied concept must sit this close together (in tokens, both included),
# inside one clause: "my ankle is really stiff" yes, "my ankle is fine but my knee is stiff" no.
IMPLIED_WINDOW = 6
_CLAUSE_BREAKS = {"but", "although", "though", "whereas", "while", "except"}


@dataclass(frozen=True, order=True)
class Mention:
    """A concept mentioned in a Doc, as token offsets into that Doc."""

    start: int
    end: int
    concept: str
    text: str
    implied: bool = False


class ConceptMatcher:
    """Finds vocabulary concepts in parsed text.

    Two PhraseMatchers: LEMMA catches inflections ("knees cave in" ~ "knee caves in"), LOWER
    catches forms the lookup lemmatizer gets wrong or leaves alone (abbreviations, hyphens).
    """

    def __init__(self, concepts: Sequence["ConceptSpec"]):
        nlp = get_nlp()
        self.specs: Dict[str, "ConceptSpec"] = {c.name: c for c in concepts}
        self.order = {c.name: i for i, c in enumerate(concepts)}
        self._lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        for spec in concepts:
            phrases = [normalize_text(p) for p in spec.phrases]
            self._lemma.add(spec.name, list(nlp.pipe(phrases)))
            self._lower.add(spec.name, [nlp.make_doc(p) for p in phrases])
        self._implied = [(spec.name, spec.implied_by) for spec in concepts if spec.implied_by]

    def find(self, doc: Doc) -> List[Mention]:
        """All mentions, nested ones included, sorted by position."""
        found = {}
        strings = doc.vocab.strings
        for matcher in (self._lemma, self._lower):
            for match_id, start, end in matcher(doc):
                name = strings[match_id]
                found[(name, start, end)] = Mention(start, end, name, doc[start:end].text)
        base = list(found.values())
        for name, groups in self._implied:
            for group in groups:
                for mention in self._compose(doc, base, group, name):
                    found.setdefault((name, mention.start, mention.end), mention)
        return sorted(found.values())

    def _compose(self, doc: Doc, mentions: List[Mention], group: Tuple[str, ...], name: str) -> List[Mention]:
        by_concept = {part: [m for m in mentions if m.concept == part] for part in group}
        if any(not found for found in by_concept.values()):
            return []
        out = []
        for anchor in by_concept[group[0]]:
            parts = [anchor]
            for other in group[1:]:
                parts.append(min(by_concept[other], key=lambda m: (abs(m.start - anchor.start), m.start)))
            start, end = min(m.start for m in parts), max(m.end for m in parts)
            if end - start > IMPLIED_WINDOW:
                continue
            inside = doc[start:end]
            if any(t.is_punct or t.lower_ in _CLAUSE_BREAKS for t in inside):
                continue
            out.append(Mention(start, end, name, inside.text, implied=True))
        return out

    def concepts(self, doc: Doc) -> List[str]:
        """Concept names in order of first mention."""
        names: List[str] = []
        for mention in self.find(doc):
            if mention.concept not in names:
                names.append(mention.concept)
        return names


def outermost(mentions: Iterable[Mention]) -> List[Mention]:
    """Drop mentions lying inside a longer one: in "stiff ankles" the concept is ankle
    stiffness, not also the symptom "stiff"."""
    mentions = sorted(mentions)
    keep = []
    for m in mentions:
        inside = any(o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start) for o in mentions)
        if not inside:
            keep.append(m)
    return keep
