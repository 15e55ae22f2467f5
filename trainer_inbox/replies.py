"""Sending the trainer's messages: stored first, then delivered through Rasa and marked sent or failed."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Dict

from aiohttp import web

from trainer_inbox.rasa_client import DeliveryFailed
from trainer_inbox.state import RASA, STORE, run_blocking

logger = logging.getLogger(__name__)

STALE_PENDING = timedelta(minutes=2)  # at start-up, replies pending this long are marked failed


def retryable(reply: Dict[str, Any]) -> bool:
    # Only failed replies: a pending one may be on its way (a second send would duplicate it).
    # Replies left pending by an inbox that stopped mid-send are marked failed at the next start.
    return reply["status"] == "failed"


async def deliver(request: web.Request, reply: Dict[str, Any], channel: str) -> Dict[str, Any]:
    """Send a stored reply; returns it with its new status ("sent" or "failed")."""
    store = request.app[STORE]
    try:
        await request.app[RASA].send_reply(reply["conversation_id"], reply["text"], channel)
    except DeliveryFailed as error:
        logger.warning("inbox: reply %s not delivered: %s", reply["id"], error.reason)
        return await run_blocking(store.mark_reply, reply["id"], "failed", error.reason)
    return await run_blocking(store.mark_reply, reply["id"], "sent")


async def send(request: web.Request, conversation_id: str, text: str, channel: str) -> Dict[str, Any]:
    """Store a new reply, then deliver it (a failed one stays in the thread, retryable)."""
    record = await run_blocking(request.app[STORE].record_reply, conversation_id, text)
    return await deliver(request, record, channel)


async def fail_interrupted_replies(app: web.Application) -> None:
    """At start-up: replies an earlier run left pending are marked failed, so the trainer can retry them."""
    count = await run_blocking(
        app[STORE].fail_stale_replies,
        STALE_PENDING,
        "The inbox stopped before delivery was confirmed; check the conversation before retrying.",
    )
    if count:
        logger.warning("inbox: %d reply(ies) left pending by an earlier run marked failed", count)
