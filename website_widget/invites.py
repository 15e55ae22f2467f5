"""Calendar invites for bookings: GET /invite/<token>.ics on the website server.

The token is the booking's unguessable invite token (only the person who booked
got the link), so no login is needed; an unknown or malformed token is a 404.
"""

from __future__ import annotations

import re
from typing import List

from aiohttp import web

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def invite_routes(app_db_url: str, trainer_name: str, organizer_email: str = "") -> List[web.RouteDef]:
    from booking.invite import calendar_invite
    from booking.store import BookingStore

    store: List[BookingStore] = []  # created on first use: the database may not exist yet

    def bookings() -> BookingStore:
        if not store:
            store.append(BookingStore(app_db_url))
        return store[0]

    async def invite(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        booking = bookings().by_invite_token(token) if TOKEN.match(token) else None
        if booking is None:
            raise web.HTTPNotFound(text="No booking with this invite link (it may have been deleted).")
        body = calendar_invite(booking, trainer_name, organizer_email or None)
        return web.Response(
            body=body.encode("utf-8"),
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="session-{booking["reference"]}.ics"',
                "Cache-Control": "no-store",
            },
        )

    return [web.get("/invite/{token}.ics", invite)]
