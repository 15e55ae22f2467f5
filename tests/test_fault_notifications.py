"""The trainer's notification emails survive a mail server that is down (records/notifications.py)."""

from __future__ import annotations

import socketserver
import threading
from datetime import timedelta

import pytest

import settings
from records import notifications
from records.handoffs import HandoffStore
from records.notifications import Outbox, deliver_due
from records.schema import utcnow
from tests.conftest import free_port
from tests.smtp_sink import LocalSMTPServer, _SMTPHandler, stop_smtp_sink


class SinkOnPort(LocalSMTPServer):
    """The test SMTP server on a port chosen beforehand: 'down' until started, then 'back'."""

    def __init__(self, port: int) -> None:  # not super().__init__: that would bind port 0
        socketserver.ThreadingTCPServer.__init__(self, ("127.0.0.1", port), _SMTPHandler)
        self.received = []
        self.reject_data = False


def start_sink_on(port: int) -> SinkOnPort:
    sink = SinkOnPort(port)
    threading.Thread(target=sink.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return sink


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'assistant.db'}"


@pytest.fixture
def mail(url, monkeypatch):
    """Email configured towards a port where nothing listens yet (the mail server is down)."""
    port = free_port()
    for name, value in {
        "APP_DB_URL": url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_STARTTLS": False,
        "TRAINER_EMAIL": "trainer@example.com",
        "NOTIFY_RETRY_SECONDS": 0.0,
        "PUBLIC_INBOX_URL": "http://inbox.example",
    }.items():
        monkeypatch.setattr(settings, name, value)
    return port


def open_handoff(url, who="person-1"):
    return HandoffStore(url).open_handoff(who, "rest", "asked_for_human", "Left knee.", [], notify=True)


def test_smtp_down_keeps_the_handoff_and_its_email_which_goes_once_smtp_is_back(url, mail):
    handoff = open_handoff(url)
    assert notifications.deliver_pending_from_settings() == {"sent": 0, "dropped": 0, "failed": 1}
    assert [h["id"] for h in HandoffStore(url).list_handoffs("open")] == [handoff["id"]]  # in the inbox
    (row,) = Outbox(url).rows()
    assert row["status"] == "pending" and row["attempts"] == 1 and "Connection refused" in row["last_error"]

    sink = start_sink_on(mail)
    try:
        assert notifications.deliver_pending_from_settings()["sent"] == 1
        assert notifications.deliver_pending_from_settings() == {"sent": 0, "dropped": 0, "failed": 0}
        (email,) = sink.received
        text = email["data"].decode()
        assert email["to"] == ["trainer@example.com"] and "waiting for you in the inbox" in text
        assert "http://inbox.example/conversations/person-1" in text
        assert "Left knee" not in text  # the summary and transcript stay in the inbox
    finally:
        stop_smtp_sink(sink)
    assert Outbox(url).rows()[0]["status"] == "sent"


def test_a_refreshed_handoff_queues_no_second_email(url, mail):
    first = open_handoff(url)
    again = open_handoff(url)
    assert first["id"] == again["id"] and again["notification_id"] is None
    assert len(Outbox(url).rows()) == 1


def test_a_failed_email_waits_longer_each_time_at_most_an_hour(url):
    outbox = Outbox(url)
    row_id = outbox.add("handoff", 1)
    now = utcnow()
    waits = []
    for _ in range(9):
        outbox.finish(row_id, "pending", "down", every=60, now=now)
        waits.append((outbox.rows()[0]["next_attempt_at"] - now.replace(tzinfo=None)).total_seconds())
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


def test_not_yet_due_is_not_tried(url):
    outbox = Outbox(url)
    row_id = outbox.add("handoff", 1)
    outbox.finish(row_id, "pending", "down", every=60)
    assert deliver_due(outbox, lambda row: True) == {"sent": 0, "dropped": 0, "failed": 0}


def test_two_senders_at_once_send_each_email_once(url):
    outbox = Outbox(url)
    for ref in range(10):
        outbox.add("handoff", ref)
    sent, lock = [], threading.Lock()

    def send(row):
        with lock:
            sent.append(row["id"])
        return True

    threads = [threading.Thread(target=deliver_due, args=(Outbox(url), send)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(sent) == sorted(row["id"] for row in outbox.rows()) and len(sent) == 10


def test_a_sender_that_died_frees_its_claim_later(url):
    outbox = Outbox(url)
    outbox.add("handoff", 1)
    assert len(outbox.claim()) == 1  # claimed, never finished
    assert outbox.claim() == []
    assert len(outbox.claim(now=utcnow() + notifications.CLAIM + timedelta(seconds=1))) == 1


def test_an_erased_handoff_is_not_emailed(url, mail):
    handoff = open_handoff(url, "erased-person")
    HandoffStore(url).delete_conversation_data("erased-person")
    sink = start_sink_on(mail)
    try:
        assert notifications.deliver_pending_from_settings()["dropped"] == 1
        assert sink.received == []
    finally:
        stop_smtp_sink(sink)
    assert handoff["notification_id"] == Outbox(url).rows()[0]["id"]


def test_without_email_configured_nothing_is_queued(url, monkeypatch):
    monkeypatch.setattr(settings, "SMTP_HOST", "")
    assert not notifications.email_configured()
    assert notifications.deliver_pending_from_settings() == {}
