"""The replicated set-up for end-to-end tests, and reading either set-up's databases.

`replicated_assistant` (session-scoped) is what `./assistant run --replicas 2` starts
(ops/replicas.py): two Rasa replicas, two action servers, the inbox, the website and
nginx in front, on PostgreSQL and Redis of tests/datastore_fixtures.py. It answers
like conftest's RunningAssistant (`url`, `token`, `send`, `tracker`, `env`, `mailbox`,
`log_dir`), but through nginx, with the API token as a proxied REST call needs it;
`send_to(i, ...)` and `replica_urls` reach one replica straight, `kill(i)` /
`restart(i)` stop and start one. Its conversations are in PostgreSQL, so `tracker_db`
is None: `stored_event_types` and `app_rows` read either set-up's stores by URL.
A test module runs its tests against both set-ups with its own `assistant` fixture over
`set_up` and `either_set_up` (tests/test_e2e_consultation.py).

Where nginx is missing or does not start, a developer's run skips these tests;
under CI=true they fail (as PostgreSQL's and Redis's do).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import requests
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url

import settings
from ops.nginx import nginx_binary
from ops.replicas import ReplicaSet
from tests.conftest import INBOX_PASSWORD, new_sender
from tests.datastore_fixtures import unavailable
from tests.smtp_sink import LocalSMTPServer, start_smtp_sink, stop_smtp_sink


@pytest.fixture(scope="module", params=["single", "replicas"])
def set_up(request) -> str:
    """For a module's own `assistant` fixture (see `either_set_up`): its tests run against both set-ups.

    The parameter is this fixture's, not `assistant`'s: a parameter named like conftest's session
    fixture would make pytest scope that fixture to the module and start it again in every module.
    """
    return request.param


def either_set_up(request: pytest.FixtureRequest, set_up: str) -> Any:
    """conftest's single-server `assistant`, or `replicated_assistant`.

    While the single set-up's tests run, the replicas already load their model (it takes a
    minute) on the processor time those tests leave, when replicas tests are to follow.
    """
    if set_up == "replicas":
        return request.getfixturevalue("replicated_assistant")
    if any(_uses_replicas(item) for item in request.session.items):
        try:
            request.getfixturevalue("replicated_start")
        except (Exception, pytest.skip.Exception, pytest.fail.Exception):
            pass  # the replicas' own tests report it
    return request.getfixturevalue("assistant")


def _uses_replicas(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("set_up") == "replicas":
        return True
    return "replicated_assistant" in getattr(item, "fixturenames", ())


def post_message(url: str, text: str, sender: str, token: Optional[str], timeout: float = 30) -> List[Dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, headers=headers, timeout=timeout
    )
    assert response.status_code == 200, response.text
    return response.json()


@dataclass
class ReplicatedAssistant:
    stack: ReplicaSet
    token: str
    log_dir: Path
    env: Dict[str, str]
    mailbox: LocalSMTPServer
    tracker_db: None = None  # conversations are in PostgreSQL: `stored_event_types` reads them
    warming: threading.Thread = field(default_factory=threading.Thread)
    warm_up_failed: List[BaseException] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.stack.public_url

    @property
    def inbox_url(self) -> str:
        return self.stack.inbox_url

    @property
    def replica_urls(self) -> List[str]:
        return self.stack.replica_urls

    def send(self, text: str, sender: Optional[str] = None, timeout: float = 30) -> List[Dict]:
        """Through nginx (round-robin over the replicas), with the token a proxied REST call needs."""
        return post_message(self.url, text, sender or new_sender(), self.token, timeout)

    def send_to(self, replica: int, text: str, sender: str, timeout: float = 30) -> List[Dict]:
        """Straight to one replica (no proxy: this machine's own call needs no token)."""
        return post_message(self.replica_urls[replica], text, sender, None, timeout)

    def tracker(self, sender: str, replica: Optional[int] = None) -> Dict:
        base = self.url if replica is None else self.replica_urls[replica]
        response = requests.get(f"{base}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30)
        response.raise_for_status()
        return response.json()

    def kill(self, replica: int) -> None:
        """As a crash would: SIGKILL, no clean shutdown."""
        process = self.stack.rasa[replica].process
        assert process is not None and process.poll() is None, "the replica is not running"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)

    def restart(self, replica: int, wait: bool = True) -> None:
        service = self.stack.rasa[replica].start()
        if wait:
            service.wait_healthy(300)

    def ensure_running(self) -> None:
        """Every replica up and answering (one killed is started again; one starting is waited for)."""
        for service in self.stack.rasa:
            if service.process is None or service.process.poll() is not None:
                service.start()
        for service in self.stack.rasa:
            service.wait_healthy(300)


@pytest.fixture(scope="session")
def replicated_assistant(replicated_start: ReplicatedAssistant) -> ReplicatedAssistant:
    try:
        replicated_start.stack.others[-1].wait_healthy(30)  # nginx
    except (RuntimeError, TimeoutError) as error:
        unavailable("nginx", error)
    replicated_start.stack.wait_healthy()
    replicated_start.warming.join(600)
    if replicated_start.warm_up_failed:
        raise replicated_start.warm_up_failed[0]
    return replicated_start


# A whole consultation and a question: every kind of action runs once on each action server.
WARM_UP = ["hi", "my left knee hurts at the front when i go down stairs", "yes", "34", "no", "yes", "nope", "no"]
WARM_UP += ["no", "nah", "it came on gradually", "about 3 weeks", "5", "i run twice a week", "6 cm", "7cm"]
WARM_UP += ["everything stayed level", "what is maltracking", "book a session", "stop"]


def warm_up(replicated: ReplicatedAssistant) -> None:
    """The first time a Rasa server or an action server does something is slow (TensorFlow, spaCy, the
    knowledge base): that first time is here, on each replica, in the background while other tests run."""
    try:
        replicated.stack.wait_healthy()
        for replica in range(len(replicated.replica_urls)):
            sender = f"warm-up-{replica}-{uuid.uuid4().hex[:8]}"
            for text in WARM_UP:
                replicated.send_to(replica, text, sender, timeout=120)
    except BaseException as error:  # noqa: BLE001 - `replicated_assistant` raises it
        replicated.warm_up_failed.append(error)


@pytest.fixture(scope="session")
def replicated_start(tmp_path_factory, trained_model, postgres_server, redis_server) -> ReplicatedAssistant:
    """Every process of the replicated set-up started, not yet waited for (`replicated_assistant` waits)."""
    from knowledge.build import build
    from trainer_inbox.auth import hash_password

    if nginx_binary() is None:
        unavailable("nginx", RuntimeError("not installed; ops/ensure_services.sh installs it"))
    work = tmp_path_factory.mktemp("replicas")
    knowledge = postgres_server.create_database()
    build(settings.KNOWLEDGE_SOURCES, knowledge, settings.ROOT / "knowledge" / "vocabulary.yml")
    token = uuid.uuid4().hex
    mailbox = start_smtp_sink()
    env = {
        "TRACKER_STORE_URL": postgres_server.create_database(),
        "APP_DB_URL": postgres_server.create_database(),
        "KNOWLEDGE_DB_URL": knowledge,
        "LOCK_STORE_URL": redis_server.url,
        "SOCKETIO_REDIS_URL": redis_server.url,
        "SAFETY_JOURNAL": str(work / "unsaved_safety_records.jsonl"),
        "RASA_API_TOKEN": token,
        "RASA_JWT_SECRET": uuid.uuid4().hex,
        "INBOX_PASSWORD_HASH": hash_password(INBOX_PASSWORD, iterations=1000),
        "INBOX_SECRET_KEY": uuid.uuid4().hex,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mailbox.port),
        "SMTP_STARTTLS": "false",
        "TRAINER_EMAIL": "trainer@example.com",
        "CONVERSATION_ID_KEY": "test-conversation-id-key",
        # as conftest's `assistant`: tests type fast, and every client is 127.0.0.1
        "MESSAGES_PER_MINUTE": "40",
        "MESSAGES_PER_MINUTE_PER_ADDRESS": "0",
        "TELEGRAM_BOT_TOKEN": "",  # off whatever a developer's .env says: no stand-ins here
        "WHATSAPP_ACCESS_TOKEN": "",
    }
    stack = ReplicaSet(trained_model, replicas=2, log_dir=work, env=env, action_servers=2)
    try:
        stack.start()
        replicated = ReplicatedAssistant(stack, token, work, stack.process_env(), mailbox)
        replicated.warming = threading.Thread(target=warm_up, args=(replicated,), name="replicas-warm-up", daemon=True)
        replicated.warming.start()
        yield replicated
    finally:
        stack.stop()
        stop_smtp_sink(mailbox)


