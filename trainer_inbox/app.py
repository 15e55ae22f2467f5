"""The trainer's inbox: handed-off conversations, replies, hand-back, bookings and stats.

A small aiohttp app with server-rendered Jinja2 pages (autoescaped) and one
vanilla-JS file that polls the open conversation for new messages. Everything
except /login, /health and /static/ needs the trainer's session; every POST
needs the session's CSRF token.

    .venv/bin/python -m trainer_inbox      # serves on INBOX_PORT (5080)
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching import safety
from common import channels
from records.handoffs import HandoffStore
from trainer_inbox import auth
from trainer_inbox import stats as inbox_stats
from trainer_inbox.rasa_client import DeliveryFailed, RasaClient, RasaUnavailable, transcript_from_events

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MAX_REPLY_CHARS = 4000
RED_FLAG_LEVELS = inbox_stats.RED_FLAG_LEVELS
RED_FLAG_DAYS = 30  # red-flag consultations stay on the "needs attention" page this long
LOGIN_CSRF_COOKIE = "inbox_login_csrf"
STALE_PENDING = timedelta(minutes=2)  # at start-up, replies pending this long are marked failed

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
    "failed": ("error", "The reply could not be delivered. It is kept below: use Retry when the assistant is reachable."),
    "already_sent": ("ok", "That reply was already delivered."),
    "resumed": ("ok", "The conversation is back with the assistant."),
    "resume_failed": ("error", "Could not hand the conversation back: the assistant is not reachable. Try again shortly."),
    "cancelled": ("ok", "Booking cancelled."),
    "logged_out": ("ok", "You are logged out."),
}


@dataclass
class InboxConfig:
    app_db_url: str
    tracker_store_url: str
    rasa_url: str
    rasa_token: str
    password_hash: str
    secret_key: str
    username: str = "trainer"
    host: str = "127.0.0.1"
    port: int = 5080
    trainer_name: str = "the movement specialist"
    var_dir: Optional[Path] = None
    safety_journal: Optional[Path] = None  # red flags the action server could not save (records/safety.py)
    session_ttl_seconds: int = auth.SESSION_TTL_SECONDS
    secure_cookies: bool = False  # set the Secure flag (when served over https)
    login_max_failures: int = 5
    login_window_seconds: float = 60.0
    rasa_timeout: float = 10.0
    poll_interval_ms: int = 3000
    generated_password: Optional[str] = field(default=None, repr=False)  # set when just generated

    @classmethod
    def from_settings(cls) -> "InboxConfig":
        import settings

        password_hash, generated = auth.ensure_password(settings.VAR_DIR, settings.INBOX_PASSWORD_HASH)
        return cls(
            app_db_url=settings.APP_DB_URL,
            tracker_store_url=settings.TRACKER_STORE_URL,
            rasa_url=settings.RASA_URL,
            rasa_token=settings.RASA_API_TOKEN,
            password_hash=password_hash,
            secret_key=settings.INBOX_SECRET_KEY,
            username=settings.INBOX_USERNAME,
            host=settings.HOST,
            port=settings.INBOX_PORT,
            trainer_name=settings.TRAINER_NAME,
            var_dir=settings.VAR_DIR,
            safety_journal=settings.SAFETY_JOURNAL,
            secure_cookies=settings.PUBLIC_INBOX_URL.lower().startswith("https://"),
            generated_password=generated,
        )


CONFIG = web.AppKey("config", InboxConfig)
STORE = web.AppKey("handoff_store", HandoffStore)
RASA = web.AppKey("rasa_client", RasaClient)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
LIMITER = web.AppKey("login_limiter", auth.LoginRateLimiter)
REVOKED = web.AppKey("revoked_sessions", dict)


# --- helpers --------------------------------------------------------------------------------
async def _db(fn: Callable, *args, **kwargs):
    """Run a blocking database call off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))


