"""Sliding-window message limits, per conversation and per client address.

Checked at the channel, before the NLU: a flood from one conversation is answered
with one short line and never reaches the pipeline, so other people's turns stay fast.
Counts live in the process: with several Rasa replicas each enforces its own share
(the load balancer's sticky sessions keep a conversation on one replica).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Optional

SLOW_DOWN = "You're sending messages faster than I can read them. Please wait a minute, then carry on."


class SlidingWindowLimiter:
    def __init__(
        self,
        per_minute: int,
        window_seconds: float = 60.0,
        max_keys: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = per_minute
        self.window = window_seconds
        self.max_keys = max_keys  # oldest keys are dropped first, so memory stays bounded
        self.clock = clock
        self._hits: "OrderedDict[str, Deque[float]]" = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: Optional[str]) -> bool:
        """Count one message for `key`; False when it is over the limit (and then it is not counted)."""
        if not key or self.limit <= 0:
            return True
        now = self.clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            allowed = len(hits) < self.limit
            if allowed:
                hits.append(now)
            self._hits[key] = hits
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            return allowed


class MessageLimits:
    """The two limits every channel applies: per conversation and per client address."""

    def __init__(self, per_conversation: int, per_address: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.conversations = SlidingWindowLimiter(per_conversation, clock=clock)
        self.addresses = SlidingWindowLimiter(per_address, clock=clock)

    def allow(self, conversation_id: Optional[str], address: Optional[str]) -> bool:
        # The address is counted first: a flood spread over made-up conversation ids is still one sender.
        return self.addresses.allow(address) and self.conversations.allow(conversation_id)
