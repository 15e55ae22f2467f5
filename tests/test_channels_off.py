"""A messaging channel whose variables are unset is not offered: its webhook answers 404 and it sends nothing."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest
import requests
from sanic import Sanic

import settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def channels_off(monkeypatch):
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET"):
        monkeypatch.setattr(settings, name, "")
    from bot.channels.telegram import TelegramInput
    from bot.channels.whatsapp import WhatsAppInput

    received = []

    async def on_new_message(message):
        received.append(message)

    app = Sanic(f"channels_off_{id(received)}")
    inputs = [TelegramInput(), WhatsAppInput()]
    for channel in inputs:
        app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    port = _free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    stopped = asyncio.Event()

    async def serve():
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        ready.set()
        await stopped.wait()
        server.close()
        await server.wait_closed()

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    assert ready.wait(30)
    yield f"http://127.0.0.1:{port}", inputs, received
    loop.call_soon_threadsafe(stopped.set)
    thread.join(10)


def test_unconfigured_channels_answer_404_and_have_no_output(channels_off):
    url, inputs, received = channels_off
    assert (
        requests.post(
            f"{url}/webhooks/telegram/webhook",
            json={"update_id": 1},
            timeout=10,
            headers={"X-Telegram-Bot-Api-Secret-Token": ""},
        ).status_code
        == 404
    )
    assert requests.post(f"{url}/webhooks/whatsapp/webhook", data=b"{}", timeout=10).status_code == 404
    verify = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "123"}
    assert requests.get(f"{url}/webhooks/whatsapp/webhook", params=verify, timeout=10).status_code == 404
    assert [channel.get_output_channel() for channel in inputs] == [None, None]
    assert received == []
