"""The bookings page, and the trainer's cancelling of a booking (the person is told in their chat)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Dict

from aiohttp import web

from common import clock
from records import inbox_lists
from records.pages import Page
from trainer_inbox import replies as trainer_replies
from trainer_inbox.pagination import page_number
from trainer_inbox.state import CONFIG, booking_store, run_blocking
from trainer_inbox.views import redirect, render

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

# Each list pages on by its own parameter (trainer_inbox/pagination.py).
PARAMS = {which: f"{which}_page" for which in inbox_lists.BOOKING_LISTS}


def _booking_view(booking: Dict[str, Any]) -> Dict[str, Any]:
    when = clock.readable_range(booking.get("starts_at"), booking.get("ends_at"), booking.get("time_zone"))
    return dict(booking, when=when)


def _lists(url: str, numbers: Dict[str, int], size: int) -> Dict[str, Page]:
    now = clock.utc_now()
    return {which: inbox_lists.bookings(url, which, now, numbers[which], size) for which in inbox_lists.BOOKING_LISTS}


@routes.get("/bookings")
async def bookings_page(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    numbers = {which: page_number(request, param) for which, param in PARAMS.items()}
    lists = await run_blocking(_lists, config.app_db_url, numbers, config.page_size)
    shown = {which: replace(page, items=[_booking_view(b) for b in page.items]) for which, page in lists.items()}
    response = render(request, "bookings.html", page_title="Bookings", params=PARAMS, **shown)
    # Shown now, so no longer "new" (those on other pages stay new until shown).
    unseen = [b["id"] for page in lists.values() for b in page.items if not b.get("seen")]
    try:
        await run_blocking(inbox_lists.mark_seen, config.app_db_url, unseen)
    except Exception as error:  # the page is shown anyway; they stay "new" until next time
        logger.warning("inbox: could not mark bookings seen: %s", error)
    return response


@routes.post("/bookings/{booking_id}/cancel")
async def cancel_booking(request: web.Request) -> web.Response:
    store = await run_blocking(booking_store, request.app[CONFIG].app_db_url)
    if store is None:
        raise web.HTTPNotFound(text="Bookings are not set up.")
    try:
        booking_id = int(request.match_info["booking_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    from booking.store import BookingNotFound

    try:
        before = await run_blocking(store.get, booking_id)
        booking = await run_blocking(store.cancel_by_trainer, booking_id)
    except BookingNotFound:
        raise web.HTTPNotFound(text="No such booking.") from None
    if before and before["status"] == "confirmed":
        # The person hears it in their chat, like any trainer reply (shown in the thread, retryable).
        channel = booking.get("channel") or "latest"
        await trainer_replies.send(request, booking["conversation_id"], _cancellation_text(booking), channel)
    raise redirect("/bookings", notice="cancelled")


def _cancellation_text(booking: Dict[str, Any]) -> str:
    from booking.availability import Slot

    zone, zone_name = clock.zone_or_utc(booking["time_zone"])
    when = Slot(booking["starts_at"], booking["ends_at"]).label(zone)
    return (
        f"I'm sorry, I've had to cancel your session on {when} ({zone_name} time), "
        f'reference {booking["reference"]}. Reply here or say "book a session" to find another time.'
    )
