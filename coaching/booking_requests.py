"""Starting, moving and cancelling a booking, and a time taken meanwhile, in plain Python.

The booking form's questions are coaching/booking_flow.py; this is what happens around
them: what a request to book or move carries into the form, what is cleared and what is
said when the chosen time went to someone else, and the wording of those moments.
The Rasa actions (bot/actions/booking.py) only adapt this to slots, events and messages.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from booking.availability import Availability
from booking.contact import parse_contact
from booking.time_phrases import parse_preference
from coaching import consultation, triage

# The start of the intake text saved with a booking made without a consultation.
NO_CONSULTATION = "No consultation"

# Levels at which a doctor comes before any training (the booking is still allowed).
DOCTOR_FIRST_LEVELS = (triage.EMERGENCY, triage.SAME_DAY)
DOCTOR_FIRST = (
    "Please get your knee checked by a doctor first, as I said: that comes before any training. "
    "You can still book a session for afterwards."
)
NO_BOOKING_TO_MOVE = "I can't find a session booked in this chat, so let's find you a time."
STOPPED = "Okay, I've stopped: nothing new is booked. Say \"book a session\" whenever you're ready."
READBACK_BUTTONS = [{"title": "Yes, confirm", "payload": "/affirm"}, {"title": "No, change it", "payload": "/deny"}]

_CANT_MAKE = re.compile(
    r"(can'?t|cannot|can not|won'?t|unable to|not able to|couldn'?t)\s+(make|do|come|attend|manage)"
    r"[^,.;!?]*?(?=\b(but|can|could|how|what|instead|is|are)\b|[,.;!?]|$)",
    re.I,
)


def wish_text(text: Optional[str]) -> Optional[str]:
    """The time someone wants, without the time they can't make ("I can't make Tuesday, Thursday?")."""
    cleaned = _CANT_MAKE.sub(" ", text or "").strip(" ,.;!?")
    return cleaned or None


def start_values(
    action: str, text: Optional[str], person: Mapping[str, Any], now: datetime, availability: Availability
) -> Dict[str, Any]:
    """Slot values a new booking (action "new") or a move ("reschedule") starts the form with.

    The message that asked may already say when ("next Tuesday at 10") and how to reach the
    person; `person` is what is known already (the booking being moved).
    """
    wish = wish_text(text)
    preference = wish if wish and parse_preference(wish, now, availability.zone) is not None else None
    values: Dict[str, Any] = {"booking_action": action, "booking_preference": preference}
    contact = parse_contact(text or "")
    if contact is not None:
        person = {**person, "booking_contact": {"kind": contact.kind, "value": contact.value}}
    values.update(person)
    return values


def person_from_booking(booking: Mapping[str, Any]) -> Dict[str, Any]:
    """Name and contact of a stored booking: moving it never asks for them again."""
    return {
        "booking_name": booking["name"],
        "booking_contact": {"kind": booking["contact_kind"], "value": booking["contact"]},
    }


def needs_doctor_first(triage_level: Optional[str]) -> bool:
    return triage_level in DOCTOR_FIRST_LEVELS


def already_booked(label: str, time_zone: str, reference: str) -> Dict[str, Any]:
    """The reply to "book a session" from someone who has one: move it, cancel it or keep it."""
    return {
        "text": (
            f"You already have a session booked: {label} ({time_zone} time), "
            f"reference {reference}. Would you like to move it or cancel it?"
        ),
        "buttons": [
            {"title": "Move it", "payload": "/reschedule_booking"},
            {"title": "Cancel it", "payload": "/cancel_booking"},
            {"title": "Keep it", "payload": "/deny"},
        ],
    }


def too_many_open(open_count: int, trainer_name: str) -> Dict[str, Any]:
    """The reply when this chat already holds the most upcoming sessions one conversation may book."""
    sessions = "session" if open_count == 1 else "sessions"
    return {
        "text": (
            f"You already have {open_count} upcoming {sessions} booked in this chat, the most I can book "
            f'for one person, so I haven\'t booked this one. You can cancel one (say "cancel my booking") '
            f"and then book again, or ask {trainer_name} directly."
        ),
        "buttons": [
            {"title": "Cancel a booking", "payload": "/cancel_booking"},
            {"title": f"Talk to {trainer_name}", "payload": "/request_human"},
        ],
    }


def moving(label: str) -> str:
    return (
        f"No problem, let's move your session on {label}. It stays booked until you confirm "
        'a new time. (If you\'d rather cancel, say "cancel my booking".)'
    )


def taken_window(now: datetime, availability: Availability) -> Tuple[datetime, datetime]:
    """The range of stored bookings that can matter for the times offered (a day either side keeps buffers)."""
    return now - timedelta(days=1), now + timedelta(days=availability.days_ahead + 2)


def slot_taken(label: str) -> Tuple[str, Dict[str, Any]]:
    """(what to say, slot values) when the chosen time went to someone else: free times are offered again."""
    text = f"I'm sorry, {label} has just been taken by someone else. Here are the times that are still free."
    return text, {"booking_slot": None, "booking_confirmed": None, "booking_offered": None}


def intake_text(consultations: Sequence[Mapping[str, Any]], consented: bool, slots: Mapping[str, Any]) -> str:
    """The intake summary stored with a new booking, for the trainer.

    The latest saved consultation counts first; then what was answered in this chat (with
    consent); otherwise the booking says there was no consultation.
    """
    if consultations:
        return consultations[-1]["summary"] or "Consultation saved (no details)."
    if consented:
        return consultation.describe_intake(consultation.intake_summary(dict(slots)))
    return NO_CONSULTATION + " in the chat before booking."


def has_intake(booking: Mapping[str, Any]) -> bool:
    return not str(booking.get("intake_summary") or "").startswith(NO_CONSULTATION)


def nothing_to_cancel() -> Dict[str, Any]:
    return {
        "text": "You don't have a session booked with me, so there's nothing to cancel. Would you like to book one?",
        "buttons": [{"title": "Book a session", "payload": "/request_booking"}],
    }


def cancelled(label: str, reference: str, trainer_name: str) -> Dict[str, Any]:
    return {
        "text": (
            f"Done: your session on {label} (reference {reference}) is cancelled, "
            f"and {trainer_name} can see that. Would you like to book another time?"
        ),
        "buttons": [
            {"title": "Book another time", "payload": "/request_booking"},
            {"title": "No thanks", "payload": "/deny"},
        ],
    }


def invite_url(website_url: str, invite_token: str) -> str:
    return f"{website_url}/invite/{invite_token}.ics"
