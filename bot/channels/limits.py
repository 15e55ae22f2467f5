"""Limits checked at the channel, before a message reaches the NLU pipeline.

A message over the length limit is answered at once with the same words the
fallback uses for it (coaching/clarifying.py): a very long text would otherwise
hold the Rasa server's single event loop for seconds. Nothing is stored.
"""
from __future__ import annotations

from typing import Any, Optional

from coaching.clarifying import PROBLEM_REPLIES
from coaching.input_checks import MAX_MESSAGE_CHARS, TOO_LONG


def too_long_reply(message: Any) -> Optional[str]:
    if isinstance(message, str) and len(message) > MAX_MESSAGE_CHARS:
        return PROBLEM_REPLIES[TOO_LONG]
    return None
