"""Who may use the inbox: login and logout, the session and CSRF check on every request, security headers.

The session cookie is HttpOnly, SameSite=Lax (a link to the inbox in the
trainer's e-mail opens it logged in; every POST still needs the session's CSRF
token) and Secure when the inbox is reached over https. Failed logins are
limited per client address and per username. No CORS headers: no other site
may read the inbox from a browser.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from aiohttp import web

from trainer_inbox import auth
from trainer_inbox.state import CONFIG, LIMITER, REVOKED, run_blocking
from trainer_inbox.views import redirect, render, wants_json

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

LOGIN_CSRF_COOKIE = "inbox_login_csrf"
PUBLIC_PATHS = {"/login", "/health"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def safe_next(target: Optional[str]) -> str:
    """A path on this site to go to after login, or "/" (never another site: "/%09/evil.com" is "//evil.com")."""
    if not target or any(not ch.isprintable() or ch.isspace() for ch in target):
        return "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else "/"


def current_session(request: web.Request) -> Optional[Dict[str, Any]]:
    config = request.app[CONFIG]
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    session = auth.read_session(config.secret_key, cookie, config.username, config.password_hash)
    if session is None or cookie in request.app[REVOKED]:
        return None
    return session


@web.middleware
async def auth_middleware(request: web.Request, handler):
    if request.path in PUBLIC_PATHS or request.path.startswith("/static/"):
        return await handler(request)
    session = current_session(request)
    if session is None:
        if request.method in ("GET", "HEAD") and not wants_json(request):
            raise redirect("/login", next=request.path_qs if request.path != "/" else "")
        raise web.HTTPUnauthorized(text='{"error": "login required"}', content_type="application/json")
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


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
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


def _client_address(request: web.Request) -> str:
    if request.app[CONFIG].trust_proxy and request.headers.get("X-Forwarded-For"):
        # The proxy appends the address it saw; anything before it is what the client claimed.
        return request.headers["X-Forwarded-For"].split(",")[-1].strip() or "unknown"
    return request.remote or "unknown"


def _over_https(request: web.Request) -> bool:
    config = request.app[CONFIG]
    if config.secure_cookies or request.secure:
        return True
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return config.trust_proxy and forwarded == "https"


def _limit_keys(request: web.Request, username: str) -> List[str]:
    # Per address stops one client guessing; per username stops many addresses guessing one password.
    return [f"address:{_client_address(request)}", f"user:{username.strip().casefold()[:100]}"]


def _login_form(
    request: web.Request, status: int = 200, error: str = "", username: str = "", next_url: Optional[str] = None
) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status=status,
        page_title="Log in",
        error=error,
        login_csrf=token,
        next=safe_next(next_url if next_url is not None else request.query.get("next")),
        entered_username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path="/login",
        max_age=3600,
        secure=_over_https(request),
    )
    return response


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    if current_session(request) is not None:
        raise redirect(safe_next(request.query.get("next")))
    return _login_form(request)


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    limiter = request.app[LIMITER]
    form = await request.post()
    next_url = safe_next(str(form.get("next", "/")))
    username = str(form.get("username", ""))
    keys = _limit_keys(request, username)
    wait = max(limiter.retry_after(key) for key in keys)
    if wait:
        minutes = max(1, round(wait / 60))
        logger.warning("inbox: login refused, too many failures (%s)", keys[0])
        response = _login_form(
            request,
            status=429,
            error=f"Too many failed login attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            next_url=next_url,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    expected_csrf = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    submitted_csrf = str(form.get("login_csrf", ""))
    if not expected_csrf or not hmac.compare_digest(expected_csrf.encode(), submitted_csrf.encode()):
        return _login_form(request, status=403, error="The login form expired. Please try again.", next_url=next_url)
    password = str(form.get("password", ""))
    user_ok = hmac.compare_digest(username.encode("utf-8"), config.username.encode("utf-8"))
    password_ok = await run_blocking(auth.verify_password, password, config.password_hash)
    if not (user_ok and password_ok):
        for key in keys:
            limiter.failed(key)
        # Never the username typed: it is sometimes the password, in the wrong box.
        logger.warning("inbox: failed login from %s", _client_address(request))
        return _login_form(
            request, status=401, error="Wrong username or password.", username=username, next_url=next_url
        )
    for key in keys:
        limiter.succeeded(key)
    logger.info("inbox: login from %s", _client_address(request))
    cookie, _ = auth.make_session(config.secret_key, config.username, config.password_hash, config.session_ttl_seconds)
    response = redirect(next_url)
    response.set_cookie(
        auth.SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="Lax",
        path="/",
        max_age=config.session_ttl_seconds,
        secure=_over_https(request),
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise response


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    revoked = request.app[REVOKED]
    now = time.time()
    for value, expires in list(revoked.items()):
        if expires < now:
            del revoked[value]
    if cookie:
        revoked[cookie] = request["session"]["exp"]
    response = redirect("/login", notice="logged_out")
    response.del_cookie(auth.SESSION_COOKIE, path="/")
    raise response


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
