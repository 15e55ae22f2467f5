"""Build the knowledge base from the source articles.

    python -m knowledge.build [--sources DIR] [--db URL] [--vocabulary FILE]

Every run drops and recreates the tables and inserts everything in a fixed order, so a rebuild
of the same sources gives the same rows and ids.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from .causal import extract_links
from .drivers import parse_catalogue
from .nlp import ConceptMatcher, Mention, parse_many, search_terms
from .schema import Base, CausalLink, Concept, Document, Passage, PassageConcept, Section, make_engine
from .settings import REPO_ROOT, default_db_url, default_sources, display_url
from .sources import SourceDocument, discover_sources, read_source
from .vocabulary import load_vocabulary


@dataclass
class BuildStats:
    documents: int = 0
    sections: int = 0
    passages: int = 0
    concepts: int = 0
    concept_mentions: int = 0
    causal_links: int = 0
    seconds: float = 0.0
    db_url: str = ""

    def summary(self) -> str:
        return (
            f"Built knowledge base {display_url(self.db_url)}: "
            f"{self.documents} document(s), {self.sections} sections, "
            f"{self.passages} passages, {self.concepts} concepts, {self.concept_mentions} passage-concept links, "
            f"{self.causal_links} causal links in {self.seconds:.2f} s"
        )


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _display_path(path: Path) -> str:
    path = path.resolve()
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def build(
    sources_dir: Optional[Path] = None, db_url: Optional[str] = None, vocabulary_path: Optional[Path] = None
) -> BuildStats:
    """Rebuild the knowledge base at ``db_url`` from every .txt/.md file in ``sources_dir``."""
    started = time.perf_counter()
    sources_dir = Path(sources_dir or default_sources())
    paths = discover_sources(sources_dir)
    if not paths:
        raise FileNotFoundError(f"no .txt or .md sources in {sources_dir}")
    documents = [read_source(p) for p in paths]
    parse_catalogue(paths)  # a driver naming a missing section fails here, not in a consultation
    specs = load_vocabulary(vocabulary_path)
    matcher = ConceptMatcher(specs)
    kinds = {spec.name: spec.kind for spec in specs}

    url = db_url or default_db_url()
    _ensure_sqlite_dir(url)
    engine = make_engine(url)
    stats = BuildStats(db_url=url)
    try:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        with Session(engine, future=True) as session, session.begin():
            concepts = {
                spec.name: Concept(
                    name=spec.name,
                    kind=spec.kind,
                    label=spec.label,
                    target=spec.target,
                    is_group=spec.group,
                    synonyms=list(spec.synonyms),
                    implied_by=[list(group) for group in spec.implied_by],
                    broader=list(spec.broader),
                )
                for spec in specs
            }
            session.add_all(concepts.values())
            session.flush()
            stats.concepts = len(concepts)
            for source in documents:
                _add_document(session, source, matcher, kinds, concepts, stats)
    finally:
        engine.dispose()
    stats.seconds = time.perf_counter() - started
    return stats


def _add_document(
    session: Session,
    source: SourceDocument,
    matcher: ConceptMatcher,
    kinds: Dict[str, str],
    concepts: Dict[str, Concept],
    stats: BuildStats,
) -> None:
    document = Document(
        title=source.title,
        author=source.author,
        publisher=source.publisher,
        source_path=_display_path(source.path),
        checksum=source.checksum,
    )
    session.add(document)
    session.flush()
    stats.documents += 1
    position = paragraph_no = 0
    for section_position, source_section in enumerate(source.sections):
        section = Section(document_id=document.id, heading=source_section.heading, position=section_position)
        session.add(section)
        session.flush()
        stats.sections += 1
        for paragraph in parse_many(source_section.paragraphs):
            sentences = [s for s in paragraph.sents if any(ch.isalnum() for ch in s.text)]
            if not sentences:
                continue
            mentions = matcher.find(paragraph)
            per_sentence = [[m for m in mentions if s.start <= m.start and m.end <= s.end] for s in sentences]
            passages: List[Passage] = []
            for sentence in sentences:
                passages.append(
                    Passage(
                        document_id=document.id,
                        section_id=section.id,
                        position=position,
                        paragraph=paragraph_no,
                        text=sentence.text.strip(),
                        lemmas=" ".join(search_terms(sentence)),
                    )
                )
                position += 1
            session.add_all(passages)
            session.flush()
            stats.passages += len(passages)
            for passage, sentence, found in zip(passages, sentences, per_sentence):
                stats.concept_mentions += _link_concepts(session, passage, sentence.start, found, concepts)
            for link in extract_links(sentences, per_sentence, kinds):
                session.add(
                    CausalLink(
                        cause_id=concepts[link.cause].id,
                        effect_id=concepts[link.effect].id,
                        relation=link.relation,
                        passage_id=passages[link.sentence].id,
                    )
                )
                stats.causal_links += 1
            paragraph_no += 1
    session.flush()


def _link_concepts(
    session: Session, passage: Passage, offset: int, mentions: Sequence[Mention], concepts: Dict[str, Concept]
) -> int:
    first: Dict[str, Mention] = {}
    counts: Dict[str, int] = {}
    # at equal starts the longest mention names the concept best ("IT band syndrome", not "IT band")
    for m in sorted(mentions, key=lambda m: (m.start, -m.end, m.concept)):
        first.setdefault(m.concept, m)
        counts[m.concept] = counts.get(m.concept, 0) + 1
    for name, m in first.items():
        session.add(
            PassageConcept(
                passage_id=passage.id,
                concept_id=concepts[name].id,
                mentions=counts[name],
                first_token=m.start - offset,
                surface=m.text[:300],
            )
        )
    return len(first)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge.build", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sources",
        type=Path,
        default=None,
        help="folder of .txt/.md sources (default: $KNOWLEDGE_SOURCES or knowledge/sources)",
    )
    parser.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: $KNOWLEDGE_DB_URL or knowledge/knowledge.db)"
    )
    parser.add_argument(
        "--vocabulary", type=Path, default=None, help="vocabulary YAML (default: knowledge/vocabulary.yml)"
    )
    args = parser.parse_args(argv)
    stats = build(args.sources, args.db, args.vocabulary)
    print(stats.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
