"""The one channel registry: what differs between the places people chat from.

Everything that varies by channel reads it: the inbox's display names and how a
trainer's reply is delivered, the booking offer (buttons or numbered choices), reply
splitting at the channel's length limit. A Rasa input channel's `name()` is the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

# How a trainer's reply reaches the person: through Rasa's HTTP API with the
# conversation's output channel (Rasa then calls the channel's OutputChannel), or not
# at all because the channel has nobody listening after the request ended.
REPLY_THROUGH_RASA = "rasa_output_channel"
REPLY_NOT_DELIVERABLE = "not_deliverable"


@dataclass(frozen=True)
class Channel:
    name: str  # Rasa's input channel name
    display_name: str
    max_buttons: int  # 0: offer choices as numbered text
    button_title_chars: Optional[int]  # longest button title the provider accepts
    max_message_chars: Optional[int]  # the provider's limit for one message; longer ones are split
    trainer_reply: str
    personal_id: bool = False  # the conversation id is a phone number or provider user id


CHANNELS: Dict[str, Channel] = {
    channel.name: channel
    for channel in (
        Channel("socketio", "website chat", 10, None, None, REPLY_THROUGH_RASA),
        Channel("rest", "REST API", 10, None, None, REPLY_THROUGH_RASA),
        Channel("cmdline", "terminal (rasa shell)", 10, None, None, REPLY_NOT_DELIVERABLE),
        Channel("telegram", "Telegram", 10, 64, 4096, REPLY_THROUGH_RASA, personal_id=True),
        # WhatsApp Cloud API: up to 3 reply buttons (20 chars) or a list of 10 rows (24 chars)
        Channel("whatsapp", "WhatsApp", 10, 24, 4096, REPLY_THROUGH_RASA, personal_id=True),
        # Rasa's Twilio channel sends text only
        Channel("twilio", "WhatsApp (Twilio)", 0, None, 1600, REPLY_THROUGH_RASA, personal_id=True),
    )
}

UNKNOWN = Channel("latest", "unknown", 0, None, None, REPLY_THROUGH_RASA)


def channel(name: Optional[str]) -> Channel:
    """The registry's entry for a channel name; unknown names get the most careful defaults."""
    return CHANNELS.get(name or "", UNKNOWN)


def display_name(name: Optional[str]) -> str:
    entry = CHANNELS.get(name or "")
    return entry.display_name if entry else (name or "unknown")


def supports_buttons(name: Optional[str]) -> bool:
    return channel(name).max_buttons > 0
