"""The bookings page, and the trainer's cancelling of a booking (the person is told in their chat)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Dict

from aiohttp import web

from common import clock
from trainer_inbox import replies as trainer_replies
from trainer_inbox.state import CONFIG, booking_store, run_blocking
from trainer_inbox.views import redirect, render

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

_FAR_PAST = datetime.min.replace(tzinfo=clock.UTC)  # sorts bookings without a start time last


def _booking_view(booking: Dict[str, Any]) -> Dict[str, Any]:
    when = clock.readable_range(booking.get("starts_at"), booking.get("ends_at"), booking.get("time_zone"))
    return dict(booking, when=when)


def _start(booking: Dict[str, Any]) -> datetime:
    return clock.parse_moment(booking.get("starts_at")) or _FAR_PAST


@routes.get("/bookings")
async def bookings_page(request: web.Request) -> web.Response:
    store = await run_blocking(booking_store, request.app[CONFIG].app_db_url)
    if store is None:
        return render(
            request, "bookings.html", available=False, upcoming=[], past=[], cancelled=[], page_title="Bookings"
        )
    bookings = await run_blocking(store.list_bookings)
    now = clock.utc_now()
    confirmed = [b for b in bookings if b.get("status") == "confirmed"]
    upcoming = sorted((b for b in confirmed if _start(b) >= now), key=_start)
    past = sorted((b for b in confirmed if _start(b) < now), key=_start, reverse=True)
    cancelled = sorted((b for b in bookings if b.get("status") != "confirmed"), key=_start, reverse=True)
    response = render(
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
                await run_blocking(store.mark_seen, booking["id"])
            except Exception as error:  # deleted meanwhile ("delete my data"): nothing to mark
                logger.info("inbox: could not mark booking %s seen: %s", booking["id"], error)
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
