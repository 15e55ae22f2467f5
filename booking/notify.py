"""Telling the trainer about a booking by email.

Email is a courtesy on top of the inbox, never a condition of booking: with
no SMTP server or no trainer address configured nothing is sent (False), and
a failure to send raises NotificationFailed for the caller to log after the
booking is already safely stored.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Dict, Optional

from booking.invite import calendar_invite
from booking.slot_types import short_day
from common.clock import zone_or_utc

SMTPS_PORT = 465  # TLS from the first byte, instead of STARTTLS


class NotificationFailed(Exception):
    """The email could not be sent (connection, TLS, login or the server refused it)."""


def email_trainer_about_booking(
    booking: Dict[str, Any],
    *,
    smtp_host: str,
    smtp_port: int,
    smtp_from: str,
    trainer_email: str,
    username: str = "",
    password: str = "",
    starttls: bool = True,
    trainer_name: str = "",
    invite: Optional[str] = None,
    timeout: float = 10,
) -> bool:
    """Email the trainer a new, moved or cancelled booking with its .ics attached.

    Returns False when email is not configured, True when the server accepted
    the message; raises NotificationFailed otherwise.
    """
    if not smtp_host or not trainer_email:
        return False
    message = booking_email(booking, smtp_from=smtp_from, trainer_email=trainer_email, trainer_name=trainer_name, invite=invite)
    try:
        if int(smtp_port) == SMTPS_PORT:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp_host, smtp_port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp_host, smtp_port, timeout=timeout)
        with client:
            client.ehlo()
            if starttls and int(smtp_port) != SMTPS_PORT:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if username:
                client.login(username, password)
            client.send_message(message)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
        # OSError covers refused connections and timeouts; never include the password.
        raise NotificationFailed(f"could not email {trainer_email} via {smtp_host}:{smtp_port}: {error}") from error
    return True


def booking_email(
    booking: Dict[str, Any],
    *,
    smtp_from: str,
    trainer_email: str,
    trainer_name: str = "",
    invite: Optional[str] = None,
) -> EmailMessage:
    """The message itself (separate from sending, so it can be checked on its own)."""
    when = _local_when(booking)
    cancelled = booking.get("status") == "cancelled"
    moved = not cancelled and int(booking.get("sequence") or 0) > 0
    headline = "Booking cancelled" if cancelled else "Booking moved" if moved else "New booking"

    message = EmailMessage()
    message["Subject"] = f"{headline}: {booking['name']}, {when} ({booking['reference']})"
    message["From"] = smtp_from
    message["To"] = trainer_email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=(smtp_from.split("@")[-1] or "localhost"))
    body = [
        f"{headline} through the chat assistant.",
        "",
        f"When:       {when} ({booking.get('time_zone') or 'UTC'})",
        f"Name:       {booking['name']}",
        f"Contact:    {booking['contact']} ({booking.get('contact_kind', '')})",
        f"Reference:  {booking['reference']}",
        f"Status:     {booking.get('status', '')}",
        f"Channel:    {booking.get('channel', '')}, conversation {booking.get('conversation_id', '')}",
        "",
        "What they told the assistant:",
        (booking.get("intake_summary") or "(no consultation summary)").strip(),
        "",
        "The calendar invite is attached.",
    ]
    message.set_content("\n".join(body))
    ics = invite if invite is not None else calendar_invite(booking, trainer_name, organizer_email=None)
    message.add_attachment(
        ics.encode("utf-8"),
        maintype="text",
        subtype="calendar",
        filename=f"{booking['reference']}.ics",
        params={"method": "CANCEL" if "METHOD:CANCEL" in ics else "PUBLISH", "charset": "utf-8"},
    )
    return message


def _local_when(booking: Dict[str, Any]) -> str:
    zone, _ = zone_or_utc(booking.get("time_zone"))
    start = booking["starts_at"].astimezone(zone)
    end = booking["ends_at"].astimezone(zone)
    return f"{short_day(start)} {start.year}, {start:%H:%M}-{end:%H:%M}"
