"""Database tables of the knowledge base.

SQLAlchemy 1.4 in 2.0 style: classic declarative models (``DeclarativeBase`` arrives only in
2.0), ``select()`` queries and ``future=True`` engines. Only portable types are used so the same
models work on SQLite and PostgreSQL by changing the URL.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
)
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, relationship

Base: Any = declarative_base()  # Any: mypy cannot see declarative classes without a plugin


class Document(Base):
    __tablename__ = "documents"

    id = Column(Integer, primary_key=True)
    title = Column(String(300), nullable=False)
    author = Column(String(200))
    publisher = Column(String(200))
    source_path = Column(String(500), nullable=False, unique=True)
    checksum = Column(String(64), nullable=False)  # sha256 of the source file

    sections = relationship("Section", back_populates="document", order_by="Section.position")


class Section(Base):
    __tablename__ = "sections"

    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    heading = Column(String(300), nullable=False)  # "" for text before the first heading
    position = Column(Integer, nullable=False)

    document = relationship("Document", back_populates="sections")
    passages = relationship("Passage", back_populates="section", order_by="Passage.position")

    __table_args__ = (UniqueConstraint("document_id", "position", name="uq_section_position"),)


class Passage(Base):
    """One sentence of a source, the unit that questions are answered with."""

    __tablename__ = "passages"

    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False)
    section_id = Column(Integer, ForeignKey("sections.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False)  # order of the sentence in its document
    paragraph = Column(Integer, nullable=False)  # order of its paragraph in the document
    text = Column(Text, nullable=False)
    lemmas = Column(Text, nullable=False)  # space-separated lower-case content lemmas, for ranking

    section = relationship("Section", back_populates="passages")

    __table_args__ = (
        UniqueConstraint("document_id", "position", name="uq_passage_position"),
        Index("ix_passages_document_position", "document_id", "position"),
    )


class Concept(Base):
    __tablename__ = "concepts"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    kind = Column(String(20), nullable=False)
    label = Column(String(200), nullable=False)
    target = Column(String(100))  # joint an exercise trains / where a root mechanism starts
    is_group = Column(Boolean, nullable=False, default=False)
    synonyms = Column(JSON, nullable=False)  # list of phrases
    implied_by = Column(JSON, nullable=False)  # list of lists of concept names
    broader = Column(JSON, nullable=False)  # names of more general concepts (stairs -> weight-bearing)


class PassageConcept(Base):
    __tablename__ = "passage_concepts"

    passage_id = Column(Integer, ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True)
    concept_id = Column(Integer, ForeignKey("concepts.id", ondelete="CASCADE"), primary_key=True, index=True)
    mentions = Column(Integer, nullable=False)
    first_token = Column(Integer, nullable=False)  # token offset of the first mention in the sentence
    surface = Column(String(300), nullable=False)  # the words of the first mention


class CausalLink(Base):
    __tablename__ = "causal_links"

    id = Column(Integer, primary_key=True)
    cause_id = Column(Integer, ForeignKey("concepts.id", ondelete="CASCADE"), nullable=False, index=True)
    effect_id = Column(Integer, ForeignKey("concepts.id", ondelete="CASCADE"), nullable=False)
    relation = Column(String(100), nullable=False)
    passage_id = Column(Integer, ForeignKey("passages.id", ondelete="CASCADE"), nullable=False)

    __table_args__ = (UniqueConstraint("cause_id", "effect_id", "passage_id", name="uq_causal_link"),)


def make_engine(url: str) -> Engine:
    return create_engine(url, future=True)
