"""The conversation pages: what needs attention, one conversation, its messages, replies and hand-back."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from typing import Any, Dict, List, Optional

from aiohttp import web

import settings
from coaching import safety
from common import clock
from connectors import whatsapp_window
from records import inbox_lists
from records.channel_identities import ChannelStore
from records.safety import SafetyJournal, SafetyRecordStore
from records.store import RecordStore
from trainer_inbox import replies as trainer_replies
from trainer_inbox.config import InboxConfig
from trainer_inbox.pagination import page_number
from trainer_inbox.rasa_client import DeliveryFailed, RasaUnavailable, transcript_from_events
from trainer_inbox.state import CONFIG, RASA, STORE, run_blocking
from trainer_inbox.stats import RED_FLAG_LEVELS
from trainer_inbox.views import conversation_url, redirect, render

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

MAX_REPLY_CHARS = 4000
RED_FLAG_DAYS = 30  # red-flag consultations stay on the "needs attention" page this long


# --- what the records say --------------------------------------------------------------------
# Each list on "needs attention" pages on by its own parameter (trainer_inbox/pagination.py).
LISTS = ("handoffs_page", "new_bookings_page", "signs_page", "red_flags_page")


def _needs_attention(config: InboxConfig, numbers: Dict[str, int]) -> Dict[str, Any]:
    """One page of each list on "needs attention", and the warning signs the database refused."""
    url, size = config.app_db_url, config.page_size
    since = clock.utc_now() - timedelta(days=RED_FLAG_DAYS)
    signs = SafetyRecordStore(url).open_flag_page(numbers["signs_page"], size)
    for item in signs.items:
        item["recorded_at"] = clock.from_db(item["recorded_at"])
    return {
        "handoffs": inbox_lists.active_handoffs(url, numbers["handoffs_page"], size),
        "new_bookings": inbox_lists.new_bookings(url, numbers["new_bookings_page"], size),
        "signs": signs,
        "red_flags": RecordStore(url).flagged_page(RED_FLAG_LEVELS, since, numbers["red_flags_page"], size),
        # A file, short by nature (each entry is saved with the person's next message): its last 200.
        "unsaved": SafetyJournal(config.safety_journal).entries() if config.safety_journal else [],
    }


def _consultations(config: InboxConfig, conversation_id: str) -> List[Dict[str, Any]]:
    # The store is made here, off the event loop: its first use in a process creates the tables.
    return RecordStore(config.app_db_url).consultations(conversation_id)


def _conversation_bookings(config: InboxConfig, conversation_id: str) -> List[Dict[str, Any]]:
    return inbox_lists.conversation_bookings(config.app_db_url, conversation_id)


def _channel_for(handoff, consultation, bookings) -> str:
    """Where a reply goes: the handoff's channel, else what we know, else Rasa's latest input channel."""
    for source in [handoff, consultation] + list(bookings or []):
        if source and source.get("channel"):
            return source["channel"]
    return "latest"


@lru_cache(maxsize=4)
def _channel_store(url: str) -> ChannelStore:
    return ChannelStore(url)


def _undelivered(config: InboxConfig, conversation_id: str) -> List[Dict[str, Any]]:
    """Messages a messaging channel (Telegram, WhatsApp) finally failed to deliver."""
    return _channel_store(config.app_db_url).failures(conversation_id)


def _whatsapp_window_notice(config: InboxConfig, conversation_id: str) -> Optional[str]:
    """Before the trainer writes: a WhatsApp reply 24 hours or more after the person's last message is a template."""
    found = _channel_store(config.app_db_url).address(conversation_id)
    if (
        not found
        or found["channel"] != "whatsapp"
        or not whatsapp_window.needs_template(found["last_inbound_at"], clock.utc_now())
    ):
        return None
    if settings.WHATSAPP_TEMPLATE_NAME:
        return (
            f"This person last wrote more than 24 hours ago, so WhatsApp only accepts an approved template: "
            f"your reply will go out inside the template “{settings.WHATSAPP_TEMPLATE_NAME}”."
        )
    return (
        "This person last wrote more than 24 hours ago, so WhatsApp only accepts an approved template, "
        "and none is configured (WHATSAPP_TEMPLATE_NAME): your reply cannot be delivered until they write again."
    )


async def _conversation_basics(request: web.Request, conversation_id: str) -> Dict[str, Any]:
    """What the records say about one conversation; raises 404 when the inbox knows nothing about it."""
    config = request.app[CONFIG]
    handoff = await run_blocking(request.app[STORE].for_conversation, conversation_id)
    consultations = await run_blocking(_consultations, config, conversation_id)
    bookings = await run_blocking(_conversation_bookings, config, conversation_id)
    if handoff is None and not consultations and not bookings:
        raise web.HTTPNotFound(text="The inbox has no handoff, consultation or booking for this conversation.")
    consultation = consultations[-1] if consultations else None
    return {
        "conversation_id": conversation_id,
        "handoff": handoff,
        "consultation": consultation,
        "bookings": bookings,
        "channel": _channel_for(handoff, consultation, bookings),
    }


