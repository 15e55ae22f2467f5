"""All configuration in one place, read from the environment.

Every setting has a documented default that runs the whole assistant on one
machine with SQLite and no keys. Values can also come from an untracked `.env`
file at the repository root (KEY=value lines); real environment variables win.
`python settings.py` prints the effective configuration (secrets masked).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent
VAR_DIR = ROOT / "var"  # runtime state: SQLite files, generated secrets (untracked)
LOG_DIR = ROOT / "logs"

_DOCUMENTED: List[Tuple[str, str, bool]] = []  # (name, description, secret)


def _load_dotenv(path: Path) -> None:
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


_load_dotenv(ROOT / ".env")


def _env(name: str, default: str, description: str, secret: bool = False) -> str:
    _DOCUMENTED.append((name, description, secret))
    return os.environ.get(name, default)


def _generated_secret(name: str, description: str) -> str:
    """A secret from the environment, or one generated once and kept in var/.

    Generated secrets make the defaults safe (no well-known token) without
    asking a first-time user to configure anything.
    """
    _DOCUMENTED.append((name, description, True))
    if os.environ.get(name):
        return os.environ[name]
    store = VAR_DIR / "secrets"
    store.mkdir(parents=True, exist_ok=True)
    path = store / name.lower()
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


HOST = _env("ASSISTANT_HOST", "127.0.0.1", "Interface the servers listen on.")
RASA_PORT = int(_env("RASA_PORT", "5005", "Port of the Rasa server (channels and HTTP API)."))
ACTION_PORT = int(_env("ACTION_PORT", "5055", "Port of the custom action server."))
ACTION_ENDPOINT_URL = _env(
    "ACTION_ENDPOINT_URL",
    f"http://127.0.0.1:{ACTION_PORT}/webhook",
    "Where the Rasa server calls custom actions.",
)
TRACKER_STORE_URL = _env(
    "TRACKER_STORE_URL",
    f"sqlite:///{VAR_DIR / 'tracker.db'}",
    "SQLAlchemy URL of Rasa's conversation store; e.g. postgresql://user:pw@host/db.",
)
LOCK_STORE_URL = _env(
    "LOCK_STORE_URL",
    "",
    "Empty: in-process locks (one Rasa server). redis://host:6379/1 for several replicas.",
)
KNOWLEDGE_DB_URL = _env(
    "KNOWLEDGE_DB_URL",
    f"sqlite:///{ROOT / 'knowledge' / 'knowledge.db'}",
    "SQLAlchemy URL of the knowledge base built from the article(s).",
)
KNOWLEDGE_SOURCES = Path(
    _env("KNOWLEDGE_SOURCES", str(ROOT / "knowledge" / "sources"), "Folder of source articles (.txt/.md).")
)
APP_DB_URL = _env(
    "APP_DB_URL",
    f"sqlite:///{VAR_DIR / 'assistant.db'}",
    "SQLAlchemy URL for the assistant's own records (intake, consent, bookings).",
)
TRAINER_NAME = _env("TRAINER_NAME", "the movement specialist", "How the assistant refers to the trainer.")
TRAINER_CONTACT = _env(
    "TRAINER_CONTACT",
    "the contact form on the trainer's website",
    "Where people can reach the trainer to book (shown after a consultation).",
)
MODEL_DIR = Path(_env("MODEL_DIR", str(ROOT / "bot" / "models"), "Folder of trained Rasa models."))
RASA_API_TOKEN = _generated_secret(
    "RASA_API_TOKEN", "Token protecting Rasa's HTTP API (used by the inbox to send replies)."
)


def rasa_environment() -> Dict[str, str]:
    """Variables the Rasa processes need (endpoints.yml reads some of them)."""
    return {
        "ACTION_ENDPOINT_URL": ACTION_ENDPOINT_URL,
        "TRACKER_STORE_URL": TRACKER_STORE_URL,
        "LOCK_STORE_URL": LOCK_STORE_URL,
        "KNOWLEDGE_DB_URL": KNOWLEDGE_DB_URL,
        "APP_DB_URL": APP_DB_URL,
        "TRAINER_NAME": TRAINER_NAME,
        "TRAINER_CONTACT": TRAINER_CONTACT,
        "RASA_API_TOKEN": RASA_API_TOKEN,
        # Rasa phones home by default; nothing leaves this machine.
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def describe() -> List[Tuple[str, str, str]]:
    """(name, effective value, description) with secrets masked."""
    values = globals()
    rows = []
    for name, description, secret in _DOCUMENTED:
        value = os.environ.get(name, str(values.get(name, "")))
        rows.append((name, "********" if secret and value else value, description))
    return rows


if __name__ == "__main__":
    for name, value, description in describe():
        print(f"{name:22} {value}\n{'':22} {description}")
