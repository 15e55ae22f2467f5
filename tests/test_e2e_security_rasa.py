"""Rasa's secrets stay off command lines, its API takes short-lived JWTs, CORS names the site, logs keep no words.

The first tests only build command lines. The rest start a Rasa server of their
own through ops/services.py, as `./assistant run` does, next to a stand-in
action server that starts sessions but fails every other action the way
rasa_sdk does when an action raises (HTTP 500 carrying the whole request: the
tracker with every message). So Rasa logs a failed action with a tracker dump,
and then, once the stand-in is stopped, an action server it cannot reach; its
log must hold neither what the person wrote nor their name, e-mail or phone number.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
import warnings
from pathlib import Path
from typing import List

import jwt
import pytest
import requests
from aiohttp import web

import settings
from bot.serve import with_api_secrets
from ops import services
from tests.conftest import free_port
from tests.test_inbox_fakes import LoopThread
from trainer_inbox.rasa_client import RasaClient, conversation_jwt

SITE = "https://coach.example"
PERSON_SAID = "my knee hurts when I run, I'm Ann Smith, ann.smith@example.com, 07700 900123"


def test_rasas_command_line_carries_no_secret(tmp_path):
    env = {
        "RASA_API_TOKEN": "api-token-" + uuid.uuid4().hex,
        "RASA_JWT_SECRET": "jwt-secret-" + uuid.uuid4().hex,
        "PUBLIC_WEBSITE_URL": "https://Coach.example/knees/",
    }
    for service_env in (env, None):
        argv = services.rasa_server(tmp_path / "model.tar.gz", 5005, tmp_path / "rasa.log", env=service_env).argv
        joined = " ".join(argv)
        for secret in (
            env["RASA_API_TOKEN"],
            env["RASA_JWT_SECRET"],
            settings.RASA_API_TOKEN,
            settings.RASA_JWT_SECRET,
            settings.ACTION_SERVER_TOKEN,
        ):
            assert secret not in joined
        assert "--auth-token" not in argv and "--jwt-secret" not in argv and "*" not in argv
        assert "--enable-api" in argv
    assert argv[argv.index("--cors") + 1 :] == settings.SITE_ORIGINS.replace(",", " ").split()  # no env of its own
    argv = services.rasa_server(tmp_path / "m", 1, tmp_path / "l", env=env).argv
    assert argv[argv.index("--cors") + 1 :] == ["https://coach.example"]
    argv = services.rasa_server(
        tmp_path / "m", 1, tmp_path / "l", env={"SITE_ORIGINS": "https://a.example, https://b.example"}
    ).argv
    assert argv[argv.index("--cors") + 1 :] == ["https://a.example", "https://b.example"]


def test_serve_adds_the_secrets_to_rasas_arguments_in_process():
    env = {"RASA_API_TOKEN": "tok", "RASA_JWT_SECRET": "jwt"}
    args = ["run", "--model", "m", "--enable-api"]
    assert with_api_secrets(args, env) == [*args, "--auth-token", "tok", "--jwt-secret", "jwt", "--jwt-method", "HS256"]
    assert with_api_secrets(args, {"RASA_JWT_SECRET": "jwt"})[-4:] == ["--jwt-secret", "jwt", "--jwt-method", "HS256"]
    assert with_api_secrets(["shell", "--model", "m"], env) == ["shell", "--model", "m"]
    assert with_api_secrets(["run", "--model", "m"], env) == ["run", "--model", "m"]  # no API, nothing to protect
    with pytest.raises(SystemExit, match="without RASA_API_TOKEN or RASA_JWT_SECRET"):
        with_api_secrets(args, {})


# --- a Rasa server of our own ---------------------------------------------------------------------------------
class FailingActionServer:
    """Starts sessions; fails every other action like rasa_sdk/endpoint.py's exception handler; can be stopped."""

    def __init__(self, loop: LoopThread) -> None:
        self.loop, self.port, self.failed, self._runner = loop, free_port(), [], None

    async def _webhook(self, request: web.Request) -> web.Response:
        call = await request.json()
        if call["next_action"] == "action_session_start":
            events = [{"event": "session_started"}, {"event": "action", "name": "action_listen"}]
            return web.json_response({"events": events, "responses": []})
        self.failed.append(call["next_action"])
        body = {"error": "something broke", "request_body": call}
        return web.json_response(body, status=500, dumps=lambda value: json.dumps(value, separators=(",", ":")))

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self._webhook)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def start(self) -> "FailingActionServer":
        self.loop.run(self._start())
        return self

    def stop(self) -> None:
        if self._runner is not None:
            self.loop.run(self._runner.cleanup())
            self._runner = None


@pytest.fixture(scope="module")
def secured_rasa(tmp_path_factory, trained_model, built_knowledge_base):
    work = tmp_path_factory.mktemp("secured_rasa")
    loop = LoopThread()
    actions = FailingActionServer(loop).start()
    port = free_port()
    env = {
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions.port}/webhook",
        "TRACKER_STORE_URL": f"sqlite:///{work / 'tracker.db'}",
        "APP_DB_URL": f"sqlite:///{work / 'assistant.db'}",
        "SAFETY_JOURNAL": str(work / "unsaved_safety_records.jsonl"),
        "RASA_API_TOKEN": "api-token-" + uuid.uuid4().hex,
        "RASA_JWT_SECRET": "jwt-secret-" + uuid.uuid4().hex,
        "SITE_ORIGINS": SITE,
        "MESSAGES_PER_MINUTE_PER_ADDRESS": "0",
    }
    rasa = services.rasa_server(trained_model, port, work / "rasa.log", env=env).start()
    try:
        rasa.wait_healthy(300)
        yield {
            "url": f"http://127.0.0.1:{port}",
            "env": env,
            "service": rasa,
            "actions": actions,
            "loop": loop,
            "log": work / "rasa.log",
        }
    finally:
        rasa.stop()
        actions.stop()
        loop.close()