async def _conversation_data(request: web.Request, conversation_id: str) -> Dict[str, Any]:
    """The records plus the live transcript (or the stored one when Rasa is unreachable) and the replies."""
    data = await _conversation_basics(request, conversation_id)
    handoff = data["handoff"]
    replies = await run_blocking(request.app[STORE].replies, conversation_id)
    source, paused, unavailable = "rasa", None, ""
    data["warning_while_paused"] = None
    try:
        tracker = await request.app[RASA].get_tracker(conversation_id)
        messages = transcript_from_events(tracker.get("events"))
        paused = tracker.get("paused")
        if paused:
            data["warning_while_paused"] = safety.warning_while_paused(tracker.get("events"))
    except RasaUnavailable as error:
        source, unavailable = "stored", error.reason
        messages = list(handoff["transcript"]) if handoff else []
    for item in replies:
        item["retryable"] = trainer_replies.retryable(item)
    data["undelivered"] = await run_blocking(_undelivered, request.app[CONFIG], conversation_id)
    data["window_notice"] = await run_blocking(_whatsapp_window_notice, request.app[CONFIG], conversation_id)
    data.update(replies=replies, messages=messages, source=source, unavailable=unavailable, paused=paused)
    return data


# --- pages ----------------------------------------------------------------------------------------
@routes.get("/")
async def index(request: web.Request) -> web.Response:
    numbers = {name: page_number(request, name) for name in LISTS}
    lists = await run_blocking(_needs_attention, request.app[CONFIG], numbers)
    return render(request, "index.html", red_flag_days=RED_FLAG_DAYS, page_title="Needs attention", **lists)


def _conversation_page(request: web.Request, data: Dict[str, Any], status: int = 200, **extra) -> web.Response:
    context = dict(data)
    context.setdefault("reply_error", "")
    context.setdefault("draft", "")
    context.update(extra)
    return render(
        request,
        "conversation.html",
        status=status,
        page_title=f"Conversation {data['conversation_id']}",
        max_reply_chars=MAX_REPLY_CHARS,
        poll_ms=request.app[CONFIG].poll_interval_ms,
        messages_url=conversation_url(data["conversation_id"], "/messages.json"),
        **context,
    )


@routes.get("/conversations/{conversation_id}")
async def conversation(request: web.Request) -> web.Response:
    data = await _conversation_data(request, request.match_info["conversation_id"])
    return _conversation_page(request, data)


def _reply_json(reply: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "id": reply["id"],
        "text": reply["text"],
        "status": reply["status"],
        "error": reply.get("error"),
        "created_at": reply["created_at"].isoformat() if reply.get("created_at") else None,
        "sent_at": reply["sent_at"].isoformat() if reply.get("sent_at") else None,
        "retryable": bool(reply.get("retryable")),
    }


@routes.get("/conversations/{conversation_id}/messages.json")
async def messages_json(request: web.Request) -> web.Response:
    data = await _conversation_data(request, request.match_info["conversation_id"])
    return web.json_response(
        {
            "conversation_id": data["conversation_id"],
            "source": data["source"],
            "unavailable": data["unavailable"],
            "paused": data["paused"],
            "handoff_status": data["handoff"]["status"] if data["handoff"] else None,
            "messages": [dict(m, when=clock.readable(m.get("at"))) for m in data["messages"]],
            "replies": [_reply_json(r) for r in data["replies"]],
        }
    )


# --- actions ----------------------------------------------------------------------------------------
@routes.post("/conversations/{conversation_id}/reply")
async def reply(request: web.Request) -> web.Response:
    conversation_id = request.match_info["conversation_id"]
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n").strip()
    basics = await _conversation_basics(request, conversation_id)
    if not text:
        data = await _conversation_data(request, conversation_id)
        return _conversation_page(request, data, status=400, reply_error="Write a message before sending.")
    if len(text) > MAX_REPLY_CHARS:
        data = await _conversation_data(request, conversation_id)
        too_long = f"That message is {len(text)} characters long; the limit is {MAX_REPLY_CHARS}."
        return _conversation_page(
            request, data, status=400, reply_error=f"{too_long} Shorten it or split it in two.", draft=text
        )
    result = await trainer_replies.send(request, conversation_id, text, basics["channel"])
    raise redirect(conversation_url(conversation_id), notice="sent" if result["status"] == "sent" else "failed")


@routes.post("/replies/{reply_id}/retry")
async def retry_reply(request: web.Request) -> web.Response:
    store = request.app[STORE]
    try:
        reply_id = int(request.match_info["reply_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    record = await run_blocking(store.get_reply, reply_id)
    if record is None:
        raise web.HTTPNotFound(text="No such reply.")
    target = conversation_url(record["conversation_id"])
    if record["status"] == "sent":
        raise redirect(target, notice="already_sent")
    if not trainer_replies.retryable(record):
        raise redirect(target)  # still being sent
    basics = await _conversation_basics(request, record["conversation_id"])
    await run_blocking(store.mark_reply, reply_id, "pending")
    result = await trainer_replies.deliver(request, record, basics["channel"])
    raise redirect(target, notice="sent" if result["status"] == "sent" else "failed")


@routes.post("/conversations/{conversation_id}/resume")
async def resume(request: web.Request) -> web.Response:
    conversation_id = request.match_info["conversation_id"]
    basics = await _conversation_basics(request, conversation_id)
    try:
        await request.app[RASA].resume(conversation_id, basics["channel"])
    except DeliveryFailed as error:
        logger.warning("inbox: could not resume %s: %s", conversation_id, error.reason)
        raise redirect(conversation_url(conversation_id), notice="resume_failed") from error
    await run_blocking(request.app[STORE].close, conversation_id)
    raise redirect("/", notice="resumed")