def _aware(value):
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _when(value, zone: Optional[str] = None) -> str:
    """A readable time: '3 Jun 2024, 14:05 UTC' (or in the given time zone)."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    value = _aware(value)
    tz = timezone.utc
    if zone:
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
    local = value.astimezone(tz)
    return f"{local.day} {local:%b %Y, %H:%M} {zone or 'UTC'}"


def _humanize(key: Any) -> str:
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _show_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_show_value(item) for item in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{_humanize(k)}: {_show_value(v)}" for k, v in value.items()) or "–"
    return str(value)


@functools.lru_cache(maxsize=1)
def _exercise_names() -> Dict[str, str]:
    try:
        import yaml

        data = yaml.safe_load((HERE.parent / "coaching" / "exercises.yml").read_text(encoding="utf-8"))
        return {item["id"]: item.get("name", item["id"]) for item in data.get("exercises", []) if "id" in item}
    except Exception:  # the names are a nicety; ids are shown otherwise
        return {}


def _exercise_name(exercise_id: Any) -> str:
    return _exercise_names().get(str(exercise_id), _humanize(exercise_id))


def _conversation_url(conversation_id: str, suffix: str = "") -> str:
    return f"/conversations/{quote(conversation_id, safe='')}{suffix}"




def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = _when
    env.filters["humanize"] = _humanize
    env.filters["show"] = _show_value
    env.filters["exercise"] = _exercise_name
    env.filters["conversation_url"] = _conversation_url
    env.filters["channel"] = channels.display_name
    env.filters["reason"] = lambda r: REASONS.get(r, _humanize(r or "other"))
    env.filters["triage"] = lambda level: TRIAGE_LABELS.get(level, _humanize(level or "–"))
    return env


def _render(request: web.Request, name: str, status: int = 200, **context) -> web.Response:
    session = request.get("session")
    notice_code = request.query.get("notice", "")
    notice = NOTICES.get(notice_code)
    base = {
        "csrf_token": session["csrf"] if session else "",
        "username": session["u"] if session else None,
        "trainer_name": request.app[CONFIG].trainer_name,
        "notice": notice,
        "path": request.path,
        "red_flag_levels": RED_FLAG_LEVELS,
        "page_title": "Inbox",
    }
    base.update(context)
    html = request.app[TEMPLATES].get_template(name).render(**base)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _redirect(location: str, **params) -> web.HTTPSeeOther:
    query = {k: v for k, v in params.items() if v}
    return web.HTTPSeeOther(location + (("?" + urlencode(query)) if query else ""))


def _safe_next(target: Optional[str]) -> str:
    """A path on this site to go to after login, or "/" (never another site: "/%09/evil.com" is "//evil.com")."""
    if not target or any(not ch.isprintable() or ch.isspace() for ch in target):
        return "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else "/"


def _wants_json(request: web.Request) -> bool:
    if request.path.endswith(".json"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _current_session(request: web.Request) -> Optional[Dict[str, Any]]:
    config = request.app[CONFIG]
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    session = auth.read_session(config.secret_key, cookie, config.username, config.password_hash)
    if session is None:
        return None
    revoked = request.app[REVOKED]
    if cookie in revoked:
        return None
    return session


# --- middleware ---------------------------------------------------------------------------------
PUBLIC_PATHS = {"/login", "/health"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@web.middleware
async def auth_middleware(request: web.Request, handler):
    if request.path in PUBLIC_PATHS or request.path.startswith("/static/"):
        return await handler(request)
    session = _current_session(request)
    if session is None:
        if request.method in ("GET", "HEAD") and not _wants_json(request):
            raise _redirect("/login", next=request.path_qs if request.path != "/" else "")
        raise web.HTTPUnauthorized(
            text='{"error": "login required"}', content_type="application/json"
        )
    request["session"] = session
    if request.method not in SAFE_METHODS:
        submitted = request.headers.get(auth.CSRF_HEADER)
        if not submitted and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            submitted = form.get(auth.CSRF_FIELD)
        if not auth.csrf_ok(session, submitted if isinstance(submitted, str) else None):
            raise web.HTTPForbidden(
                text="This form has expired or did not come from the inbox. Go back, reload the page and try again.",
            )
    return await handler(request)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-cache"
    else:
        headers["Cache-Control"] = "no-store"
        headers.setdefault("Pragma", "no-cache")


# --- login ------------------------------------------------------------------------------------------
def _client_key(request: web.Request) -> str:
    return request.remote or "unknown"


def _login_page(
    request: web.Request, status: int = 200, error: str = "", username: str = "", next_url: Optional[str] = None
) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = _render(
        request,
        "login.html",
        status=status,
        page_title="Log in",
        error=error,
        login_csrf=token,
        next=_safe_next(next_url if next_url is not None else request.query.get("next")),
        entered_username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path="/login",
        max_age=3600,
        secure=request.app[CONFIG].secure_cookies,
    )
    return response


async def login_page(request: web.Request) -> web.Response:
    if _current_session(request) is not None:
        raise _redirect(_safe_next(request.query.get("next")))
    return _login_page(request)


async def login(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    limiter = request.app[LIMITER]
    key = _client_key(request)
    form = await request.post()
    next_url = _safe_next(str(form.get("next", "/")))
    if limiter.blocked(key):
        response = _login_page(
            request, status=429, error="Too many failed attempts. Wait a minute, then try again.", next_url=next_url
        )
        response.headers["Retry-After"] = str(limiter.retry_after(key))
        return response
    expected_csrf = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    submitted_csrf = str(form.get("login_csrf", ""))
    if not expected_csrf or not hmac.compare_digest(expected_csrf.encode(), submitted_csrf.encode()):
        return _login_page(request, status=403, error="The login form expired. Please try again.", next_url=next_url)
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    user_ok = hmac.compare_digest(username.encode("utf-8"), config.username.encode("utf-8"))
    password_ok = await _db(auth.verify_password, password, config.password_hash)
    if not (user_ok and password_ok):
        limiter.failed(key)
        logger.warning("inbox: failed login from %s", key)
        return _login_page(request, status=401, error="Wrong username or password.", username=username, next_url=next_url)
    limiter.succeeded(key)
    cookie, _ = auth.make_session(config.secret_key, config.username, config.password_hash, config.session_ttl_seconds)
    response = _redirect(next_url)
    response.set_cookie(
        auth.SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="Strict",
        path="/",
        max_age=config.session_ttl_seconds,
        secure=config.secure_cookies,
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.Response:
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    revoked = request.app[REVOKED]
    now = time.time()
    for value, expires in list(revoked.items()):
        if expires < now:
            del revoked[value]
    if cookie:
        revoked[cookie] = request["session"]["exp"]
    response = _redirect("/login", notice="logged_out")
    response.del_cookie(auth.SESSION_COOKIE, path="/")
    raise response


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


# --- data access ----------------------------------------------------------------------------------------
def _booking_store(config: InboxConfig):
    """The booking package's store, or None while it is not installed."""
    try:
        from booking.store import BookingStore
    except ImportError:
        return None
    return BookingStore(config.app_db_url)


