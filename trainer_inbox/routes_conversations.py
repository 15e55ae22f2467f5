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
from records.channel_identities import ChannelStore
from records.safety import SafetyJournal, SafetyRecordStore
from records.store import RecordStore
from trainer_inbox import replies as trainer_replies
from trainer_inbox.config import InboxConfig
from trainer_inbox.rasa_client import DeliveryFailed, RasaUnavailable, transcript_from_events
from trainer_inbox.state import CONFIG, RASA, STORE, booking_store, run_blocking
from trainer_inbox.stats import RED_FLAG_LEVELS
from trainer_inbox.views import conversation_url, redirect, render

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

MAX_REPLY_CHARS = 4000
RED_FLAG_DAYS = 30  # red-flag consultations stay on the "needs attention" page this long


# --- what the records say --------------------------------------------------------------------
def _recent_red_flags(config: InboxConfig) -> List[Dict[str, Any]]:
    since = clock.utc_now() - timedelta(days=RED_FLAG_DAYS)
    return RecordStore(config.app_db_url).flagged_since(RED_FLAG_LEVELS, since)


def _safety_alerts(config: InboxConfig) -> Dict[str, List[Dict[str, Any]]]:
    """Warning signs on record (from any message, before consent too), and any the database refused."""
    open_flags = SafetyRecordStore(config.app_db_url).conversations_with_open_flags()
    for item in open_flags:
        item["recorded_at"] = clock.from_db(item["recorded_at"])
    unsaved = SafetyJournal(config.safety_journal).entries() if config.safety_journal else []
    return {"open": open_flags, "unsaved": unsaved}


def _consultations(config: InboxConfig, conversation_id: str) -> List[Dict[str, Any]]:
    # The store is made here, off the event loop: its first use in a process creates the tables.
    return RecordStore(config.app_db_url).consultations(conversation_id)


def _all_bookings(config: InboxConfig) -> Optional[List[Dict[str, Any]]]:
    store = booking_store(config.app_db_url)
    return None if store is None else store.list_bookings()


def _conversation_bookings(config: InboxConfig, conversation_id: str) -> List[Dict[str, Any]]:
    bookings = _all_bookings(config) or []
    return [b for b in bookings if b.get("conversation_id") == conversation_id]


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
    config = request.app[CONFIG]
    handoffs = await run_blocking(request.app[STORE].list_handoffs, ["open", "replied"])
    red_flags = await run_blocking(_recent_red_flags, config)
    safety_alerts = await run_blocking(_safety_alerts, config)
    bookings = await run_blocking(_all_bookings, config)
    new_bookings = None if bookings is None else [b for b in bookings if not b.get("seen")]
    return render(
        request,
        "index.html",
        handoffs=handoffs,
        red_flags=red_flags,
        safety_alerts=safety_alerts,
        red_flag_days=RED_FLAG_DAYS,
        new_bookings=new_bookings,
        page_title="Needs attention",
    )


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
