"""The stats page: conversations per day, the red-flag rate and bookings per consultation."""

from __future__ import annotations

from aiohttp import web

from trainer_inbox import stats
from trainer_inbox.state import CONFIG, run_blocking
from trainer_inbox.views import render

routes = web.RouteTableDef()


@routes.get("/stats")
async def stats_page(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    numbers = await run_blocking(stats.compute, config.app_db_url, config.tracker_store_url)
    return render(request, "stats.html", page_title="Stats", **numbers)
