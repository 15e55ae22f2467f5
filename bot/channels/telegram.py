"""Telegram as a Rasa channel: POST /webhooks/telegram/webhook, replies through the Bot API.

Written on Rasa's InputChannel/OutputChannel because Rasa's own Telegram channel
checks nothing. Every call must carry X-Telegram-Bot-Api-Secret-Token equal to
TELEGRAM_WEBHOOK_SECRET (403 otherwise, nothing reaches a tracker). Each update_id
is processed once: Telegram resends an update that did not get a 200. The
conversation id is a keyed hash of the chat id (records/channel_identities.py), so
no client chooses it and no tracker holds the raw id. The channel is off (404)
unless its variables are set.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

import settings
from bot.channels.limits import clean_text, over_rate_limit, too_long_reply
from common import channels
from connectors import telegram_updates as updates
from connectors.message_split import split_message
from connectors.provider_http import ProviderError
from connectors.telegram_api import TelegramClient, chunks_with_buttons, fits_callback_data
from records.channel_identities import ChannelStore, conversation_id_for

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MAX_BODY_BYTES = 64 * 1024  # an update is a few kB; anything bigger is not from Telegram
TOKEN_PREFIX = "t:"  # callback_data standing for a payload over Telegram's 64 bytes


class TelegramOutput(OutputChannel):
    """Sends the assistant's (and the trainer's) messages to the chat behind a conversation id."""

    def __init__(self, client: TelegramClient, store: ChannelStore, known: Optional[Dict[str, str]] = None) -> None:
        self.client = client
        self.store = store
        # The chat of the message being answered: no lookup, and the reply to "delete my
        # data" still arrives although the address was just erased.
        self.known = dict(known or {})

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, text, None)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, buttons)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, image, None)

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, attachment, None)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        # Rasa's default would send the raw JSON to the person as text
        if isinstance(json_message.get("text"), str):
            await self._send(recipient_id, json_message["text"], None)

    async def _send(self, conversation_id: str, text: str, buttons: Optional[List[Dict[str, Any]]]) -> None:
        if conversation_id in self.known:
            found: Optional[Dict[str, Any]] = {"channel": CHANNEL, "address": self.known[conversation_id]}
        else:
            found = await asyncio.to_thread(self.store.address, conversation_id)
        if not found or found["channel"] != CHANNEL:
            raise ProviderError("Telegram", "sendMessage", None, "no Telegram chat for this conversation")
        keyboard = [await asyncio.to_thread(self._button, conversation_id, b) for b in buttons or []]
        parts = split_message(text or "", channels.channel(CHANNEL).max_message_chars or 4096) or ["…"]
        try:
            for part, part_buttons in chunks_with_buttons(parts, keyboard or None):
                await asyncio.to_thread(self.client.send_message, found["address"], part, part_buttons)
        except ProviderError as error:
            await asyncio.to_thread(self.store.record_failure, conversation_id, CHANNEL, text or "", str(error))
            raise

    def _button(self, conversation_id: str, button: Dict[str, Any]) -> Dict[str, str]:
        title = str(button.get("title") or button.get("payload") or "")
        payload = str(button.get("payload") or title)
        data = (
            payload
            if fits_callback_data(payload)
            else TOKEN_PREFIX + self.store.token_for_payload(conversation_id, payload)
        )
        return {"title": title, "data": data}


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        return cls()

    def __init__(self) -> None:
        self.enabled = settings.telegram_enabled()
        self.secret = settings.TELEGRAM_WEBHOOK_SECRET
        self.client = TelegramClient(settings.TELEGRAM_API_BASE, settings.TELEGRAM_BOT_TOKEN)
        self._store: Optional[ChannelStore] = None

    @property
    def store(self) -> ChannelStore:
        if self._store is None:
            self._store = ChannelStore(settings.APP_DB_URL)
        return self._store

    def get_output_channel(self) -> Optional[OutputChannel]:
        return TelegramOutput(self.client, self.store) if self.enabled else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("telegram_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request):
            return response.json({"status": "ok" if self.enabled else "off"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            if not self.enabled:
                return response.json({"error": "Telegram is not configured here."}, status=404)
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token") or ""
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                return response.json({"error": "forbidden"}, status=403)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "too large"}, status=413)
            try:
                body = json.loads(request.body or b"")
            except ValueError:
                return response.json({"error": "invalid JSON"}, status=400)
            update = updates.read_update(body)
            if update.kind == updates.IGNORED:
                return response.json({"status": "ignored"})
            if not await asyncio.to_thread(self.store.claim_update, CHANNEL, str(update.update_id)):
                return response.json({"status": "duplicate"})
            try:
                await self._handle(update, on_new_message)
            except Exception:  # noqa: BLE001 - already claimed: a retry must not run it twice
                log.exception("Telegram update %s could not be handled", update.update_id)
            return response.json({"status": "ok"})

        return webhook

    async def _handle(self, update: updates.TelegramUpdate, on_new_message) -> None:
        if update.callback_id:
            await asyncio.to_thread(self.client.answer_callback, update.callback_id)  # stops the button's spinner
        if update.kind == updates.GROUP:
            await asyncio.to_thread(self.client.send_message, update.chat_id, updates.GROUP_REPLY)
            return
        if update.kind == updates.NOT_TEXT:
            await asyncio.to_thread(self.client.send_message, update.chat_id, updates.ONLY_TEXT_REPLY)
            return
        conversation_id = conversation_id_for(CHANNEL, str(update.chat_id), settings.CONVERSATION_ID_KEY)
        text = await asyncio.to_thread(self._message_text, conversation_id, update)
        if text is None:
            return  # a tap on a button we never sent
        refusal = over_rate_limit(conversation_id, None) or too_long_reply(text)
        if refusal is not None:  # answered here, never sent to the pipeline
            await asyncio.to_thread(self.client.send_message, update.chat_id, refusal)
            return
        await asyncio.to_thread(self.store.remember, conversation_id, CHANNEL, str(update.chat_id))
        output = TelegramOutput(self.client, self.store, known={conversation_id: str(update.chat_id)})
        await on_new_message(UserMessage(clean_text(text), output, conversation_id, input_channel=CHANNEL))

    def _message_text(self, conversation_id: str, update: updates.TelegramUpdate) -> Optional[str]:
        if update.kind == updates.BUTTON:
            if update.text.startswith(TOKEN_PREFIX):
                return self.store.payload_for_token(conversation_id, update.text[len(TOKEN_PREFIX) :])
            return update.text or None
        if updates.is_start_command(update.text):
            return "hi"  # Telegram's "open the bot" command: a greeting, not an intent name
        # A typed "/something" would be read by Rasa as an intent name; people mean the word.
        return update.text.lstrip("/") if update.text.startswith("/") else update.text
