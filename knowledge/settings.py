"""Default locations, shared by the build command and the query side."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
DEFAULT_SOURCES = PACKAGE_DIR / "sources"
DEFAULT_VOCABULARY = PACKAGE_DIR / "vocabulary.yml"
DEFAULT_DB_PATH = PACKAGE_DIR / "knowledge.db"
DB_URL_ENV = "KNOWLEDGE_DB_URL"
SOURCES_ENV = "KNOWLEDGE_SOURCES"


def default_db_url() -> str:
    """KNOWLEDGE_DB_URL if set (e.g. a PostgreSQL URL), else the SQLite file in this package."""
    return os.environ.get(DB_URL_ENV) or f"sqlite:///{DEFAULT_DB_PATH}"


def default_sources() -> Path:
    """KNOWLEDGE_SOURCES if set (the folder the project's build reads, see settings.py), else
    knowledge/sources: the explanation and the exercises read the same folder as the build."""
    return Path(os.environ.get(SOURCES_ENV) or DEFAULT_SOURCES)


def display_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return repr(make_url(url))
    except Exception:  # not a URL at all: show it as given, it holds no parsed password
        return str(url)
