"""What every route shares: the app's objects under their keys, and the way to call blocking stores."""

from __future__ import annotations

import asyncio
import functools
from typing import Callable

import jinja2
from aiohttp import web

from records.handoffs import HandoffStore
from trainer_inbox import auth
from trainer_inbox.config import InboxConfig
from trainer_inbox.rasa_client import RasaClient

CONFIG = web.AppKey("config", InboxConfig)
STORE = web.AppKey("handoff_store", HandoffStore)
RASA = web.AppKey("rasa_client", RasaClient)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
LIMITER = web.AppKey("login_limiter", auth.LoginRateLimiter)
REVOKED = web.AppKey("revoked_sessions", dict)


async def run_blocking(fn: Callable, *args, **kwargs):
    """Run a blocking database call off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))


def booking_store(app_db_url: str):
    """The booking package's store, or None while it is not installed."""
    try:
        from booking.store import BookingStore
    except ImportError:
        return None
    return BookingStore(app_db_url)
