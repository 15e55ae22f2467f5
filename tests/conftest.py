"""Shared fixtures: the knowledge base, one trained model, and the real servers.

The model is trained at most once per data change (build_steps names it by a
hash of its inputs), and the servers are started once per test session, the
same way `./assistant run` starts them, but on free ports and with their own
SQLite conversation store under a temporary folder.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import pytest
import requests

import settings
from ops import build_steps, services
from tests.smtp_sink import LocalSMTPServer, start_smtp_sink, stop_smtp_sink

pytest_plugins = ["tests.knowledge_fixtures", "tests.datastore_fixtures", "tests.replicas_fixtures"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def built_knowledge_base() -> str:
    """The project's knowledge base at its configured URL, rebuilt if stale."""
    build_steps.ensure_knowledge_base()
    return settings.KNOWLEDGE_DB_URL


@pytest.fixture(scope="session")
def trained_model() -> Path:
    # TEST_MODEL lets a developer iterate on actions against an existing model.
    if os.environ.get("TEST_MODEL"):
        return Path(os.environ["TEST_MODEL"])
    return build_steps.ensure_model()


@dataclass
class RunningAssistant:
    url: str
    token: str
    tracker_db: Path
    log_dir: Path
    env: Dict[str, str]
    mailbox: "LocalSMTPServer"

    def send(self, text, sender: str | None = None, timeout: float = 30) -> List[Dict]:
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender or new_sender(), "message": text},
            timeout=timeout,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def tracker(self, sender: str) -> Dict:
        response = requests.get(f"{self.url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30)
        response.raise_for_status()
        return response.json()


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(messages: List[Dict]) -> str:
    """All the bot's reply texts of one turn, joined, for assertions."""
    return "\n".join(m.get("text", "") for m in messages)


@pytest.fixture(scope="session")
def telegram_api():
    """A stand-in Telegram Bot API on 127.0.0.1 (records calls; TELEGRAM_API_BASE points here)."""
    from tests.standins.telegram import telegram_standin

    standin = telegram_standin()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def whatsapp_api():
    """A stand-in WhatsApp Cloud API on 127.0.0.1 (WHATSAPP_API_BASE points here)."""
    from tests.standins.whatsapp import whatsapp_standin

    standin = whatsapp_standin()
    yield standin
    standin.stop()


TELEGRAM_WEBHOOK_SECRET = "test-telegram-webhook-secret"


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, trained_model, built_knowledge_base, telegram_api, whatsapp_api) -> RunningAssistant:
    """The real action server and Rasa server, talking over HTTP, with a real SQLite store.

    Telegram and WhatsApp are on, pointed at local stand-ins of their APIs.
    """
    from tests.standins import telegram as telegram_standin_constants
    from tests.standins import whatsapp as whatsapp_standin_constants

    work = tmp_path_factory.mktemp("assistant")
    action_port, rasa_port = free_port(), free_port()
    tracker_db = work / "tracker.db"
    token = uuid.uuid4().hex
    mailbox = start_smtp_sink()  # the trainer's booking emails land here
    env = {
        "ACTION_PORT": str(action_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_STORE_URL": f"sqlite:///{tracker_db}",
        "APP_DB_URL": f"sqlite:///{work / 'assistant.db'}",
        "SAFETY_JOURNAL": str(work / "unsaved_safety_records.jsonl"),
        "RASA_API_TOKEN": token,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mailbox.port),
        "SMTP_STARTTLS": "false",
        "TRAINER_EMAIL": "trainer@example.com",
        "PUBLIC_WEBSITE_URL": "http://127.0.0.1:9",  # invite links; the website fixture serves them
        "TELEGRAM_BOT_TOKEN": telegram_standin_constants.TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET,
        "TELEGRAM_API_BASE": telegram_api.url,
        "WHATSAPP_ACCESS_TOKEN": whatsapp_standin_constants.ACCESS_TOKEN,
        "WHATSAPP_APP_SECRET": whatsapp_standin_constants.APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": whatsapp_standin_constants.VERIFY_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": whatsapp_standin_constants.PHONE_NUMBER_ID,
        "WHATSAPP_API_BASE": whatsapp_api.url,
        "WHATSAPP_TEMPLATE_NAME": "trainer_follow_up",
        "CONVERSATION_ID_KEY": "test-conversation-id-key",
        # Tests type faster than people; every test shares 127.0.0.1, so no per-address limit here
        # (tests/test_rate_limit.py covers it). The flood test relies on this per-conversation figure.
        "MESSAGES_PER_MINUTE": "40",
        "MESSAGES_PER_MINUTE_PER_ADDRESS": "0",
    }
    actions = services.action_server(action_port, work / "actions.log", env=env)
    rasa = services.rasa_server(trained_model, rasa_port, work / "rasa.log", env=env)
    started = [actions.start(), rasa.start()]
    try:
        actions.wait_healthy(120)
        rasa.wait_healthy(300)
        yield RunningAssistant(f"http://127.0.0.1:{rasa_port}", token, tracker_db, work, env, mailbox)
    finally:
        services.stop_all(started)
        stop_smtp_sink(mailbox)


def stored_events(db_path: Path, sender: str) -> List[str]:
    """Event types stored for a conversation, read straight from the SQLite file."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [row[0] for row in rows]


INBOX_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def inbox(assistant, tmp_path_factory) -> str:
    """The trainer's inbox as a real process, against the real Rasa server; its base URL."""
    from trainer_inbox.auth import hash_password

    port = free_port()
    env = {
        **assistant.env,
        "RASA_URL": assistant.url,
        "INBOX_PASSWORD_HASH": hash_password(INBOX_PASSWORD, iterations=1000),
        "INBOX_SECRET_KEY": uuid.uuid4().hex,
    }
    service = services.inbox_server(port, assistant.log_dir / "inbox.log", env=env).start()
    try:
        service.wait_healthy(60)
        yield f"http://127.0.0.1:{port}"
    finally:
        service.stop()


def pytest_terminal_summary(terminalreporter):
    from tests.reporting import LINES

    if LINES:
        terminalreporter.section("measured")
        for line in LINES:
            terminalreporter.write_line(line)
