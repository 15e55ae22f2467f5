"""Session fixtures for the knowledge-base tests: temporary databases built from the sources.

Loaded through ``pytest_plugins`` in tests/conftest.py. Builds are cached per process, so a
fixture registered twice (plugin and a module import) still builds once.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict, Tuple

import pytest

from knowledge import KnowledgeBase, build
from knowledge.build import BuildStats

REPO = Path(__file__).resolve().parent.parent
MAIN_SOURCES = REPO / "knowledge" / "sources"
ARTICLE = MAIN_SOURCES / "article.txt"
SECOND_ARTICLE = Path(__file__).resolve().parent / "fixtures" / "second_article.md"

_built: Dict[str, Tuple[str, BuildStats]] = {}


def _build_once(key: str, tmp_path_factory, sources: Path = None) -> Tuple[str, BuildStats]:
    if key not in _built:
        folder = tmp_path_factory.mktemp(f"kb-{key}")
        if sources is None:
            sources = folder / "sources"
            sources.mkdir()
            for source in (ARTICLE, ARTICLE.with_name("article.meta.yml"), SECOND_ARTICLE):
                shutil.copy(source, sources / source.name)
        url = f"sqlite:///{folder / 'knowledge.db'}"
        _built[key] = (url, build(sources, url))
    return _built[key]


@pytest.fixture(scope="session")
def knowledge_db(tmp_path_factory) -> Tuple[str, BuildStats]:
    """(URL, build stats) of a database built from knowledge/sources only."""
    return _build_once("main", tmp_path_factory, MAIN_SOURCES)


@pytest.fixture(scope="session")
def knowledge_db_url(knowledge_db) -> str:
    return knowledge_db[0]


@pytest.fixture(scope="session")
def kb(knowledge_db_url) -> KnowledgeBase:
    return KnowledgeBase(knowledge_db_url)


@pytest.fixture(scope="session")
def two_article_db(tmp_path_factory) -> Tuple[str, BuildStats]:
    """(URL, build stats) of a database built from the main article plus tests/fixtures/second_article.md."""
    return _build_once("two", tmp_path_factory)


@pytest.fixture(scope="session")
def two_article_kb(two_article_db) -> KnowledgeBase:
    return KnowledgeBase(two_article_db[0])