def _consultations(config: InboxConfig, conversation_id: str) -> List[Dict[str, Any]]:
    from records.store import RecordStore

    return RecordStore(config.app_db_url).consultations(conversation_id)


def _recent_red_flags(config: InboxConfig) -> List[Dict[str, Any]]:
    from records.schema import Consultation
    from records.store import RecordStore

    since = datetime.now(timezone.utc) - timedelta(days=RED_FLAG_DAYS)
    engine = RecordStore(config.app_db_url).engine
    with Session(engine) as session:
        rows = session.scalars(
            select(Consultation)
            .where(Consultation.triage_level.in_(RED_FLAG_LEVELS), Consultation.created_at >= since)
            .order_by(Consultation.created_at.desc(), Consultation.id.desc())
        ).all()
        return [
            {
                "id": row.id,
                "conversation_id": row.conversation_id,
                "channel": row.channel,
                "created_at": _aware(row.created_at),
                "triage_level": row.triage_level,
                "summary": row.summary,
            }
            for row in rows
        ]


def _all_bookings(config: InboxConfig) -> Optional[List[Dict[str, Any]]]:
    store = _booking_store(config)
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


async def _conversation_basics(request: web.Request, conversation_id: str) -> Dict[str, Any]:
    """What the records say about one conversation; raises 404 when the inbox knows nothing about it."""
    config = request.app[CONFIG]
    handoff = await _db(request.app[STORE].for_conversation, conversation_id)
    consultations = await _db(_consultations, config, conversation_id)
    bookings = await _db(_conversation_bookings, config, conversation_id)
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


