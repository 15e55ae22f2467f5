"""Telling the trainer by email: a booking, or a conversation handed over to them.

Email is a courtesy on top of the inbox, never a condition of booking or of a
handoff: with no SMTP server or no trainer address configured nothing is sent
(False), and a failure to send raises NotificationFailed for the caller, after
the booking or handoff is already safely stored (records/notifications.py
tries again later).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Dict, Optional
from urllib.parse import quote

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
    message = booking_email(
        booking, smtp_from=smtp_from, trainer_email=trainer_email, trainer_name=trainer_name, invite=invite
    )
    return send_email(
        message,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        username=username,
        password=password,
        starttls=starttls,
        timeout=timeout,
    )


def email_trainer_about_handoff(
    handoff: Dict[str, Any],
    *,
    inbox_url: str,
    smtp_host: str,
    smtp_port: int,
    smtp_from: str,
    trainer_email: str,
    username: str = "",
    password: str = "",
    starttls: bool = True,
    trainer_name: str = "",
    timeout: float = 10,
) -> bool:
    """Email the trainer that a conversation waits for them in the inbox (no transcript: the inbox has it)."""
    if not smtp_host or not trainer_email:
        return False
    message = handoff_email(handoff, smtp_from=smtp_from, trainer_email=trainer_email, inbox_url=inbox_url)
    return send_email(
        message,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        username=username,
        password=password,
        starttls=starttls,
        timeout=timeout,
    )


def send_email(
    message: EmailMessage,
    *,
    smtp_host: str,
    smtp_port: int,
    username: str = "",
    password: str = "",
    starttls: bool = True,
    timeout: float = 10,
) -> bool:
    """Hand the message to the SMTP server; True when it accepted it, NotificationFailed otherwise."""
    trainer_email = message["To"]
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


HANDOFF_REASONS = {
    "asked_for_human": "the person asked to talk to you",
    "not_understood": "the assistant kept misunderstanding them",
    "escalation": "their answers need a clinician soon, then you",
}


def handoff_email(handoff: Dict[str, Any], *, smtp_from: str, trainer_email: str, inbox_url: str) -> EmailMessage:
    """Only what the trainer needs to open the inbox: why, when, where; the conversation stays in the inbox."""
    reason = HANDOFF_REASONS.get(handoff.get("reason") or "", handoff.get("reason") or "a handover")
    created = handoff.get("created_at")
    when = created.strftime("%a %d %b %Y, %H:%M UTC") if created else ""
    message = EmailMessage()
    message["Subject"] = "A conversation is waiting for you in the inbox"
    message["From"] = smtp_from
    message["To"] = trainer_email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=(smtp_from.split("@")[-1] or "localhost"))
    link = f"{inbox_url.rstrip('/')}/conversations/{quote(str(handoff.get('conversation_id', '')), safe='')}"
    lines = [
        f"A conversation was handed to you: {reason}.",
        "",
        f"When:     {when}",
        f"Channel:  {handoff.get('channel', '')}",
    ]
    if handoff.get("triage_level"):
        lines.append(f"Triage:   {handoff['triage_level']}")
    lines += ["", "Read it and reply in the inbox (the assistant waits until you hand it back):", link]
    message.set_content("\n".join(lines))
    return message


def _local_when(booking: Dict[str, Any]) -> str:
    zone, _ = zone_or_utc(booking.get("time_zone"))
    start = booking["starts_at"].astimezone(zone)
    end = booking["ends_at"].astimezone(zone)
    return f"{short_day(start)} {start.year}, {start:%H:%M}-{end:%H:%M}"
