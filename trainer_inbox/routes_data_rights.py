"""People's data in the inbox: a conversation's data as JSON for the person, and the erasure notices.

The export is records/export.py's, the same JSON the person gets in the chat
(`action_export_my_data`), plus the answers still only in the conversation when
Rasa can be reached. The notices say when a conversation that was waiting for
the trainer was erased at the person's request, or when an erasure failed (the
person was told; the trainer should make sure it happens). Both need the login,
like every other page (routes_auth.auth_middleware).
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Optional, Tuple

from aiohttp import web

import settings
from coaching import consultation
from records import inbox_lists
from records.erasure import ERASED, FAILED
from records.export import export_conversation, is_empty
from records.pages import Page
from trainer_inbox.pagination import page_number
from trainer_inbox.rasa_client import RasaUnavailable
from trainer_inbox.state import CONFIG, RASA, run_blocking
from trainer_inbox.views import render

routes = web.RouteTableDef()


async def _from_the_conversation(request: web.Request, conversation_id: str) -> Tuple[Dict[str, Any], Optional[int]]:
    """(answers not saved yet, number of messages) from Rasa; nothing when it can't be reached."""
    try:
        tracker = await request.app[RASA].get_tracker(conversation_id)
    except RasaUnavailable:
        return {}, None
    events = tracker.get("events") or []
    slots = tracker.get("slots") or {}
    answers = consultation.intake_summary(slots) if slots.get("consent_given") is True else {}
    return answers, sum(1 for e in events if e.get("event") in ("user", "bot")) or None


@routes.get("/conversations/{conversation_id}/export.json")
async def export_json(request: web.Request) -> web.Response:
    conversation_id = request.match_info["conversation_id"]
    answers, messages = await _from_the_conversation(request, conversation_id)
    data = await run_blocking(
        export_conversation,
        request.app[CONFIG].app_db_url,
        conversation_id,
        answers_in_progress=answers,
        messages_in_conversation=messages,
        retention_days=settings.RETENTION_DAYS,
    )
    if is_empty(data) and not messages:
        raise web.HTTPNotFound(
            text=json.dumps({"error": "nothing is stored for this conversation"}), content_type="application/json"
        )
    filename = re.sub(r"[^A-Za-z0-9_-]", "_", conversation_id)[:80]
    return web.json_response(
        data,
        dumps=lambda value: json.dumps(value, indent=1, ensure_ascii=False),
        headers={"Content-Disposition": f'attachment; filename="data-{filename}.json"', "Cache-Control": "no-store"},
    )


def _notices(url: str, failed_page: int, erased_page: int, size: int) -> Dict[str, Page]:
    return {
        "failed": inbox_lists.erasure_notices(url, FAILED, failed_page, size),
        "erased": inbox_lists.erasure_notices(url, ERASED, erased_page, size),
    }


@routes.get("/data-requests")
async def data_requests(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    numbers = (page_number(request, "failed_page"), page_number(request, "erased_page"))
    found = await run_blocking(_notices, config.app_db_url, *numbers, config.page_size)
    return render(
        request,
        "data_requests.html",
        retention_days=settings.RETENTION_DAYS,
        page_title="People's data requests",
        **found,
    )
