"""WhatsApp (Meta's Cloud API) as a Rasa channel: /webhooks/whatsapp/webhook, replies through /messages.

Built like the Telegram channel (bot/channels/telegram.py). GET answers Meta's
verification (hub.verify_token must equal WHATSAPP_VERIFY_TOKEN); every POST must be
signed with the app secret (X-Hub-Signature-256), or it gets 403 and reaches no
tracker. Each message id is processed once, and a claimed message is answered 200
whatever happens next, since Meta resends anything else. The conversation id is a
keyed hash of the number; the number itself is only in the ChannelStore. Outside the
24-hour window replies go out as the configured template, or are recorded as failed.
The channel is off (404) unless its variables are set.
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
from connectors import whatsapp_buttons as offers
from connectors import whatsapp_webhook as webhook
from connectors.whatsapp_api import WhatsAppClient
from connectors.whatsapp_outbox import CHANNEL, Outbox
from records.channel_identities import ChannelStore, conversation_id_for
from records.channel_options import OptionStore

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 256 * 1024  # a webhook call is a few kB even when Meta batches; bigger is not from Meta
MAX_CHALLENGE_CHARS = 256
UNDELIVERED_TEXT = "(a message sent earlier)"  # a failed status names the message, not its text


class WhatsAppOutput(OutputChannel):
    """Sends the assistant's (and the trainer's) messages to the number behind a conversation id."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await asyncio.to_thread(self.outbox.send, recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await asyncio.to_thread(self.outbox.send, recipient_id, text, buttons)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await asyncio.to_thread(self.outbox.send, recipient_id, image)

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await asyncio.to_thread(self.outbox.send, recipient_id, attachment)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        # Rasa's default would send the raw JSON as text; only its text, if any, means something to a person.
        if isinstance(json_message, dict) and isinstance(json_message.get("text"), str):
            await asyncio.to_thread(self.outbox.send, recipient_id, json_message["text"])


class WhatsAppInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WhatsAppInput":
        return cls()

    def __init__(self) -> None:
        self.enabled = settings.whatsapp_enabled()
        self.app_secret, self.verify_token = settings.WHATSAPP_APP_SECRET, settings.WHATSAPP_VERIFY_TOKEN
        self.phone_number_id = settings.WHATSAPP_PHONE_NUMBER_ID
        self.client = WhatsAppClient(
            settings.WHATSAPP_API_BASE, settings.WHATSAPP_PHONE_NUMBER_ID, settings.WHATSAPP_ACCESS_TOKEN
        )
        self._store: Optional[ChannelStore] = None
        self._options: Optional[OptionStore] = None

    @property
    def store(self) -> ChannelStore:
        if self._store is None:
            self._store = ChannelStore(settings.APP_DB_URL)
        return self._store

    @property
    def options(self) -> OptionStore:
        if self._options is None:
            self._options = OptionStore(settings.APP_DB_URL)
        return self._options

    def outbox(self) -> Outbox:
        return Outbox(
            self.client, self.store, self.options, settings.WHATSAPP_TEMPLATE_NAME, settings.WHATSAPP_TEMPLATE_LANGUAGE
        )

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WhatsAppOutput(self.outbox()) if self.enabled else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hooks = Blueprint("whatsapp_webhook", __name__)

        @hooks.route("/", methods=["GET"])
        async def health(request: Request):
            return response.json({"status": "ok" if self.enabled else "off"})

        @hooks.route("/webhook", methods=["GET"])
        async def verify(request: Request):
            if not self.enabled:
                return response.json({"error": "WhatsApp is not configured here."}, status=404)
            given = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            if (
                request.args.get("hub.mode") == "subscribe"
                and challenge
                and len(challenge) <= MAX_CHALLENGE_CHARS
                and hmac.compare_digest(given.encode(), self.verify_token.encode())
            ):
                return response.text(challenge)
            return response.text("forbidden", status=403)

        @hooks.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            if not self.enabled:
                return response.json({"error": "WhatsApp is not configured here."}, status=404)
            body = request.body or b""
            if len(body) > MAX_BODY_BYTES:
                return response.json({"error": "too large"}, status=413)
            if not webhook.signature_valid(body, request.headers.get(webhook.SIGNATURE_HEADER), self.app_secret):
                return response.json({"error": "forbidden"}, status=403)
            try:
                data = json.loads(body)
            except ValueError:
                return response.json({"error": "invalid JSON"}, status=400)
            found = webhook.read_webhook(data, self.phone_number_id)
            for status in found.statuses:
                await self._status(status)
            for message in found.messages:
                if not await asyncio.to_thread(self.store.claim_update, CHANNEL, message.message_id):
                    continue  # Meta's retry of a message already handled
                try:
                    await self._handle(message, on_new_message)
                except Exception:  # noqa: BLE001 - already claimed: a retry must not run it twice
                    log.exception("WhatsApp message %s could not be handled", message.message_id)
            return response.json({"status": "ok"})

        return hooks

    async def _handle(self, message: webhook.Inbound, on_new_message) -> None:
        if message.kind == webhook.NOT_TEXT:
            await asyncio.to_thread(self.client.send_text, message.sender, webhook.ONLY_TEXT_REPLY)
            return
        conversation_id = conversation_id_for(CHANNEL, message.sender, settings.CONVERSATION_ID_KEY)
        text = await asyncio.to_thread(self._message_text, conversation_id, message)
        if text is None:
            return  # a tap on a button we never sent
        refusal = over_rate_limit(conversation_id, None) or too_long_reply(text)
        if refusal is not None:  # answered here, never sent to the pipeline
            await asyncio.to_thread(self.client.send_text, message.sender, refusal)
            return
        await asyncio.to_thread(self.store.remember, conversation_id, CHANNEL, message.sender)
        await on_new_message(
            UserMessage(clean_text(text), WhatsAppOutput(self.outbox()), conversation_id, input_channel=CHANNEL)
        )

    def _message_text(self, conversation_id: str, message: webhook.Inbound) -> Optional[str]:
        numbered = self.options.take(conversation_id)  # any answer uses up a numbered offer
        if message.kind == webhook.BUTTON:
            return self.outbox().payload_for(conversation_id, message.text)
        choice = offers.chosen_number(message.text, len(numbered))
        if choice is not None:
            return numbered[choice]
        # A typed "/something" would be read by Rasa as an intent name; people mean the word.
        return message.text.lstrip("/") if message.text.startswith("/") else message.text

    async def _status(self, status: webhook.Status) -> None:
        """Delivery reports are not messages; a failed one is recorded for the inbox."""
        if status.status != "failed" or not status.recipient:
            return
        conversation_id = conversation_id_for(CHANNEL, status.recipient, settings.CONVERSATION_ID_KEY)
        try:
            if await asyncio.to_thread(self.store.address, conversation_id) is not None and await asyncio.to_thread(
                self.store.claim_update, CHANNEL, f"failed:{status.message_id}"
            ):
                log.warning("WhatsApp reports message %s undelivered: %s", status.message_id, status.error or "-")
                await asyncio.to_thread(
                    self.store.record_failure,
                    conversation_id,
                    CHANNEL,
                    UNDELIVERED_TEXT,
                    f"WhatsApp could not deliver it: {status.error or 'no reason given'}",
                )
        except Exception:  # noqa: BLE001 - a report about an earlier message must not fail the webhook call
            log.exception("WhatsApp status for %s could not be recorded", status.message_id)
