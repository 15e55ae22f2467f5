"""The trainer's booking email, sent to a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import email
import socket
from datetime import datetime, timezone
from email import policy
from typing import Dict, Iterator

import pytest

from booking.notify import NotificationFailed, email_trainer_about_booking
from tests.smtp_sink import LocalSMTPServer, start_smtp_sink, stop_smtp_sink

UTC = timezone.utc


@pytest.fixture
def smtp_server() -> Iterator[LocalSMTPServer]:
    server = start_smtp_sink()
    yield server
    stop_smtp_sink(server)


def a_booking(**overrides) -> Dict:
    booking = {
        "id": 7,
        "reference": "KB-7F3A9C",
        "conversation_id": "conv-1",
        "channel": "socketio",
        "starts_at": datetime(2026, 7, 7, 9, 0, tzinfo=UTC),  # 10:00 in London (summer time)
        "ends_at": datetime(2026, 7, 7, 10, 0, tzinfo=UTC),
        "time_zone": "Europe/London",
        "name": "Zoë O'Neill",
        "contact": "+447700900123",
        "contact_kind": "phone",
        "status": "confirmed",
        "intake_summary": "Right knee hurts on stairs.\n.A line starting with a dot\nKnee-to-wall: 6 cm (stiff ankle).",
        "sequence": 0,
    }
    booking.update(overrides)
    return booking


def send(server: LocalSMTPServer, booking=None, **overrides) -> bool:
    arguments = dict(
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_from="assistant@example.com",
        trainer_email="alex@example.com",
        starttls=False,
        trainer_name="Alex",
        timeout=5,
    )
    arguments.update(overrides)
    return email_trainer_about_booking(booking or a_booking(), **arguments)


def test_the_email_reaches_the_server_with_details_summary_and_invite(smtp_server):
    assert send(smtp_server) is True
    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received["from"] == "assistant@example.com" and received["to"] == ["alex@example.com"]

    message = email.message_from_bytes(received["data"], policy=policy.default)
    assert message["To"] == "alex@example.com" and message["From"] == "assistant@example.com"
    assert message["Subject"] == "New booking: Zoë O'Neill, Tue 7 Jul 2026, 10:00-11:00 (KB-7F3A9C)"
    body = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "Tue 7 Jul 2026, 10:00-11:00 (Europe/London)" in body
    assert "+447700900123 (phone)" in body and "KB-7F3A9C" in body
    assert "Right knee hurts on stairs.\n.A line starting with a dot\nKnee-to-wall: 6 cm" in body

    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    invite = attachments[0]
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_filename() == "KB-7F3A9C.ics"
    ics = invite.get_payload(decode=True).decode("utf-8")
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and "DTSTART:20260707T090000Z\r\n" in ics
    assert "SUMMARY:Movement session with Alex\r\n" in ics


def test_a_given_invite_is_attached_as_is(smtp_server):
    custom = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nEND:VCALENDAR\r\n"
    send(smtp_server, invite=custom)
    message = email.message_from_bytes(smtp_server.received[0]["data"], policy=policy.default)
    assert next(message.iter_attachments()).get_payload(decode=True).decode() == custom


def test_cancelled_and_moved_bookings_say_so(smtp_server):
    send(smtp_server, a_booking(status="cancelled"))
    send(smtp_server, a_booking(sequence=2))
    subjects = [email.message_from_bytes(r["data"], policy=policy.default)["Subject"] for r in smtp_server.received]
    assert subjects[0].startswith("Booking cancelled: ") and subjects[1].startswith("Booking moved: ")


@pytest.mark.parametrize("missing", ["smtp_host", "trainer_email"])
def test_nothing_is_sent_when_email_is_not_configured(smtp_server, missing):
    assert send(smtp_server, **{missing: ""}) is False
    assert smtp_server.received == []


def test_a_refusing_server_raises_notification_failed(smtp_server):
    smtp_server.reject_data = True
    with pytest.raises(NotificationFailed, match="554"):
        send(smtp_server)


def test_no_server_listening_raises_notification_failed():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(NotificationFailed):
        email_trainer_about_booking(
            a_booking(),
            smtp_host="127.0.0.1",
            smtp_port=closed_port,
            smtp_from="a@example.com",
            trainer_email="alex@example.com",
            starttls=False,
            timeout=2,
        )


def test_starttls_or_login_the_server_does_not_offer_raises_notification_failed(smtp_server):
    with pytest.raises(NotificationFailed):
        send(smtp_server, starttls=True)
    with pytest.raises(NotificationFailed):
        send(smtp_server, username="alex", password="secret")
    assert smtp_server.received == []
