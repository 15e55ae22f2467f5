"""Read side of the knowledge base, used by the bot's actions.

The whole database is small (sentences of a few articles), so it is read once into memory:
queries are then fast, deterministic and never write.

(Over 300 lines: one class, the knowledge base's whole read API over one in-memory load.)
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from urllib.request import pathname2url
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import create_engine, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import schema
from .nlp import STOP, ConceptMatcher, get_nlp, is_content, normalize_text, outermost, search_terms
from .ranking import PassageRanker, Question, Unit
from .results import CausalStep, ExerciseMention, Explanation, Passage
from .settings import default_db_url, display_url
from .spelling import MIN_LENGTH, SpellingCorrector
from .vocabulary import ConceptSpec

# Questions longer than this are cut: nobody types more, and it keeps the worst case fast.
MAX_QUESTION_CHARS = 2000
MAX_CORRECTIONS = 32
# Words that make a question ask for causes or consequences ("why", "what causes", "what happens").
CAUSAL_QUESTION_WORDS = {
    "why",
    "cause",
    "lead",
    "result",
    "affect",
    "because",
    "happen",
    "reason",
    "effect",
    "trigger",
    "mess",
    "ruin",
    "damage",
    "connect",
    "relate",
    "link",
    "responsible",
}

# A driver is a joint that the vocabulary's mechanisms or exercises target ("ankle", "hip");
# "both" (or "ankle and hip") is all of them, and a plural names the joint ("hips").
BOTH = "both"


class KnowledgeBaseNotBuilt(RuntimeError):
    """The database is missing or empty."""


def _not_built(url: str, why: str) -> KnowledgeBaseNotBuilt:
    return KnowledgeBaseNotBuilt(
        f"Knowledge base not available at {display_url(url)} ({why}). Build it first with: python -m knowledge.build"
    )


def _open_engine(url: str) -> Engine:
    """SQLite files are opened read-only, so a wrong path never creates an empty database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.is_file():
            raise _not_built(url, "file not found")
        uri = f"file:{pathname2url(str(path.resolve()))}?mode=ro"
        return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), future=True)
    return create_engine(url, future=True)