def _retryable(reply: Dict[str, Any]) -> bool:
    # Only failed replies: a pending one may be on its way (a second send would duplicate it).
    # Replies left pending by an inbox that stopped mid-send are marked failed at the next start.
    return reply["status"] == "failed"


async def _conversation_data(request: web.Request, conversation_id: str) -> Dict[str, Any]:
    """The records plus the live transcript (or the stored one when Rasa is unreachable) and the replies."""
    data = await _conversation_basics(request, conversation_id)
    handoff = data["handoff"]
    replies = await _db(request.app[STORE].replies, conversation_id)
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
        item["retryable"] = _retryable(item)
    data.update(replies=replies, messages=messages, source=source, unavailable=unavailable, paused=paused)
    return data


# --- pages ---------------------------------------------------------------------------------------------------
def _safety_alerts(config: InboxConfig) -> Dict[str, List[Dict[str, Any]]]:
    """Warning signs on record (from any message, before consent too), and any the database refused."""
    from records.safety import SafetyJournal, SafetyRecordStore

    open_flags = SafetyRecordStore(config.app_db_url).conversations_with_open_flags()
    for item in open_flags:
        item["recorded_at"] = _aware(item["recorded_at"])
    unsaved = SafetyJournal(config.safety_journal).entries() if config.safety_journal else []
    return {"open": open_flags, "unsaved": unsaved}


