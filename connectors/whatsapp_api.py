"""The WhatsApp Cloud API calls the assistant makes: POST {base}/{phone-number-id}/messages.

The access token travels only in the Authorization header (ProviderHTTP never logs
headers), so no URL or error carries it. Message bodies are built here as plain
dicts: text, interactive (buttons or list) and template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List

from connectors.message_split import split_message
from connectors.provider_http import ProviderHTTP

MAX_MESSAGE_CHARS = 4096  # a text message's body
MAX_TEMPLATE_PARAMETER_CHARS = 1024  # a template body parameter
_SPACES = re.compile(r"\s+")


@dataclass
class WhatsAppClient:
    base_url: str
    phone_number_id: str
    token: str
    http: ProviderHTTP = field(default_factory=lambda: ProviderHTTP("WhatsApp"))

    def send(self, to: str, message: Dict[str, Any]) -> Dict:
        """Send one message body (from the builders below) to a WhatsApp number (wa_id)."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        return self.http.post(
            f"{self.base_url.rstrip('/')}/{self.phone_number_id}/messages",
            "messages",
            payload,
            headers={"Authorization": f"Bearer {self.token}"},
        )

    def send_text(self, to: str, text: str) -> Dict:
        return self.send(to, text_message(text))


def text_message(text: str) -> Dict[str, Any]:
    # No link previews: a reply quoting a web address should not fetch and show the page.
    return {"type": "text", "text": {"body": text, "preview_url": False}}


def interactive_message(interactive: Dict[str, Any]) -> Dict[str, Any]:
    return {"type": "interactive", "interactive": interactive}


def template_message(name: str, language: str, body_text: str) -> Dict[str, Any]:
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": body_text}]}],
        },
    }


def template_parameters(text: str) -> List[str]:
    """The text as template body parameters: WhatsApp refuses new lines, tabs and runs of
    spaces in a parameter, and more than 1,024 characters."""
    flat = _SPACES.sub(" ", text or "").strip() or "…"
    return split_message(flat, MAX_TEMPLATE_PARAMETER_CHARS)