# --- reading the stores of either set-up (SQLite files or PostgreSQL) by their URLs ---------------


@lru_cache(maxsize=None)
def _engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "postgresql":  # times as SQLite has them: UTC
        return create_engine(url, connect_args={"options": "-c timezone=UTC"}, future=True)
    return create_engine(url, future=True)


def _exists(url: str, table: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        return False  # not created yet (connecting would create an empty file)
    return inspect(_engine(url)).has_table(table)


def rows(url: str, table: str, sql: str, **params: Any) -> List[Dict[str, Any]]:
    """The rows of a query as dicts, JSON columns as text (as SQLite gives them); [] before the table exists."""
    if not _exists(url, table):
        return []
    with _engine(url).connect() as connection:
        found = [dict(row._mapping) for row in connection.execute(text(sql), params)]
    return [{k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in row.items()} for row in found]


def app_rows(assistant, table: str, sql: str, **params: Any) -> List[Dict[str, Any]]:
    """Rows of the assistant's records database (APP_DB_URL), e.g. bookings or handoffs."""
    return rows(assistant.env["APP_DB_URL"], table, sql, **params)


def stored_event_types(assistant, sender: str) -> List[str]:
    """Event types stored for a conversation, in order, read straight from the tracker store."""
    found = rows(
        assistant.env["TRACKER_STORE_URL"],
        "events",
        "SELECT type_name FROM events WHERE sender_id = :sender ORDER BY id",
        sender=sender,
    )
    return [row["type_name"] for row in found]