class KnowledgeBase:
    def __init__(self, db_url: Optional[str] = None):
        self.db_url = db_url or default_db_url()
        engine = _open_engine(self.db_url)
        try:
            if not inspect(engine).has_table("passages"):
                raise _not_built(self.db_url, "no passages table")
            with Session(engine, future=True) as session:
                self._load(session)
        except SQLAlchemyError as error:
            raise _not_built(self.db_url, type(error).__name__) from error
        finally:
            engine.dispose()
        if not self._passages:
            raise _not_built(self.db_url, "no passages")
        self._prepare()

    # ------------------------------------------------------------------ loading

    def _load(self, session: Session) -> None:
        documents = {d.id: d for d in session.execute(select(schema.Document)).scalars()}
        sections = {s.id: s for s in session.execute(select(schema.Section)).scalars()}
        rows = session.execute(
            select(schema.Passage).order_by(schema.Passage.document_id, schema.Passage.position)
        ).scalars()
        self._passages: List[Passage] = []
        self._lemmas: List[List[str]] = []
        self._index_of: Dict[int, int] = {}
        for row in rows:
            document = documents[row.document_id]
            self._index_of[row.id] = len(self._passages)
            self._passages.append(
                Passage(
                    id=row.id,
                    text=row.text,
                    section=sections[row.section_id].heading,
                    document_title=document.title,
                    author=document.author,
                    position=row.position,
                    document_id=row.document_id,
                )
            )
            self._lemmas.append(row.lemmas.split())
        concepts = session.execute(select(schema.Concept).order_by(schema.Concept.id)).scalars().all()
        self._specs: Dict[str, ConceptSpec] = {}
        names_by_id: Dict[int, str] = {}
        for c in concepts:
            names_by_id[c.id] = c.name
            self._specs[c.name] = ConceptSpec(
                name=c.name,
                kind=c.kind,
                label=c.label,
                target=c.target,
                group=bool(c.is_group),
                synonyms=tuple(c.synonyms or ()),
                implied_by=tuple(tuple(g) for g in (c.implied_by or ())),
                broader=tuple(c.broader or ()),
            )
        # passage index -> {concept: (first_token, surface, mention count)}
        self._mentions: List[Dict[str, Tuple[int, str, int]]] = [dict() for _ in self._passages]
        for pc in session.execute(select(schema.PassageConcept)).scalars():
            if pc.passage_id in self._index_of:
                self._mentions[self._index_of[pc.passage_id]][names_by_id[pc.concept_id]] = (
                    pc.first_token,
                    pc.surface,
                    pc.mentions,
                )
        self._links: List[Tuple[str, str, str, int]] = [
            (names_by_id[link.cause_id], names_by_id[link.effect_id], link.relation, link.passage_id)
            for link in session.execute(select(schema.CausalLink).order_by(schema.CausalLink.id)).scalars()
        ]

    def _prepare(self) -> None:
        self._matcher = ConceptMatcher(list(self._specs.values()))
        nlp = get_nlp()
        corpus_terms = {t for lemmas in self._lemmas for t in lemmas}
        # the corpus words a concept's synonyms contribute when a question names the concept
        expansion: Dict[str, Tuple[str, ...]] = {}
        vocabulary_words: Set[str] = set()
        for spec in self._specs.values():
            terms: List[str] = []
            docs = list(nlp.pipe(normalize_text(p) for p in spec.phrases))
            for doc in docs:
                vocabulary_words.update(t.lower_ for t in doc)
                terms.extend(t for t in search_terms(doc) if t in corpus_terms and t not in terms)
            expansion[spec.name] = tuple(terms)
        links_at: List[Set[str]] = [set() for _ in self._passages]
        for cause, effect, _, passage_id in self._links:
            links_at[self._index_of[passage_id]].update((cause, effect))
        # each passage's concepts, repeated once per mention, as a second field for BM25
        concept_field = [
            [name for name, (_, _, count) in sorted(m.items()) for _ in range(count)] for m in self._mentions
        ]
        self._ranker = PassageRanker(self._lemmas, concept_field, links_at, self._specs, expansion)
        corpus_words: Set[str] = set(corpus_terms)
        for passage in self._passages:
            corpus_words.update(t.lower_ for t in nlp.make_doc(passage.text))
        self._speller = SpellingCorrector(vocabulary_words, corpus_words)

    # ------------------------------------------------------------------ analysis

    def _parse_question(self, text):
        """The question as a Doc, with typos in unknown words corrected."""
        if not isinstance(text, str):
            return None
        text = normalize_text(text[:MAX_QUESTION_CHARS])
        if not text:
            return None
        nlp = get_nlp()
        doc = nlp(text)
        pieces, changed, tried = [], False, 0
        for token in doc:
            word = token.text
            if (
                tried < MAX_CORRECTIONS
                and token.is_alpha
                and len(word) >= MIN_LENGTH
                and token.lower_ not in STOP
                and not self._speller.is_known(token.lower_)
            ):
                tried += 1
                fixed = self._speller.correct(word)
                if fixed != word:
                    word, changed = fixed, True
            pieces.append(word + token.whitespace_)
        return nlp("".join(pieces)) if changed else doc

    def concepts_in(self, text: str) -> List[str]:
        """Concept names mentioned in ``text`` (typos tolerated), in order of first mention."""
        doc = self._parse_question(text)
        return self._matcher.concepts(doc) if doc is not None else []

    # ------------------------------------------------------------------ answering

    def _question(self, doc) -> Question:
        units: List[Unit] = []
        covered: Set[int] = set()
        for mention in outermost(self._matcher.find(doc)):
            covered.update(range(mention.start, mention.end))
            if any(u.concept == mention.concept for u in units):
                continue  # a concept named twice is still one thing asked about
            terms = tuple(dict.fromkeys(search_terms(doc[mention.start : mention.end])))
            units.append(Unit(terms, mention.concept))
        free = [t.lemma_ for t in doc if t.i not in covered and is_content(t)]
        units.extend(Unit((term,)) for term in dict.fromkeys(free))
        causal = any(t.lower_ in CAUSAL_QUESTION_WORDS or t.lemma_ in CAUSAL_QUESTION_WORDS for t in doc)
        return Question(tuple(units), causal)

    def answer(self, question: str, limit: int = 3) -> List[Passage]:
        """Passages that best answer ``question``, best first; [] when nothing matches."""
        doc = self._parse_question(question)
        if doc is None or limit <= 0:
            return []
        scores = self._ranker.scores(self._question(doc))
        ranked = sorted(
            (i for i, s in enumerate(scores) if s > 0),
            key=lambda i: (-round(scores[i], 9), self._passages[i].document_id, self._passages[i].position),
        )
        return [replace(self._passages[i], score=round(scores[i], 4)) for i in ranked[:limit]]

    # ------------------------------------------------------------------ explanations

    @property
    def joints(self) -> Tuple[str, ...]:
        """The joints the vocabulary's concepts target, in vocabulary order: the drivers it can explain."""
        return tuple(dict.fromkeys(s.target for s in self._specs.values() if s.target))

    def _driver(self, driver: str) -> Tuple[str, Tuple[str, ...]]:
        """(name, joints) for a driver as asked: "ankle", "hips", "both", "ankle and hip"."""
        joints = self.joints
        key = normalize_text(str(driver)).lower()
        asked = (
            joints
            if key == BOTH
            else [
                part[:-1] if part not in joints and part.endswith("s") else part
                for part in (p.strip() for p in key.split(" and "))
            ]
        )
        if not asked or not all(j in joints for j in asked):
            raise ValueError(f"driver must be one of {sorted(joints + (BOTH,))}, not {driver!r}")
        chosen = tuple(j for j in joints if j in asked)
        name = chosen[0] if len(chosen) == 1 else (BOTH if chosen == joints else " and ".join(chosen))
        return name, chosen

    def _step(self, link: Tuple[str, str, str, int], depth: int) -> CausalStep:
        cause, effect, relation, passage_id = link
        return CausalStep(
            cause=cause,
            cause_label=self._specs[cause].label,
            relation=relation,
            effect=effect,
            effect_label=self._specs[effect].label,
            passage=self._passages[self._index_of[passage_id]],
            depth=depth,
        )

    def _in_text_order(self, numbered: Iterable[Tuple[int, CausalStep]]) -> List[CausalStep]:
        """Steps by depth, then as the article tells them (links were stored in text order)."""

        def key(item: Tuple[int, CausalStep]):
            number, step = item
            return (step.depth, step.passage.document_id, step.passage.position, number)

        return [step for _, step in sorted(numbered, key=key)]

    def explain_link(self, driver: str, symptoms: Sequence[str] = (), max_depth: int = 2) -> Explanation:
        """How stiff ankles ("ankle"), unstable hips ("hip") or "both" lead to knee problems,
        each step quoted from the article, plus what helps and the passages for ``symptoms``.

        The chain starts at the mechanisms whose vocabulary target is the driver's joint and
        follows harmful links (not those from exercises) up to ``max_depth`` steps.
        """
        key, joints = self._driver(driver)
        roots = [s.name for s in self._specs.values() if s.kind == "mechanism" and s.target in joints]
        steps: List[Tuple[int, CausalStep]] = []
        used: Set[int] = set()
        frontier, reached = set(roots), set(roots)
        for depth in range(1, max_depth + 1):
            found = [
                (number, self._step(link, depth))
                for number, link in enumerate(self._links)
                if number not in used and link[0] in frontier and self._specs[link[0]].kind != "exercise"
            ]
            used.update(number for number, _ in found)
            steps.extend(found)
            frontier = {step.effect for _, step in found} - reached
            reached |= frontier
        remedies = [
            (number, self._step(link, 1))
            for number, link in enumerate(self._links)
            if self._specs[link[0]].kind == "exercise" and self._specs[link[0]].target in joints
        ]
        symptom_words = [s for s in symptoms if isinstance(s, str) and s.strip()]
        passages: List[Passage] = []
        if symptom_words:
            labels = [self._specs[r].label for r in roots]
            passages = self.answer(" ".join(symptom_words + labels), limit=3)
        return Explanation(
            driver=key,
            links=tuple(self._in_text_order(steps)),
            remedies=tuple(self._in_text_order(remedies)),
            exercises=tuple(self.exercises_for(key)),
            passages=tuple(passages),
        )

    def exercises_for(self, target: str) -> List[ExerciseMention]:
        """The article's exercises for "ankle", "hip" or "both", with the sentence naming them."""
        try:
            _, joints = self._driver(target)
        except ValueError:
            return []
        found: List[ExerciseMention] = []
        seen: Set[str] = set()
        for passage, mentions in zip(self._passages, self._mentions):
            for name, (_, surface, _) in sorted(mentions.items(), key=lambda item: (item[1][0], item[0])):
                spec = self._specs[name]
                if spec.kind != "exercise" or spec.group or spec.target not in joints or name in seen:
                    continue
                seen.add(name)
                found.append(ExerciseMention(name, spec.label, spec.target, surface, passage))
        return found

    # ------------------------------------------------------------------ helpers

    def cite(self, passage: Passage) -> str:
        """Human-readable source of a passage, e.g. for the bot to say after a quote."""
        text = f'From "{passage.document_title}"'
        if passage.author:
            text += f" by {passage.author}"
        if passage.section:
            text += f' \u2014 section "{passage.section}"'
        return text

    def concept(self, name: str) -> Optional[ConceptSpec]:
        return self._specs.get(name)

    @property
    def passages(self) -> List[Passage]:
        return list(self._passages)

    def causal_links(self) -> List[CausalStep]:
        return [self._step(link, 1) for link in self._links]
