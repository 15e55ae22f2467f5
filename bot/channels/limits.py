"""Limits checked at the channel, before a message reaches the NLU pipeline.

A message over the length limit is answered at once with the same words the
fallback uses for it (coaching/clarifying.py): a very long text would otherwise
hold the Rasa server's single event loop for seconds. Nothing is stored.
The same goes for a message over the rate limits (common/rate_limit.py).

`clean_text` makes a message safe to store and show: JSON may carry a lone
surrogate ("\\ud800"), which no UTF-8 encoder accepts (a database write or a
page of the inbox would fail on it), and control characters PostgreSQL
refuses (NUL).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Optional

import settings
from coaching.clarifying import PROBLEM_REPLIES
from common.rate_limit import SLOW_DOWN, MessageLimits
from coaching.input_checks import MAX_MESSAGE_CHARS, TOO_LONG


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # a pair is joined by the JSON parser: one left is broken
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab and line breaks are kept


def clean_text(value: Any) -> Any:
    """A text with lone surrogates as U+FFFD and control characters removed; anything else as it is."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", _LONE_SURROGATE.sub("\ufffd", value))


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
