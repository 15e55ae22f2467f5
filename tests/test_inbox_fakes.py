"""Test doubles for the trainer's inbox tests: a fake Rasa HTTP API and a running inbox.

The fake Rasa is a small aiohttp app on 127.0.0.1 that checks the caller as Rasa
does (`?token=`, or a JWT whose role "user" allows one conversation), serves
trackers, records every request and can be told to fail (an HTTP status) or be
stopped (closed port). The inbox runs with `web.AppRunner` in a background event
loop, so tests talk to both over real HTTP with `requests`.

The tests at the bottom check that the fake behaves like Rasa where the inbox
relies on it. Other test modules import the fixtures from here.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import jwt
import pytest
import requests
from aiohttp import web

from records.handoffs import HandoffStore
from trainer_inbox.app import InboxConfig, create_app
from trainer_inbox.auth import hash_password

TOKEN = "test-rasa-token"
JWT_SECRET = "test-rasa-jwt-secret-of-32-bytes-at-least"
USERNAME = "trainer"
PASSWORD = "correct horse battery"
PASSWORD_HASH = hash_password(PASSWORD, iterations=1000)  # cheap for tests, same format
SECRET_KEY = "test-secret-key-for-signing-cookies"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopThread:
    """An asyncio loop in a daemon thread, for servers the (synchronous) tests talk to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        async def cancel_the_rest():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.run(cancel_the_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@dataclass
class RecordedRequest:
    method: str
    path: str
    conversation_id: str
    query: Dict[str, str]
    body: Any
    jwt_user: Optional[Dict[str, Any]] = None  # the JWT's "user" claim, when one was presented and valid


class FakeRasa:
    """Rasa's HTTP API as far as the inbox uses it: GET tracker, POST tracker/events, POST execute."""

    def __init__(self, loop: LoopThread, token: str = TOKEN, jwt_secret: str = JWT_SECRET) -> None:
        self.loop = loop
        self.token = token
        self.jwt_secret = jwt_secret
        self.port = free_port()
        self.requests: List[RecordedRequest] = []
        self.events: Dict[str, List[Dict[str, Any]]] = {}
        self.executed: List[Any] = []  # (conversation id, action name) run through /execute
        self.fail_status: Optional[int] = None
        self.delay_seconds = 0.0
        self._runner: Optional[web.AppRunner] = None
        self._clock = time.time() - 3600

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- conversation state -----------------------------------------------------------
    def _stamp(self) -> float:
        self._clock += 1
        return self._clock

    def add_user(self, conversation_id: str, text: str, channel: str = "socketio") -> None:
        self.events.setdefault(conversation_id, []).append(
            {
                "event": "user",
                "timestamp": self._stamp(),
                "text": text,
                "input_channel": channel,
                "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []},
                "metadata": {},
            }
        )

    def add_bot(self, conversation_id: str, text: str, from_trainer: bool = False) -> None:
        self.events.setdefault(conversation_id, []).append(
            {
                "event": "bot",
                "timestamp": self._stamp(),
                "text": text,
                "data": {},
                "metadata": {"from_trainer": True} if from_trainer else {},
            }
        )

    def pause(self, conversation_id: str) -> None:
        self.events.setdefault(conversation_id, []).append({"event": "pause", "timestamp": self._stamp()})

    def paused(self, conversation_id: str) -> bool:
        state = False
        for event in self.events.get(conversation_id, []):
            if event["event"] == "pause":
                state = True
            elif event["event"] == "resume":
                state = False
        return state

    def posted_events(self, conversation_id: Optional[str] = None) -> List[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.method == "POST" and (conversation_id is None or r.conversation_id == conversation_id)
        ]

    # --- server -------------------------------------------------------------------------------
    def _jwt_user(self, request: web.Request) -> Optional[Dict[str, Any]]:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return None
        try:
            return jwt.decode(token, self.jwt_secret, algorithms=["HS256"]).get("user") or {}
        except jwt.InvalidTokenError:
            return None

    @staticmethod
    def _allowed(user: Optional[Dict[str, Any]], conversation_id: str) -> bool:
        # rasa/server.py requires_auth: "admin" may do anything, "user" only its own conversation
        if not user:
            return False
        return user.get("role") == "admin" or (user.get("role") == "user" and user.get("username") == conversation_id)

    async def _record(self, request: web.Request) -> Optional[web.Response]:
        body = None
        if request.method == "POST":
            body = await request.json()
        conversation_id = request.match_info["conversation_id"]
        user = self._jwt_user(request)
        self.requests.append(
            RecordedRequest(request.method, request.path, conversation_id, dict(request.query), body, user)
        )
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        as_written = request.raw_path.split("?")[0].split("/")[2]  # Rasa's Sanic routes do not unquote
        if request.query.get("token") != self.token and not self._allowed(user, as_written):
            return web.json_response({"status": "failure", "reason": "NotAuthenticated"}, status=401)
        if self.fail_status:
            return web.json_response({"status": "failure", "reason": "Broken"}, status=self.fail_status)
        return None

    async def _tracker(self, request: web.Request) -> web.Response:
        refused = await self._record(request)
        if refused is not None:
            return refused
        conversation_id = request.match_info["conversation_id"]
        events = self.events.get(conversation_id, [])
        return web.json_response(
            {
                "sender_id": conversation_id,
                "events": list(events),
                "paused": self.paused(conversation_id),
                "latest_input_channel": "socketio",
                "slots": {},
            }
        )

    async def _append(self, request: web.Request) -> web.Response:
        refused = await self._record(request)
        if refused is not None:
            return refused
        conversation_id = request.match_info["conversation_id"]
        body = self.requests[-1].body
        events = body if isinstance(body, list) else [body]
        self.events.setdefault(conversation_id, []).extend(events)
        return web.json_response({"sender_id": conversation_id, "events": None, "paused": self.paused(conversation_id)})

    async def _execute(self, request: web.Request) -> web.Response:
        refused = await self._record(request)
        if refused is not None:
            return refused
        conversation_id = request.match_info["conversation_id"]
        self.executed.append((conversation_id, self.requests[-1].body.get("name")))
        return web.json_response({"tracker": {"sender_id": conversation_id}, "messages": []})

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/conversations/{conversation_id}/tracker", self._tracker)
        app.router.add_post("/conversations/{conversation_id}/tracker/events", self._append)
        app.router.add_post("/conversations/{conversation_id}/execute", self._execute)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def start(self) -> "FakeRasa":
        self.loop.run(self._start())
        return self

    def stop(self) -> None:
        """Close the port: the inbox then gets 'connection refused'."""
        if self._runner is not None:
            self.loop.run(self._runner.cleanup())
            self._runner = None


def by_the_inbox(request: RecordedRequest) -> bool:
    """Made the inbox's way: a JWT for this conversation only, and no secret in the URL."""
    expected = {"username": quote(request.conversation_id, safe=""), "role": "user"}  # the id as in the path
    return request.jwt_user == expected and "token" not in request.query


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Inbox:
    url: str
    config: InboxConfig
    fake: FakeRasa
    store: HandoffStore
    tmp_path: Path
    runner: Any = None
    sessions: List[requests.Session] = field(default_factory=list)

    def client(self) -> requests.Session:
        session = requests.Session()
        self.sessions.append(session)
        return session

    def login(self, password: str = PASSWORD) -> requests.Session:
        session = self.client()
        page = session.get(f"{self.url}/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)
        response = session.post(
            f"{self.url}/login",
            data={"username": USERNAME, "password": password, "login_csrf": token, "next": "/"},
            allow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return session

    def csrf(self, session: requests.Session, path: str = "/") -> str:
        page = session.get(f"{self.url}{path}")
        assert page.status_code == 200, page.text
        return CSRF_RE.search(page.text).group(1)


def make_config(tmp_path: Path, rasa_url: str, **overrides) -> InboxConfig:
    tracker_db = tmp_path / "tracker.db"
    values = dict(
        app_db_url=f"sqlite:///{tmp_path / 'assistant.db'}",
        tracker_store_url=f"sqlite:///{tracker_db}",
        rasa_url=rasa_url,
        rasa_jwt_secret=JWT_SECRET,
        password_hash=PASSWORD_HASH,
        secret_key=SECRET_KEY,
        username=USERNAME,
        host="127.0.0.1",
        port=free_port(),
        trainer_name="Sam the trainer",
        var_dir=tmp_path / "var",
        rasa_timeout=3.0,
    )
    values.update(overrides)
    return InboxConfig(**values)


@pytest.fixture(scope="module")
def loop_thread():
    loop = LoopThread()
    yield loop
    loop.close()


@pytest.fixture
def fake_rasa(loop_thread):
    fake = FakeRasa(loop_thread).start()
    yield fake
    fake.stop()


@pytest.fixture
def start_inbox(loop_thread, fake_rasa, tmp_path):
    """Start the inbox (call it after putting data in the database, to test 'created while down')."""
    started: List[Inbox] = []

    def start(**overrides) -> Inbox:
        config = make_config(tmp_path, fake_rasa.url, **overrides)

        async def _run():
            runner = web.AppRunner(create_app(config))
            await runner.setup()
            await web.TCPSite(runner, config.host, config.port).start()
            return runner

        runner = loop_thread.run(_run())
        inbox = Inbox(
            url=f"http://{config.host}:{config.port}",
            config=config,
            fake=fake_rasa,
            store=HandoffStore(config.app_db_url),
            tmp_path=tmp_path,
            runner=runner,
        )
        started.append(inbox)
        return inbox

    yield start
    for inbox in started:
        for session in inbox.sessions:
            session.close()
        loop_thread.run(inbox.runner.cleanup())


@pytest.fixture
def inbox(start_inbox) -> Inbox:
    return start_inbox()


# --- the fake itself ----------------------------------------------------------------------------
def test_fake_rasa_checks_the_token_and_serves_trackers(fake_rasa):
    fake_rasa.add_user("c1", "hello")
    fake_rasa.pause("c1")
    refused = requests.get(f"{fake_rasa.url}/conversations/c1/tracker", params={"token": "wrong"}, timeout=5)
    assert refused.status_code == 401
    tracker = requests.get(f"{fake_rasa.url}/conversations/c1/tracker", params={"token": TOKEN}, timeout=5).json()
    assert tracker["paused"] is True
    assert [e["event"] for e in tracker["events"]] == ["user", "pause"]


def test_fake_rasa_checks_jwts_as_rasa_does(fake_rasa):
    def get(conversation_id, user, secret=JWT_SECRET, lifetime=60):
        token = jwt.encode({"user": user, "exp": int(time.time()) + lifetime}, secret, algorithm="HS256")
        return requests.get(
            f"{fake_rasa.url}/conversations/{conversation_id}/tracker",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        ).status_code

    assert get("c1", {"username": "c1", "role": "user"}) == 200
    assert get("c1", {"username": "any", "role": "admin"}) == 200
    assert get("c2", {"username": "c1", "role": "user"}) == 401  # another conversation
    assert get("c1", {"username": "c1", "role": "user"}, secret="wrong" * 8) == 401
    assert get("c1", {"username": "c1", "role": "user"}, lifetime=-600) == 401  # expired (Rasa allows 3 min leeway)


def test_fake_rasa_appends_events_fails_on_request_and_closes(fake_rasa):
    url = f"{fake_rasa.url}/conversations/c1/tracker/events"
    fake_rasa.pause("c1")
    ok = requests.post(url, params={"token": TOKEN}, json=[{"event": "resume"}], timeout=5)
    assert ok.status_code == 200 and fake_rasa.paused("c1") is False
    fake_rasa.fail_status = 500
    assert requests.post(url, params={"token": TOKEN}, json={"event": "pause"}, timeout=5).status_code == 500
    fake_rasa.fail_status = None
    fake_rasa.stop()
    with pytest.raises(requests.ConnectionError):
        requests.post(url, params={"token": TOKEN}, json={"event": "pause"}, timeout=5)
    fake_rasa.start()
    assert requests.post(url, params={"token": TOKEN}, json={"event": "pause"}, timeout=5).status_code == 200
