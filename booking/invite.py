"""A calendar invite (.ics, RFC 5545) for a booking.

The same file serves the trainer (attached to the booking email) and the
person (downloadable through the booking's invite token). It deliberately
leaves out the intake summary: calendars sync to third parties, and health
details stay in the assistant's records and the trainer's email.

A rescheduled booking keeps its UID and raises SEQUENCE, so importing the new
file moves the existing event instead of adding a second one; a cancelled
booking produces STATUS:CANCELLED.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from common.clock import require_aware, utc_now

PRODID = "-//Knee pain assistant//Bookings//EN"
UID_DOMAIN = "bookings.knee-pain-assistant"
MAX_LINE_OCTETS = 75


def calendar_invite(
    booking: Dict[str, Any],
    trainer_name: str,
    organizer_email: Optional[str] = None,
    location: str = "",
    *,
    now: Optional[datetime] = None,
) -> str:
    """The booking as a VCALENDAR with one VEVENT, CRLF line endings, folded lines."""
    cancelled = booking.get("status") == "cancelled"
    reference = booking["reference"]
    description = (
        f"Booking reference: {reference}\n"
        f"Booked by: {booking.get('name', '')}\n"
        f"To cancel or change this session, go back to the same chat with the assistant "
        f'and say "cancel my booking" or "move my booking" (reference {reference}).'
    )
    # iTIP: CANCEL needs an ORGANIZER; without one, publishing a cancelled event does the job.
    method = "CANCEL" if cancelled and organizer_email else "PUBLISH"
    lines: List[str] = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{reference.lower()}@{UID_DOMAIN}",
        f"DTSTAMP:{_utc_stamp(now or utc_now())}",
        f"DTSTART:{_utc_stamp(booking['starts_at'])}",
        f"DTEND:{_utc_stamp(booking['ends_at'])}",
        f"SEQUENCE:{int(booking.get('sequence') or 0)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"SUMMARY:{escape_text('Movement session with ' + (trainer_name or 'your trainer'))}",
        f"DESCRIPTION:{escape_text(description)}",
    ]
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if organizer_email:
        lines.append(f"ORGANIZER;CN={_param_value(trainer_name or organizer_email)}:mailto:{organizer_email}")
    lines += ["TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "".join(fold_line(line) + "\r\n" for line in lines)


def escape_text(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma, newline."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold_line(line: str) -> str:
    """Split a content line into <= 75-octet pieces joined by CRLF + space, never inside a UTF-8 character."""
    pieces: List[str] = []
    current, size = "", 0
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size = " ", 1  # continuation lines start with a space, which counts
            limit = MAX_LINE_OCTETS
        current += char
        size += width
    pieces.append(current)
    return "\r\n".join(pieces)


def _utc_stamp(moment: datetime) -> str:
    return require_aware(moment).strftime("%Y%m%dT%H%M%SZ")


def _param_value(value: str) -> str:
    # Parameter values cannot contain DQUOTE or line breaks; quote when they hold : ; ,
    value = value.replace('"', "'").replace("\r", " ").replace("\n", " ")
    return f'"{value}"' if any(c in value for c in ":;,") else value
