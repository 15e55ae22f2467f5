"""What goes out to a WhatsApp conversation, decided and sent (the output channel's logic, without Rasa).

For one reply: text split at 4,096 characters; up to 10 buttons as an interactive
message (the text before it split off so the body stays within 1,024); more as
numbered lines whose payloads are kept so a typed number can stand for its button.
Outside the 24-hour window the reply goes out as the configured template, or not at
all: then the failure is recorded, as is any message the provider finally refuses,
and the error raised for the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from common.clock import utc_now
from connectors import whatsapp_buttons as offers
from connectors.message_split import split_message
from connectors.provider_http import ProviderError
from connectors.whatsapp_api import (
    MAX_MESSAGE_CHARS,
    interactive_message,
    template_message,
    template_parameters,
    text_message,
)
from connectors.whatsapp_window import NO_TEMPLATE, WindowClosed, needs_template

CHANNEL = "whatsapp"
TOKEN_PREFIX = "t:"  # a button id standing for a payload too long to be the id itself


@dataclass
class Outbox:
    client: Any  # WhatsAppClient: send(to, message)
    store: Any  # records.channel_identities.ChannelStore
    options: Any  # records.channel_options.OptionStore
    template_name: str = ""
    template_language: str = "en_GB"
    clock: Callable[[], datetime] = utc_now

    def send(self, conversation_id: str, text: str, buttons: Optional[Sequence[Dict[str, Any]]] = None) -> None:
        found = self.store.address(conversation_id)
        if not found or found["channel"] != CHANNEL:
            raise ProviderError("WhatsApp", "messages", None, "no WhatsApp number for this conversation")
        messages = self.messages(conversation_id, text or "", list(buttons or []), found["last_inbound_at"])
        try:
            for message in messages:
                self.client.send(found["address"], message)
        except ProviderError as error:
            self.store.record_failure(conversation_id, CHANNEL, text or "", str(error))
            raise

    def messages(
        self, conversation_id: str, text: str, buttons: List[Dict[str, Any]], last_inbound_at: Optional[datetime]
    ) -> List[Dict[str, Any]]:
        """The message bodies to send, in order; remembers numbered choices, refuses outside the window."""
        offered = offers.options(buttons)
        titles = [title for title, _ in offered]
        if needs_template(last_inbound_at, self.clock()):
            body = offers.numbered(text, titles) if offered else text  # a template has no buttons
            if not self.template_name:
                self.store.record_failure(conversation_id, CHANNEL, body, NO_TEMPLATE)
                raise WindowClosed()
            self._remember(conversation_id, offered, numbered=True)
            return [
                template_message(self.template_name, self.template_language, part) for part in template_parameters(body)
            ]
        form = offers.form_for(len(offered))
        if form in (offers.BUTTONS, offers.LIST):
            self._remember(conversation_id, offered, numbered=False)
            before, last = split_before_interactive(text)
            interactive = offers.interactive(last, offered, lambda p, limit: self.button_id(conversation_id, p, limit))
            return [text_message(part) for part in before] + [interactive_message(interactive)]
        if form == offers.NUMBERED:
            self._remember(conversation_id, offered, numbered=True)
            text = offers.numbered(text, titles)
        return [text_message(part) for part in split_message(text, MAX_MESSAGE_CHARS) or ["…"]]

    def _remember(self, conversation_id: str, offered: List[offers.Option], numbered: bool) -> None:
        if not offered:
            return
        if numbered:
            self.options.offer(conversation_id, [payload for _, payload in offered])
        else:
            self.options.clear(conversation_id)  # a newer offer: an old number no longer stands for anything

    def button_id(self, conversation_id: str, payload: str, limit: int) -> str:
        if len(payload) <= limit and not payload.startswith(TOKEN_PREFIX):
            return payload
        return TOKEN_PREFIX + self.store.token_for_payload(conversation_id, payload)

    def payload_for(self, conversation_id: str, button_id: str) -> Optional[str]:
        """What a tapped button or row stands for; None for a token this conversation was never given."""
        if button_id.startswith(TOKEN_PREFIX):
            return self.store.payload_for_token(conversation_id, button_id[len(TOKEN_PREFIX) :])
        return button_id


def split_before_interactive(text: str) -> Tuple[List[str], str]:
    """Text parts sent first, and the part that goes with the buttons (an interactive body is ≤ 1,024)."""
    parts = split_message(text, MAX_MESSAGE_CHARS) or ["…"]
    tail = split_message(parts.pop(), offers.MAX_BODY_CHARS)
    return parts + tail[:-1], tail[-1]