def command_lines() -> List[bytes]:
    lines = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes())
        except OSError:  # gone, or not ours to read
            pass
    return lines


def test_no_process_shows_rasas_secrets_on_its_command_line(secured_rasa):
    own = Path(f"/proc/{secured_rasa['service'].process.pid}/cmdline").read_bytes()
    assert b"bot.serve" in own and b"--enable-api" in own
    for secret in (secured_rasa["env"]["RASA_API_TOKEN"], secured_rasa["env"]["RASA_JWT_SECRET"]):
        assert not [line for line in command_lines() if secret.encode() in line]


def test_the_api_takes_a_jwt_for_one_conversation(secured_rasa):
    url, secret = secured_rasa["url"], secured_rasa["env"]["RASA_JWT_SECRET"]

    def tracker(conversation_id, token=None, params=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(
            f"{url}/conversations/{conversation_id}/tracker", headers=headers, params=params or {}, timeout=30
        ).status_code

    assert tracker("sec-1", conversation_jwt(secret, "sec-1")) == 200
    assert tracker("sec-2", conversation_jwt(secret, "sec-1")) == 403  # another conversation
    assert tracker("sec-1", conversation_jwt("not-the-secret-" + "x" * 32, "sec-1")) == 401
    assert tracker("sec-1", conversation_jwt(secret, "sec-1", ttl_seconds=-600)) == 401  # expired
    with warnings.catch_warnings():  # PyJWT finds the secret short for HS512; that is not the point here
        warnings.simplefilter("ignore")
        other_algorithm = jwt.encode({"user": {"username": "sec-1", "role": "user"}}, secret, algorithm="HS512")
    assert tracker("sec-1", other_algorithm) != 200  # only HS256 (sanic-jwt answers with an error, not a 401)
    assert tracker("sec-1") == 401
    assert tracker("sec-1", token=secured_rasa["env"]["RASA_API_TOKEN"]) == 401  # the token is no JWT
    assert tracker("sec-1", params={"token": secured_rasa["env"]["RASA_API_TOKEN"]}) == 200  # still accepted

    async def through_the_inbox_client(conversation_id):
        client = RasaClient(url, secret)
        try:
            return await client.get_tracker(conversation_id)
        finally:
            await client.close()

    for conversation_id in ("sec-3", "a person/with spaces"):  # the inbox's token fits the id as Rasa reads it
        assert secured_rasa["loop"].run(through_the_inbox_client(conversation_id))["sender_id"]


def test_cors_allows_the_site_only(secured_rasa):
    url = f"{secured_rasa['url']}/webhooks/rest/webhook"
    for origin, allowed in ((SITE, True), ("https://evil.example", False)):
        response = requests.options(
            url,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
            timeout=30,
        )
        assert (response.headers.get("Access-Control-Allow-Origin") == origin) is allowed, response.headers
        response = requests.get(secured_rasa["url"] + "/", headers={"Origin": origin}, timeout=30)
        assert (response.headers.get("Access-Control-Allow-Origin") == origin) is allowed, response.headers


def wait_for(log: Path, marker: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if marker in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{marker!r} never reached {log}:\n{text[-3000:]}")


def assert_private_words_absent(text: str) -> None:
    for private in ("knee hurts when I run", "Ann Smith", "ann.smith", "example.com", "07700", "900123"):
        assert private not in text, private


def test_a_failed_action_is_logged_without_the_conversation(secured_rasa):
    url, actions, secret = secured_rasa["url"], secured_rasa["actions"], secured_rasa["env"]["RASA_JWT_SECRET"]
    response = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": "sec-log", "message": PERSON_SAID}, timeout=60
    )
    assert response.status_code == 200
    # A custom action on a tracker that now holds the message: the stand-in fails it with the whole tracker.
    response = requests.post(
        f"{url}/conversations/sec-log/execute",
        json={"name": "action_safety_review"},
        headers={"Authorization": f"Bearer {conversation_jwt(secret, 'sec-log')}"},
        timeout=60,
    )
    assert "action_safety_review" in actions.failed, (response.status_code, response.text[:300])
    start = "while running action 'action_safety_review'"
    wait_for(secured_rasa["log"], start)
    # The traceback and the dump reach the file in pieces, and "ClientResponseError: 500" is also
    # logged before `start`: wait until the part after `start` holds the error line with the dump.
    deadline = time.monotonic() + 20
    while True:
        text = secured_rasa["log"].read_text(encoding="utf-8", errors="replace")
        dump = text[text.index(start) :]
        if ("ClientResponseError: 500" in dump and '"sender_id":"sec-log"' in dump) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "ClientResponseError: 500" in dump and '"sender_id":"sec-log"' in dump  # the tracker dump was logged...
    person = re.search(r'\{"event":"user",.*?"parse_data"', dump).group(0)  # the person's message event...
    assert '"text":"[redacted]"' in person  # ...without the words
    assert_private_words_absent(text)

    actions.stop()  # now Rasa cannot reach it at all
    requests.post(f"{url}/webhooks/rest/webhook", json={"sender": "sec-log-2", "message": PERSON_SAID}, timeout=60)
    text = wait_for(secured_rasa["log"], "Couldn't connect to the server")
    assert_private_words_absent(text)
    for secret in (
        secured_rasa["env"]["RASA_API_TOKEN"],
        secured_rasa["env"]["RASA_JWT_SECRET"],
        settings.ACTION_SERVER_TOKEN,
    ):
        assert secret not in text
