"""Limits checked at the channel, before a message reaches the NLU pipeline.

A message over the length limit is answered at once with the same words the
fallback uses for it (coaching/clarifying.py): a very long text would otherwise
hold the Rasa server's single event loop for seconds. Nothing is stored.
The same goes for a message over the rate limits (common/rate_limit.py).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

import settings
from coaching.clarifying import PROBLEM_REPLIES
from common.rate_limit import SLOW_DOWN, MessageLimits
from coaching.input_checks import MAX_MESSAGE_CHARS, TOO_LONG


def too_long_reply(message: Any) -> Optional[str]:
    if isinstance(message, str) and len(message) > MAX_MESSAGE_CHARS:
        return PROBLEM_REPLIES[TOO_LONG]
    return None


@lru_cache(maxsize=1)
def message_limits() -> MessageLimits:
    """One set of counters per Rasa process, shared by every channel."""
    return MessageLimits(settings.MESSAGES_PER_MINUTE, settings.MESSAGES_PER_MINUTE_PER_ADDRESS)


def over_rate_limit(conversation_id: Optional[str], address: Optional[str]) -> Optional[str]:
    """The 'slow down' reply when this message is over a limit; None when it may go on."""
    return None if message_limits().allow(conversation_id, address) else SLOW_DOWN
