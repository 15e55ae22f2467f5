"""Turning data into the inbox's pages: the Jinja2 templates and their filters, page and redirect responses."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import quote, urlencode

import jinja2
from aiohttp import web

from common import channels, clock
from trainer_inbox.pagination import page_url
from trainer_inbox.state import CONFIG, TEMPLATES
from trainer_inbox.stats import RED_FLAG_LEVELS

HERE = Path(__file__).resolve().parent

REASONS = {
    "asked_for_human": "Asked for a person",
    "not_understood": "Assistant didn't understand",
    "escalation": "Consultation escalated",
}
TRIAGE_LABELS = {
    "emergency": "Emergency (999)",
    "a_and_e": "Go to A&E now",
    "same_day": "See someone today",
    "soon": "See someone soon",
    "self_care": "Self-care",
}
NOTICES = {
    "sent": ("ok", "Reply sent."),
    "failed": (
        "error",
        "The reply could not be delivered. It is kept below: use Retry when the assistant is reachable.",
    ),
    "already_sent": ("ok", "That reply was already delivered."),
    "resumed": ("ok", "The conversation is back with the assistant."),
    "resume_failed": (
        "error",
        "Could not hand the conversation back: the assistant is not reachable. Try again shortly.",
    ),
    "cancelled": ("ok", "Booking cancelled."),
    "logged_out": ("ok", "You are logged out."),
}


def humanize(key: Any) -> str:
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def show_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(show_value(item) for item in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{humanize(k)}: {show_value(v)}" for k, v in value.items()) or "–"
    return str(value)


@functools.lru_cache(maxsize=1)
def _exercise_names() -> Dict[str, str]:
    try:
        import yaml

        data = yaml.safe_load((HERE.parent / "coaching" / "exercises.yml").read_text(encoding="utf-8"))
        return {item["id"]: item.get("name", item["id"]) for item in data.get("exercises", []) if "id" in item}
    except Exception:  # the names are a nicety; ids are shown otherwise
        return {}


def exercise_name(exercise_id: Any) -> str:
    return _exercise_names().get(str(exercise_id), humanize(exercise_id))


def conversation_url(conversation_id: str, suffix: str = "") -> str:
    return f"/conversations/{quote(conversation_id, safe='')}{suffix}"


def make_templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = clock.readable
    env.filters["humanize"] = humanize
    env.filters["show"] = show_value
    env.filters["exercise"] = exercise_name
    env.filters["conversation_url"] = conversation_url
    env.filters["channel"] = channels.display_name
    env.filters["reason"] = lambda r: REASONS.get(r, humanize(r or "other"))
    env.filters["triage"] = lambda level: TRIAGE_LABELS.get(level, humanize(level or "–"))
    return env


def render(request: web.Request, name: str, status: int = 200, **context) -> web.Response:
    """A page from its template, with what every page shows (the trainer, the notice, the CSRF token)."""
    session = request.get("session")
    base = {
        "csrf_token": session["csrf"] if session else "",
        "username": session["u"] if session else None,
        "trainer_name": request.app[CONFIG].trainer_name,
        "notice": NOTICES.get(request.query.get("notice", "")),
        "path": request.path,
        "red_flag_levels": RED_FLAG_LEVELS,
        "page_title": "Inbox",
        "page_url": functools.partial(page_url, request),  # the pagers' links (templates/pager.html)
    }
    base.update(context)
    html = request.app[TEMPLATES].get_template(name).render(**base)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def redirect(location: str, **params: Optional[str]) -> web.HTTPSeeOther:
    query = {k: v for k, v in params.items() if v}
    return web.HTTPSeeOther(location + (("?" + urlencode(query)) if query else ""))


def wants_json(request: web.Request) -> bool:
    if request.path.endswith(".json"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


@web.middleware
async def not_found_page(request: web.Request, handler):
    """A logged-in trainer's 404 is a page of the inbox; anyone else's (and JSON's) stays plain."""
    try:
        return await handler(request)
    except web.HTTPNotFound as error:
        if request.get("session") is None or wants_json(request):
            raise
        return render(request, "error.html", status=404, page_title="Not found", message=error.text or "Not found.")
