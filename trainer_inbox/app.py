"""The trainer's inbox: handed-off conversations, replies, hand-back, bookings and stats.

A small aiohttp app with server-rendered Jinja2 pages (autoescaped) and one
vanilla-JS file that polls the open conversation for new messages. Everything
except /login, /health and /static/ needs the trainer's session; every POST
needs the session's CSRF token. This module only wires the parts together:
the routes live in `routes_*.py`, the pages in `views.py`, the settings in `config.py`.

    .venv/bin/python -m trainer_inbox      # serves on INBOX_PORT (5080)
"""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from ops.log_setup import install_redaction
from records import inbox_lists
from records.handoffs import HandoffStore
from trainer_inbox import auth, routes_auth, routes_bookings, routes_conversations, routes_data_rights, routes_stats
from trainer_inbox.config import InboxConfig
from trainer_inbox.rasa_client import RasaClient
from trainer_inbox.replies import fail_interrupted_replies
from trainer_inbox.state import CONFIG, LIMITER, RASA, REVOKED, STORE, TEMPLATES, run_blocking
from trainer_inbox.views import HERE, make_templates, not_found_page

__all__ = ["InboxConfig", "create_app", "main"]


async def _close_client(app: web.Application) -> None:
    await app[RASA].close()


async def _tables_and_indexes(app: web.Application) -> None:
    """Every table and the lists' indexes, before the first page (a database from older code gets them now)."""
    await run_blocking(inbox_lists.warm_up, app[CONFIG].app_db_url)


def create_app(config: InboxConfig) -> web.Application:
    app = web.Application(middlewares=[routes_auth.auth_middleware, not_found_page], client_max_size=256 * 1024)
    app[CONFIG] = config
    app[STORE] = HandoffStore(config.app_db_url)
    app[RASA] = RasaClient(
        config.rasa_url, config.rasa_jwt_secret, timeout=config.rasa_timeout, trainer_name=config.trainer_name
    )
    app[TEMPLATES] = make_templates()
    app[LIMITER] = auth.LoginRateLimiter(config.login_max_failures, config.login_window_seconds)
    app[REVOKED] = {}

    app.on_startup.append(_tables_and_indexes)
    app.on_startup.append(fail_interrupted_replies)
    app.on_cleanup.append(_close_client)
    app.on_response_prepare.append(routes_auth.security_headers)
    for module in (routes_auth, routes_conversations, routes_bookings, routes_stats, routes_data_rights):
        app.router.add_routes(module.routes)
    app.router.add_static("/static/", str(HERE / "static"), name="static")
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_redaction()
    config = InboxConfig.from_settings()
    url = f"http://{config.host}:{config.port}"
    print(f"Trainer's inbox: {url}  (login: {config.username})", flush=True)
    if config.generated_password:
        # Its output is logs/inbox.log: say where the password is, never the password.
        print(
            f"First start: a password was generated into {Path(config.var_dir or '.') / 'secrets' / auth.PASSWORD_FILE}"
            " (readable by this user only); `./assistant reset-inbox-password` sets your own.",
            flush=True,
        )
    web.run_app(create_app(config), host=config.host, port=config.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