async def index(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    handoffs = await _db(request.app[STORE].list_handoffs, ["open", "replied"])
    red_flags = await _db(_recent_red_flags, config)
    safety_alerts = await _db(_safety_alerts, config)
    bookings = await _db(_all_bookings, config)
    new_bookings = None if bookings is None else [b for b in bookings if not b.get("seen")]
    return _render(
        request,
        "index.html",
        handoffs=handoffs,
        red_flags=red_flags,
        safety_alerts=safety_alerts,
        red_flag_days=RED_FLAG_DAYS,
        new_bookings=new_bookings,
        page_title="Needs attention",
    )


async def conversation(request: web.Request) -> web.Response:
    data = await _conversation_data(request, request.match_info["conversation_id"])
    return _conversation_page(request, data)


def _conversation_page(request: web.Request, data: Dict[str, Any], status: int = 200, **extra) -> web.Response:
    context = dict(data)
    context.setdefault("reply_error", "")
    context.setdefault("draft", "")
    context.update(extra)
    return _render(
        request,
        "conversation.html",
        status=status,
        page_title=f"Conversation {data['conversation_id']}",
        max_reply_chars=MAX_REPLY_CHARS,
        poll_ms=request.app[CONFIG].poll_interval_ms,
        messages_url=_conversation_url(data["conversation_id"], "/messages.json"),
        **context,
    )


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


async def messages_json(request: web.Request) -> web.Response:
    data = await _conversation_data(request, request.match_info["conversation_id"])
    return web.json_response(
        {
            "conversation_id": data["conversation_id"],
            "source": data["source"],
            "unavailable": data["unavailable"],
            "paused": data["paused"],
            "handoff_status": data["handoff"]["status"] if data["handoff"] else None,
            "messages": [dict(m, when=_when(m.get("at"))) for m in data["messages"]],
            "replies": [_reply_json(r) for r in data["replies"]],
        }
    )


async def _deliver(request: web.Request, reply: Dict[str, Any], channel: str) -> Dict[str, Any]:
    store = request.app[STORE]
    try:
        await request.app[RASA].send_reply(reply["conversation_id"], reply["text"], channel)
    except DeliveryFailed as error:
        logger.warning("inbox: reply %s not delivered: %s", reply["id"], error.reason)
        return await _db(store.mark_reply, reply["id"], "failed", error.reason)
    return await _db(store.mark_reply, reply["id"], "sent")


async def reply(request: web.Request) -> web.Response:
    conversation_id = request.match_info["conversation_id"]
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n").strip()
    basics = await _conversation_basics(request, conversation_id)
    if not text or len(text) > MAX_REPLY_CHARS:
        data = await _conversation_data(request, conversation_id)
    if not text:
        return _conversation_page(request, data, status=400, reply_error="Write a message before sending.")
    if len(text) > MAX_REPLY_CHARS:
        return _conversation_page(
            request,
            data,
            status=400,
            reply_error=f"That message is {len(text)} characters long; the limit is {MAX_REPLY_CHARS}. Shorten it or split it in two.",
            draft=text,
        )
    record = await _db(request.app[STORE].record_reply, conversation_id, text)
    result = await _deliver(request, record, basics["channel"])
    raise _redirect(_conversation_url(conversation_id), notice="sent" if result["status"] == "sent" else "failed")


async def retry_reply(request: web.Request) -> web.Response:
    store = request.app[STORE]
    try:
        reply_id = int(request.match_info["reply_id"])
    except ValueError:
        raise web.HTTPNotFound()
    record = await _db(store.get_reply, reply_id)
    if record is None:
        raise web.HTTPNotFound(text="No such reply.")
    target = _conversation_url(record["conversation_id"])
    if record["status"] == "sent":
        raise _redirect(target, notice="already_sent")
    if not _retryable(record):
        raise _redirect(target)  # still being sent
    basics = await _conversation_basics(request, record["conversation_id"])
    await _db(store.mark_reply, reply_id, "pending")
    result = await _deliver(request, record, basics["channel"])
    raise _redirect(target, notice="sent" if result["status"] == "sent" else "failed")


async def resume(request: web.Request) -> web.Response:
    conversation_id = request.match_info["conversation_id"]
    basics = await _conversation_basics(request, conversation_id)
    try:
        await request.app[RASA].resume(conversation_id, basics["channel"])
    except DeliveryFailed as error:
        logger.warning("inbox: could not resume %s: %s", conversation_id, error.reason)
        raise _redirect(_conversation_url(conversation_id), notice="resume_failed")
    await _db(request.app[STORE].close, conversation_id)
    raise _redirect("/", notice="resumed")


def _booking_view(booking: Dict[str, Any]) -> Dict[str, Any]:
    view = dict(booking)
    zone = booking.get("time_zone") or "UTC"
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz, zone = timezone.utc, "UTC"
    starts = _aware(booking.get("starts_at"))
    ends = _aware(booking.get("ends_at"))
    if starts:
        local_start = starts.astimezone(tz)
        text = f"{local_start:%a} {local_start.day} {local_start:%b %Y, %H:%M}"
        if ends:
            text += f"–{ends.astimezone(tz):%H:%M}"
        view["when"] = f"{text} ({zone})"
    else:
        view["when"] = "–"
    return view


async def bookings_page(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    store = await _db(_booking_store, config)
    if store is None:
        return _render(request, "bookings.html", available=False, upcoming=[], past=[], cancelled=[], page_title="Bookings")
    bookings = await _db(store.list_bookings)
    now = datetime.now(timezone.utc)
    far_past = datetime.min.replace(tzinfo=timezone.utc)

    def start(b):
        return _aware(b.get("starts_at")) or far_past

    confirmed = [b for b in bookings if b.get("status") == "confirmed"]
    upcoming = sorted((b for b in confirmed if start(b) >= now), key=start)
    past = sorted((b for b in confirmed if start(b) < now), key=start, reverse=True)
    cancelled = sorted((b for b in bookings if b.get("status") != "confirmed"), key=start, reverse=True)
    response = _render(
        request,
        "bookings.html",
        available=True,
        upcoming=[_booking_view(b) for b in upcoming],
        past=[_booking_view(b) for b in past],
        cancelled=[_booking_view(b) for b in cancelled],
        page_title="Bookings",
    )
    for booking in bookings:  # shown now, so no longer "new"
        if not booking.get("seen"):
            try:
                await _db(store.mark_seen, booking["id"])
            except Exception as error:  # deleted meanwhile ("delete my data"): nothing to mark
                logger.info("inbox: could not mark booking %s seen: %s", booking["id"], error)
    return response


async def cancel_booking(request: web.Request) -> web.Response:
    store = await _db(_booking_store, request.app[CONFIG])
    if store is None:
        raise web.HTTPNotFound(text="Bookings are not set up.")
    try:
        booking_id = int(request.match_info["booking_id"])
    except ValueError:
        raise web.HTTPNotFound()
    from booking.store import BookingNotFound

    try:
        before = await _db(store.get, booking_id)
        booking = await _db(store.cancel_by_trainer, booking_id)
    except BookingNotFound:
        raise web.HTTPNotFound(text="No such booking.")
    if before and before["status"] == "confirmed":
        # The person hears it in their chat, like any trainer reply (shown in the thread, retryable).
        record = await _db(request.app[STORE].record_reply, booking["conversation_id"], _cancellation_text(booking))
        await _deliver(request, record, booking.get("channel") or "latest")
    raise _redirect("/bookings", notice="cancelled")


def _cancellation_text(booking: Dict[str, Any]) -> str:
    from zoneinfo import ZoneInfo

    from booking.availability import Slot

    when = Slot(booking["starts_at"], booking["ends_at"]).label(ZoneInfo(booking["time_zone"]))
    return (
        f"I'm sorry, I've had to cancel your session on {when} ({booking['time_zone']} time), "
        f"reference {booking['reference']}. Reply here or say \"book a session\" to find another time."
    )


async def stats_page(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    numbers = await _db(inbox_stats.compute, config.app_db_url, config.tracker_store_url)
    return _render(request, "stats.html", page_title="Stats", **numbers)


# --- the app ------------------------------------------------------------------------------------------------------
async def _not_found_page(request: web.Request, handler):
    try:
        return await handler(request)
    except web.HTTPNotFound as error:
        if request.get("session") is None or _wants_json(request):
            raise
        return _render(request, "error.html", status=404, page_title="Not found", message=error.text or "Not found.")


def create_app(config: InboxConfig) -> web.Application:
    app = web.Application(middlewares=[auth_middleware, web.middleware(_not_found_page)], client_max_size=256 * 1024)
    app[CONFIG] = config
    app[STORE] = HandoffStore(config.app_db_url)
    app[RASA] = RasaClient(
        config.rasa_url, config.rasa_token, timeout=config.rasa_timeout, trainer_name=config.trainer_name
    )
    app[TEMPLATES] = _templates()
    app[LIMITER] = auth.LoginRateLimiter(config.login_max_failures, config.login_window_seconds)
    app[REVOKED] = {}

    async def _close_client(app: web.Application) -> None:
        await app[RASA].close()

    async def _fail_interrupted_replies(app: web.Application) -> None:
        count = await _db(
            app[STORE].fail_stale_replies,
            STALE_PENDING,
            "The inbox stopped before delivery was confirmed; check the conversation before retrying.",
        )
        if count:
            logger.warning("inbox: %d reply(ies) left pending by an earlier run marked failed", count)

    app.on_startup.append(_fail_interrupted_replies)
    app.on_cleanup.append(_close_client)
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/health", health)
    app.router.add_get("/", index)
    app.router.add_get("/conversations/{conversation_id}", conversation)
    app.router.add_get("/conversations/{conversation_id}/messages.json", messages_json)
    app.router.add_post("/conversations/{conversation_id}/reply", reply)
    app.router.add_post("/conversations/{conversation_id}/resume", resume)
    app.router.add_post("/replies/{reply_id}/retry", retry_reply)
    app.router.add_get("/bookings", bookings_page)
    app.router.add_post("/bookings/{booking_id}/cancel", cancel_booking)
    app.router.add_get("/stats", stats_page)
    app.router.add_static("/static/", str(HERE / "static"), name="static")
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = InboxConfig.from_settings()
    url = f"http://{config.host}:{config.port}"
    print(f"Trainer's inbox: {url}  (login: {config.username})", flush=True)
    if config.generated_password:
        print(
            f"First start: the inbox password is {config.generated_password}\n"
            f"(kept in {Path(config.var_dir or '.') / 'secrets' / auth.PASSWORD_FILE}; "
            "set INBOX_PASSWORD_HASH to choose your own)",
            flush=True,
        )
    web.run_app(create_app(config), host=config.host, port=config.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
