"""Breaking the running system: real servers of its own, killed, locked and cut off from mail.

This module starts its own action server and Rasa server (own ports, own
SQLite files, the mail server down at first) under ops/supervisor.py, as
`./assistant run` does, so killing them leaves the shared fixture alone:

* the action server killed mid-consultation: the person hears TROUBLE once,
  the supervisor starts the server again, and the same answer then gets the
  same next question as in a conversation that never broke;
* the Rasa server killed: restarted, the conversation goes on at its question
  (the SQL tracker store kept it);
* the records database locked for 5 s while a booking is confirmed: saved once;
* the mail server down when a conversation is handed over: the handoff is in
  the inbox, and its email goes once the mail server is back;
* a lone surrogate over REST: answered, and the inbox page of that
  conversation renders.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import sqlite3
import threading
import time
import uuid

import pytest
import requests

import settings
from bot.action_failures import TROUBLE
from ops import services
from ops.supervisor import Job, RestartPolicy, Supervisor
from records import notifications
from records.handoffs import HandoffStore
from tests.conftest import INBOX_PASSWORD, RunningAssistant, free_port, new_sender, texts
from tests.reporting import report
from tests.test_e2e_booking import Booker, bookings, confirmed, offer_and_pick
from tests.test_e2e_consultation import Chat
from tests.test_fault_notifications import start_sink_on
from tests.smtp_sink import stop_smtp_sink


@pytest.fixture(scope="module")
def faulty(tmp_path_factory, trained_model, built_knowledge_base):
    work = tmp_path_factory.mktemp("faults")
    action_port, rasa_port, smtp_port = free_port(), free_port(), free_port()
    token = uuid.uuid4().hex
    env = {
        "ACTION_PORT": str(action_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_STORE_URL": f"sqlite:///{work / 'tracker.db'}",
        "APP_DB_URL": f"sqlite:///{work / 'assistant.db'}",
        "SAFETY_JOURNAL": str(work / "unsaved_safety_records.jsonl"),
        "RASA_API_TOKEN": token,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),  # nothing listens there yet: the mail server is down
        "SMTP_STARTTLS": "false",
        "TRAINER_EMAIL": "trainer@example.com",
        "NOTIFY_RETRY_SECONDS": "1",
        "PUBLIC_WEBSITE_URL": "http://127.0.0.1:9",
        "CONVERSATION_ID_KEY": "test-conversation-id-key",
        "MESSAGES_PER_MINUTE": "60",
        "MESSAGES_PER_MINUTE_PER_ADDRESS": "0",
    }
    actions = services.action_server(action_port, work / "actions.log", env=env).start()
    rasa = services.rasa_server(trained_model, rasa_port, work / "rasa.log", env=env).start()
    stop = threading.Event()
    said = []
    supervisor = Supervisor([actions, rasa], policy=RestartPolicy(stable_after=60, give_up_after=4), say=said.append)
    try:
        actions.wait_healthy(120)
        rasa.wait_healthy(300)
        assert wait_for(lambda: model_loaded(f"http://127.0.0.1:{rasa_port}", token), 300)

        def watch():
            while not stop.is_set():
                supervisor.check()
                stop.wait(0.2)

        threading.Thread(target=watch, name="supervisor", daemon=True).start()
        # RunningAssistant's send/tracker, plus what this module breaks
        running = RunningAssistant(f"http://127.0.0.1:{rasa_port}", token, work / "tracker.db", work, env, None)
        running.actions, running.rasa, running.supervisor = actions, rasa, supervisor
        running.smtp_port, running.app_db = smtp_port, work / "assistant.db"
        running.said = said
        yield running
    finally:
        stop.set()
        services.stop_all([actions, rasa])


def model_loaded(url: str, token: str) -> bool:
    """Rasa answers / before its model is loaded (messages meanwhile get no reply); /status waits for it."""
    try:
        return requests.get(f"{url}/status", params={"token": token}, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def kill(service: services.Service) -> None:
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait(10)


def wait_for(condition, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def test_a_lone_surrogate_is_answered_and_its_conversation_renders_in_the_inbox(faulty):
    from trainer_inbox.auth import hash_password
    from tests.test_e2e_inbox import login

    def post(raw: str):
        response = requests.post(
            f"{faulty.url}/webhooks/rest/webhook",
            data=raw.encode(),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 200 and response.json(), response.text
        return response.json()

    odd_sender = f"surrogate-{uuid.uuid4().hex[:8]}"
    post('{"sender": "%s\\ud800", "message": "hi \\udfff"}' % odd_sender)  # JSON escapes: a lone surrogate
    sender = new_sender()
    post('{"sender": "%s", "message": "my knee \\ud800 hurts \\udfff"}' % sender)
    handed = faulty.send("can I talk to a real person please", sender=sender)  # into the inbox
    assert "reply" in texts(handed).lower()

    port = free_port()
    inbox_env = {
        **faulty.env,
        "RASA_URL": faulty.url,
        "INBOX_SECRET_KEY": uuid.uuid4().hex,
        "INBOX_PASSWORD_HASH": hash_password(INBOX_PASSWORD, iterations=1000),
    }
    inbox = services.inbox_server(port, faulty.log_dir / "inbox.log", env=inbox_env).start()
    try:
        inbox.wait_healthy(60)
        trainer = login(f"http://127.0.0.1:{port}")
        base = f"http://127.0.0.1:{port}/conversations/{sender}"
        page = trainer.get(base, timeout=30)
        assert page.status_code == 200 and sender in page.text
        thread = trainer.get(f"{base}/messages.json", timeout=30)  # the page's transcript, loaded by its script
        assert thread.status_code == 200 and "my knee \ufffd hurts \ufffd" in json.dumps(
            thread.json(), ensure_ascii=False
        )
        assert trainer.get(f"http://127.0.0.1:{port}/", timeout=30).status_code == 200
    finally:
        inbox.stop()


def test_a_booking_confirmed_while_the_database_is_locked_for_5s_is_saved_once(faulty):
    booker = Booker(faulty)
    offer_and_pick(booker)
    booker.say("Sam Jones")
    assert "read that back" in booker.say("sam@example.com")
    holder = sqlite3.connect(faulty.app_db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # nobody else can write for 5 s
    release = threading.Timer(5.0, lambda: holder.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    try:
        reply = booker.say("yes")
    finally:
        release.join()
        holder.close()
    waited = time.monotonic() - started
    (booking,) = confirmed(bookings(faulty, booker.sender))
    assert booking["reference"] in reply, reply
    assert len(bookings(faulty, booker.sender)) == 1
    report(f"fault: booking confirmed under a 5 s database lock answered after {waited:.1f}s, saved once")


def test_smtp_down_during_a_handoff_keeps_it_in_the_inbox_and_the_email_goes_when_smtp_is_back(faulty, monkeypatch):
    sender = new_sender()
    faulty.send("hi", sender=sender)
    assert "reply" in texts(faulty.send("can I talk to a real person please", sender=sender)).lower()
    handoff = HandoffStore(faulty.env["APP_DB_URL"]).for_conversation(sender)
    assert handoff and handoff["status"] == "open"  # what the inbox lists
    outbox = notifications.Outbox(faulty.env["APP_DB_URL"])
    mine = lambda: [r for r in outbox.rows() if r["kind"] == "handoff" and r["ref_id"] == handoff["id"]]  # noqa: E731
    assert wait_for(lambda: mine() and mine()[0]["attempts"] >= 1, 30), mine()  # tried at once, and failed
    assert mine()[0]["status"] == "pending"

    for name in ("APP_DB_URL", "SMTP_HOST", "TRAINER_EMAIL"):
        monkeypatch.setattr(settings, name, faulty.env[name])
    monkeypatch.setattr(settings, "SMTP_PORT", faulty.smtp_port)
    monkeypatch.setattr(settings, "SMTP_STARTTLS", False)
    monkeypatch.setattr(settings, "NOTIFY_RETRY_SECONDS", 1.0)
    sink = start_sink_on(faulty.smtp_port)  # the mail server is back
    back = time.monotonic()
    retrying = Supervisor([], say=lambda _: None, jobs=[Job("emails", 1, notifications.deliver_pending_from_settings)])

    def about_this():
        bodies = [
            email.message_from_bytes(m["data"], policy=email.policy.default).get_body().get_content()
            for m in sink.received
        ]
        return [body for body in bodies if sender in body]

    try:
        assert wait_for(lambda: retrying.check() is None and bool(about_this()), 30)
        delay = time.monotonic() - back
        wait_for(lambda: retrying.check() is not None, 3)  # later runs of the job send it no more
        (body,) = about_this()
        assert "reply in the inbox" in body
    finally:
        stop_smtp_sink(sink)
    assert mine()[0]["status"] == "sent"
    report(f"fault: handoff email sent {delay:.1f}s after the mail server came back (retry every 1 s)")


def test_the_action_server_killed_mid_consultation(faulty):
    chat, control = Chat(faulty), Chat(faulty)
    for person in (chat, control):
        assert "is that okay" in person.say("my knee hurts").lower()
        assert "how old" in person.say("yes").lower()
    before = faulty.supervisor.restarts(faulty.actions)
    kill(faulty.actions)
    killed = time.monotonic()
    replies = faulty.send("34", sender=chat.sender)
    assert [m.get("text") for m in replies] == [TROUBLE]  # once, not silence, not repeated
    assert wait_for(
        lambda: faulty.supervisor.restarts(faulty.actions) > before and services.is_healthy(faulty.actions.health_url),
        120,
    )
    healthy = time.monotonic()
    answer = chat.say("34")  # the same answer again, once the server is back
    answered = time.monotonic()
    assert answer == control.say("34") and "injury" in answer.lower(), answer
    assert chat.say("no") == control.say("no")  # and the consultation goes on
    report(
        f"fault: action server killed -> healthy again after {healthy - killed:.1f}s (supervisor), "
        f"next answer {answered - healthy:.2f}s later"
    )


def test_the_rasa_server_restarted_mid_conversation(faulty):
    chat, control = Chat(faulty), Chat(faulty)
    for person in (chat, control):
        person.say("my knee hurts")
        person.say("yes")
        assert "injury" in person.say("34").lower()
    before = faulty.supervisor.restarts(faulty.rasa)
    kill(faulty.rasa)
    killed = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        faulty.send("no", sender=chat.sender, timeout=5)
    assert wait_for(
        lambda: faulty.supervisor.restarts(faulty.rasa) > before and model_loaded(faulty.url, faulty.token), 300, step=1
    )
    healthy = time.monotonic()
    answer = chat.say("no", timeout=60)
    answered = time.monotonic()
    assert answer == control.say("no", timeout=60), answer  # the same next question: the tracker store kept it
    report(
        f"fault: Rasa server killed -> healthy again after {healthy - killed:.0f}s (model load), "
        f"next answer {answered - healthy:.2f}s later"
    )
