"""WhatsApp's 24-hour customer service window, as one plain rule.

A business may send free-form messages (text, buttons, lists) only within 24 hours
of the person's last message; after that only an approved template goes out. The
output channel uses this to choose, and the trainer's inbox to warn before a reply.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from common.clock import require_aware
from connectors.provider_http import ProviderError

WINDOW = timedelta(hours=24)
NO_TEMPLATE = (
    "not sent: the person last wrote more than 24 hours ago, so WhatsApp only accepts an approved "
    "template, and WHATSAPP_TEMPLATE_NAME is not set"
)


def window_closes_at(last_inbound_at: Optional[datetime]) -> Optional[datetime]:
    """When free-form messages stop being accepted; None when the person never wrote."""
    return require_aware(last_inbound_at) + WINDOW if last_inbound_at is not None else None


def needs_template(last_inbound_at: Optional[datetime], now: datetime) -> bool:
    """True when a message to this person now must be a template (never wrote, or 24 hours or more ago)."""
    closes = window_closes_at(last_inbound_at)
    return closes is None or require_aware(now) >= closes


class WindowClosed(ProviderError):
    """Outside the window with no template configured: nothing was sent."""

    def __init__(self, detail: str = NO_TEMPLATE) -> None:
        Exception.__init__(self, f"WhatsApp message {detail}")
        self.provider, self.what, self.status, self.detail = "WhatsApp", "messages", None, detail
