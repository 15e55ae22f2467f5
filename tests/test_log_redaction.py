"""Log redaction (ops/log_setup.py) on the records our processes really write, and log rotation.

The records are made the way their authors make them: Rasa's processor logging a
failed action whose action server answered like rasa_sdk does (a 500 carrying
the whole tracker), a login to the inbox, urllib3's line for a Telegram call.
"""

from __future__ import annotations

import json
import logging
import sys
import time

import jwt
import pytest

import settings
from ops import log_setup, services

SECRET = "configured-secret-value-0123456789"
PERSON_SAID = "my knee hurts, I'm Ann Smith, mail ann.smith@example.com or call 07700 900123"
BOT_SAID = "Thanks Ann, the trainer will call +44 7700 900123"


@pytest.fixture
def redaction():
    """install_redaction() for one test; the process's record factory is put back afterwards."""
    factory, installed = logging.getLogRecordFactory(), log_setup._installed
    log_setup._installed = None
    yield log_setup.install_redaction(extra_secrets=[SECRET])
    logging.setLogRecordFactory(factory)
    log_setup._installed = installed


def tracker_dump() -> dict:
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    events = [
        UserUttered(
            PERSON_SAID,
            intent={"name": "inform", "confidence": 0.9},
            entities=[{"entity": "booking_name", "value": "Ann Smith", "start": 0, "end": 1}],
        ),
        BotUttered(BOT_SAID),
        SlotSet("booking_name", "Ann Smith"),
        SlotSet("booking_contact", "ann.smith@example.com"),
    ]
    return DialogueStateTracker.from_events("conv-42", events).current_state(EventVerbosity.ALL)


def assert_clean(text: str) -> None:
    for private in ("knee hurts", "Ann", "ann.smith", "07700", "7700 900123", SECRET):
        assert private not in text, (private, text)


def test_rasas_log_of_a_failed_action_keeps_no_words_names_or_contacts(redaction, caplog):
    from rasa.shared.exceptions import RasaException
    from rasa.utils.endpoints import ClientResponseError

    # rasa_sdk/endpoint.py exception_handler: {"error": str(exception), "request_body": request.json}, 500
    body = json.dumps(
        {
            "error": "boom",
            "request_body": {
                "next_action": "action_book",
                "sender_id": "conv-42",
                "tracker": tracker_dump(),
                "version": "3.6.2",
            },
        },
        separators=(",", ":"),
    )
    caplog.set_level(logging.ERROR)
    try:
        try:
            raise ClientResponseError(500, "Internal Server Error", body)
        except ClientResponseError as error:
            raise RasaException("Failed to execute custom action 'action_book'") from error
    except Exception:
        # rasa/core/processor.py _run_action
        logging.getLogger("rasa.core.processor").exception(
            "Encountered an exception while running action 'action_book'.Bot will continue, but the actions "
            "events are lost. Please check the logs of your action server for more information."
        )
    text = caplog.text
    assert "Encountered an exception while running action 'action_book'" in text
    assert "ClientResponseError: 500" in text and '"next_action":"action_book"' in text  # still useful
    assert '"text":"[redacted]"' in text and '"booking_name":"[redacted]"' in text
    assert_clean(text)


def test_rasas_debug_lines_about_events_keep_no_words(redaction, caplog):
    from rasa.shared.core.events import BotUttered, UserUttered

    caplog.set_level(logging.DEBUG, logger="rasa.core.processor")
    log = logging.getLogger("rasa.core.processor")
    log.debug("Logged UserUtterance - tracker now has 4 events: %s", UserUttered(PERSON_SAID, intent={"name": "x"}))
    log.debug("Bot said %s and %r", BotUttered(BOT_SAID), BotUttered(BOT_SAID))
    log.debug("Received user message '%s' with intent '%s'", PERSON_SAID, "inform")  # quoted text: contacts only
    text = caplog.text
    assert "UserUttered(text: [redacted], intent: x" in text and "BotUttered(text: [redacted]" in text
    assert "ann.smith@example.com" not in text and "900123" not in text and SECRET not in text


def test_an_inbox_login_and_its_request_keep_no_password_or_token(redaction, caplog):
    caplog.set_level(logging.INFO)
    token = jwt.encode({"user": {"username": "conv-42", "role": "user"}}, "k" * 32, algorithm="HS256")
    log = logging.getLogger("trainer_inbox.routes_auth")
    log.info("POST /login %s", "username=trainer&password=hunter2hunter2&login_csrf=abcdefgh")
    log.info("GET /conversations/conv-42/tracker?token=%s&include_events=ALL", SECRET)
    log.info("headers: %s", {"Authorization": f"Bearer {token}", "X-Telegram-Bot-Api-Secret-Token": "s3cr3t-v4lue"})
    log.info("Authorization: Bearer %s", token)
    log.warning("inbox: failed login from %s", "203.0.113.9")
    log.info("store at %s", "postgresql://inbox:db-password-1@db.internal/assistant")
    text = caplog.text
    for secret in ("hunter2", SECRET, token, token.split(".")[1], "s3cr3t-v4lue", "db-password-1"):
        assert secret not in text
    assert "password=[redacted]" in text and "'Authorization': '[redacted]'" in text and "Bearer [redacted]" in text
    assert "failed login from 203.0.113.9" in text and "postgresql://inbox:[redacted]@db.internal/assistant" in text


