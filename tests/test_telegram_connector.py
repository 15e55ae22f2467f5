"""The Telegram pieces without Rasa: reading updates, splitting replies, calling the Bot API (via the stand-in)."""

from __future__ import annotations

import logging

import pytest

from connectors import telegram_updates as updates
from connectors.message_split import split_message
from connectors.provider_http import ProviderError, ProviderHTTP
from connectors.telegram_api import TelegramClient, fits_callback_data
from tests.standins.telegram import TOKEN, telegram_standin, too_many_requests


def private(text=None, **extra):
    message = {"message_id": 1, "chat": {"id": 4242, "type": "private"}, "from": {"id": 4242}, **extra}
    if text is not None:
        message["text"] = text
    return {"update_id": 77, "message": message}


def test_a_private_text_message_is_read_with_its_chat():
    update = updates.read_update(private("my knee hurts"))
    assert (update.kind, update.update_id, update.chat_id, update.text) == (updates.TEXT, 77, "4242", "my knee hurts")


@pytest.mark.parametrize(
    "extra",
    [
        {"photo": [{"file_id": "x"}]},
        {"voice": {"file_id": "v"}},
        {"sticker": {"file_id": "s"}},
        {"location": {"latitude": 1, "longitude": 2}},
    ],
)
def test_photos_voice_stickers_and_locations_are_not_text(extra):
    assert updates.read_update(private(**extra)).kind == updates.NOT_TEXT


def test_an_edited_message_is_not_read_again():
    body = {"update_id": 78, "edited_message": {"chat": {"id": 1, "type": "private"}, "text": "edited"}}
    assert updates.read_update(body).kind == updates.NOT_TEXT


def test_a_group_chat_is_refused_and_unknown_updates_ignored():
    body = private("hello")
    body["message"]["chat"]["type"] = "group"
    assert updates.read_update(body).kind == updates.GROUP
    assert updates.read_update({"update_id": 5, "my_chat_member": {}}).kind == updates.IGNORED
    for junk in (None, [], "x", {"update_id": "5"}, {"message": {"text": "hi"}}):
        assert updates.read_update(junk).kind == updates.IGNORED


def test_a_button_tap_carries_its_data_and_query_id():
    body = {
        "update_id": 9,
        "callback_query": {"id": "cb1", "data": "/affirm", "message": {"chat": {"id": 7, "type": "private"}}},
    }
    update = updates.read_update(body)
    assert (update.kind, update.chat_id, update.text, update.callback_id) == (updates.BUTTON, "7", "/affirm", "cb1")


def test_start_command():
    assert updates.is_start_command("/start") and updates.is_start_command("/start@KneeBot abc")
    assert not updates.is_start_command("/starting") and not updates.is_start_command("start")


def test_long_replies_are_split_at_sentences_within_the_limit():
    sentence = "Stiff ankles push the knee inwards when you squat. "
    text = sentence * 200
    parts = split_message(text, 4096)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text.strip()
    assert split_message("short", 4096) == ["short"] and split_message("   ", 10) == []
    word = "x" * 9000  # one unbroken word is cut hard rather than sent over the limit
    assert [len(p) for p in split_message(word, 4096)] == [4096, 4096, 808]


def test_callback_data_limit_is_64_bytes():
    assert fits_callback_data("/affirm")
    assert not fits_callback_data('/inform_booking_details{"slot_choice": "2026-12-08T10:00:00+00:00"}')
    assert not fits_callback_data("é" * 33)


@pytest.fixture
def standin():
    server = telegram_standin()
    yield server
    server.stop()


def client(standin, token=TOKEN):
    return TelegramClient(standin.url, token, ProviderHTTP("Telegram", backoff_seconds=0.01, sleep=lambda s: None))


def test_send_message_is_plain_text_with_an_inline_keyboard(standin):
    client(standin).send_message("42", "Pick one", [{"title": "Yes", "data": "/affirm"}])
    call = standin.recorded("/sendMessage")[-1]
    assert call.path == f"/bot{TOKEN}/sendMessage"
    assert call.body == {
        "chat_id": "42",
        "text": "Pick one",
        "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "/affirm"}]]},
    }
    assert "parse_mode" not in call.body


def test_rate_limits_and_server_errors_are_retried(standin):
    standin.fail_next(too_many_requests(1), (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}))
    client(standin).send_message("42", "hello")
    assert len(standin.recorded("/sendMessage")) == 3


def test_an_expired_token_fails_at_once_and_the_token_is_never_logged(standin, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as failure:
        client(standin, token="999:expired").send_message("42", "hello")
    assert failure.value.status == 401 and len(standin.recorded("/sendMessage")) == 1
    assert "999:expired" not in str(failure.value) and "999:expired" not in caplog.text
    assert "sendMessage" in str(failure.value)


def test_an_unreachable_api_is_retried_then_reported():
    http = ProviderHTTP("Telegram", attempts=2, backoff_seconds=0, sleep=lambda s: None, timeout_seconds=1)
    with pytest.raises(ProviderError) as failure:
        TelegramClient("http://127.0.0.1:9", TOKEN, http).send_message("1", "hi")
    assert failure.value.status is None and TOKEN not in str(failure.value)


def test_set_and_delete_webhook(standin):
    tg = client(standin)
    tg.set_webhook("https://public.example/webhooks/telegram/webhook", "s3cret")
    tg.delete_webhook()
    set_call, delete_call = standin.recorded("/setWebhook")[-1], standin.recorded("/deleteWebhook")[-1]
    assert set_call.body["secret_token"] == "s3cret" and set_call.body["url"].endswith("/webhooks/telegram/webhook")
    assert "callback_query" in set_call.body["allowed_updates"]
    assert delete_call.path == f"/bot{TOKEN}/deleteWebhook"


def test_the_webhook_command_registers_with_the_secret_and_deletes(standin):
    import os
    import subprocess
    import sys

    import settings

    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": "cmd-secret",
        "TELEGRAM_API_BASE": standin.url,
    }

    def run(*args):
        return subprocess.run(
            [sys.executable, "manage.py", "telegram-webhook", *args],
            cwd=settings.ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    done = run("https://public.example")
    assert done.returncode == 0, done.stderr
    [call] = standin.recorded("/setWebhook")
    assert call.body["url"] == "https://public.example/webhooks/telegram/webhook"
    assert call.body["secret_token"] == "cmd-secret"
    assert TOKEN not in done.stdout + done.stderr
    assert run("http://plain.example").returncode == 2  # Telegram only calls https
    assert run("--delete").returncode == 0 and len(standin.recorded("/deleteWebhook")) == 1