def test_a_telegram_url_keeps_no_bot_token(redaction, caplog):
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    # urllib3/connectionpool.py _make_request
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s %s',
        "https",
        "api.telegram.org",
        443,
        "POST",
        "/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage",
        "HTTP/1.1",
        200,
        512,
    )
    assert '"POST /bot[redacted]/sendMessage HTTP/1.1" 200' in caplog.text
    assert "AAHdqTcv" not in caplog.text


def test_the_configured_secrets_are_known(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "inbox_password").write_text("generated-inbox-password\n")
    values = log_setup.secret_values({"TELEGRAM_BOT_TOKEN": "123:from-the-service-env"})
    for expected in (
        settings.RASA_API_TOKEN,
        settings.RASA_JWT_SECRET,
        settings.ACTION_SERVER_TOKEN,
        settings.INBOX_SECRET_KEY,
        "123:from-the-service-env",
        "generated-inbox-password",
    ):
        assert expected in values
    assert settings.RASA_URL not in values  # not a secret


def test_ordinary_lines_are_left_alone():
    line = (
        "2024-05-01 10:00:00,123 INFO rasa.core.run - Starting Rasa server on http://127.0.0.1:5005 "
        "(Rasa 3.6.21, pid 12345, model 20240501-100000-abc.tar.gz, took 12.5 s at 1714557600)"
    )
    assert log_setup.Redactor([SECRET]).redact(line) == line


def test_handlers_added_after_installation_get_redacted_records_too(redaction, tmp_path):
    handler = logging.FileHandler(tmp_path / "late.log")
    late = logging.getLogger("engineio.server.test")  # its own handler, not propagating, as engineio does
    late.addHandler(handler)
    late.propagate = False
    try:
        late.warning("client %s sent %s", "ann.smith@example.com", {"text": PERSON_SAID})
    finally:
        late.removeHandler(handler)
        handler.close()
    assert_clean((tmp_path / "late.log").read_text())


# --- rotation ---------------------------------------------------------------------------------------------
def test_rotating_file_keeps_a_few_bounded_files(tmp_path):
    path = tmp_path / "rasa.log"
    log = log_setup.RotatingFile(path, max_bytes=100, backups=2)
    for number in range(12):
        log.write(f"line {number:02d} ".ljust(39, ".").encode() + b"\n")  # 40 bytes
    log.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rasa.log", "rasa.log.1", "rasa.log.2"]
    assert all(p.stat().st_size <= 100 for p in tmp_path.iterdir())
    assert path.read_text().startswith("line 10") and (tmp_path / "rasa.log.1").read_text().startswith("line 08")
    # A restart appends to the current file and keeps rotating from its size.
    again = log_setup.RotatingFile(path, max_bytes=100, backups=2)
    again.write(b"x" * 30 + b"\n")
    again.close()
    assert (tmp_path / "rasa.log.1").read_text().startswith("line 10")


def test_a_services_output_is_redacted_and_rotated(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "LOG_MAX_BYTES", 400)
    monkeypatch.setattr(settings, "LOG_BACKUPS", 3)
    token = "service-env-token-0123456789"
    program = (
        "import sys\n"
        f"print('token is {token}', flush=True)\n"
        f"print({json.dumps({'event': 'user', 'text': PERSON_SAID})!r}, flush=True)\n"
        "for n in range(16): print(f'line {n:02d} ' + '.' * 40, flush=True)\n"
        f"raise RuntimeError({PERSON_SAID!r})\n"
    )
    log_path = tmp_path / "logs" / "demo.log"
    service = services.Service(
        "demo", [sys.executable, "-c", program], "http://127.0.0.1:9/", log_path, env={"RASA_API_TOKEN": token}
    )
    service.start()
    service.process.wait(30)
    deadline = time.monotonic() + 10
    while "RuntimeError" not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)  # the pump thread writes the last lines
    files = sorted(p.name for p in log_path.parent.iterdir())
    assert files[:2] == ["demo.log", "demo.log.1"] and set(files) <= {
        "demo.log",
        "demo.log.1",
        "demo.log.2",
        "demo.log.3",
    }
    everything = "".join((log_path.parent / name).read_text() for name in reversed(files))
    assert "token is [redacted]" in everything and '"text": "[redacted]"' in everything
    assert "RuntimeError" in everything and "line 15" in everything
    assert token not in everything and "ann.smith" not in everything and "07700" not in everything
    assert all((log_path.parent / name).stat().st_size <= 400 for name in files)
