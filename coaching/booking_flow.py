"""The booking conversation in plain Python: what one message means for the booking.

The booking form asks, in order: a time (from real free slots), a name, a
contact, then reads everything back for a yes. People answer out of order and
change their mind ("actually Thursday", "my email is ..."), so every message
is read for everything it can tell, whatever was asked.
The Rasa action (bot/actions/booking.py) only adapts this to slots and events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from booking.availability import Availability, Slot, free_slots
from booking.contact import parse_contact, parse_name
from booking.offering import buttons, numbered_text, offer
from booking.time_phrases import choice_from_text, parse_preference

REQUIRED = ["booking_slot", "booking_name", "booking_contact", "booking_confirmed"]
STATE_SLOTS = REQUIRED + ["booking_offered", "booking_preference", "booking_action", "booking_attempts"]
# Kept after a booking (or a stop): nobody is asked for their name and contact twice.
PERSON_SLOTS = ("booking_name", "booking_contact")

# Intents that leave the booking questions for something else (rules handle them).
INTERRUPTIONS = {
    "ask_article_question",
    "bot_challenge",
    "stop",
    "request_human",
    "delete_my_data",
    "export_my_data",
    "cancel_booking",
    "ask_capabilities",
    "report_red_flag",
}
_YES = re.compile(
    r"^\s*(y|ya|yes+|yeah|yep|yup|sure|ok(ay)?|correct|right|perfect|great|confirm(ed)?|book it|do it|"
    r"that'?s (right|correct|fine|great|perfect)|sounds good|go ahead|please do)\b",
    re.I,
)
_NO = re.compile(r"^\s*(n|no+|nope|nah|wrong|not (right|correct)|that'?s wrong|wait|hold on)\b", re.I)


@dataclass
class BookingReading:
    updates: Dict[str, Any] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)
    understood: bool = False


def remaining(slots: Mapping[str, Any]) -> List[str]:
    return [name for name in REQUIRED if slots.get(name) in (None, "")]


def slots_to_clear() -> List[str]:
    """The booking's slots emptied once it is done, stopped or cancelled (name and contact stay)."""
    return [name for name in STATE_SLOTS if name not in PERSON_SLOTS]


HINTS = {
    "booking_slot": (
        "Sorry, I didn't get which time you'd like. Reply with the number of one of the times, "
        'or tell me a day and time, like "Tuesday at 10" or "tomorrow afternoon".'
    ),
    "booking_name": "What name should I put on the booking?",
    "booking_contact": (
        "I need an email address or a phone number so the trainer can reach you, "
        "for example name@example.com or 07700 900123."
    ),
    "booking_confirmed": "Please say yes to confirm, or tell me what to change: the time, your name or your contact.",
}


def hint(requested: str) -> str:
    """Asked again after an answer that settled nothing: what kind of answer works."""
    return HINTS.get(requested, "Sorry, I didn't get that.")


def read_turn(
    slots: Mapping[str, Any],
    requested: Optional[str],
    text: str,
    intent: Optional[str],
    now: datetime,
    availability: Availability,
    already_read: bool = False,
) -> Optional[BookingReading]:
    """The booking form's reading of one message, with what to do when it settles nothing.

    `already_read`: the action that started the form has read this message already.
    An answer that settles nothing counts one more attempt (`booking_attempts`) and gets
    a hint; None means the message is for something else (a question, "stop"), so the
    form steps aside and a rule answers it.
    """
    if already_read:
        return BookingReading()
    reading = read_booking_message(slots, requested, text, intent, now, availability)
    if reading.understood or not requested:
        return reading
    if intent in INTERRUPTIONS:
        return None
    reading.updates = {"booking_attempts": int(slots.get("booking_attempts") or 0) + 1, **reading.updates}
    reading.notes = reading.notes or [hint(requested)]
    return reading


def read_booking_message(
    slots: Mapping[str, Any],
    requested: Optional[str],
    text: str,
    intent: Optional[str],
    now: datetime,
    availability: Availability,
) -> BookingReading:
    """What this message settles for the booking. Nothing understood: `understood` is False."""
    reading = BookingReading()
    text = (text or "").strip()
    if not text:
        return reading
    if text.startswith("/"):
        text = _payload_value(text)
    zone = availability.zone
    offered = list(slots.get("booking_offered") or [])

    contact = parse_contact(text)
    if contact is not None:
        reading.updates["booking_contact"] = {"kind": contact.kind, "value": contact.value}

    if requested == "booking_confirmed":
        if intent == "affirm" or _YES.match(text):
            reading.updates["booking_confirmed"] = True
        elif parse_preference(text, now, zone) is not None:
            # Changed their mind about the time: offer slots for the new wish.
            reading.updates.update(_new_time_wish(text))
        elif intent == "deny" or _NO.match(text):
            reading.updates.update(_new_time_wish(None))
            reading.notes.append("No problem, nothing is booked. Which time would suit you better?")
        elif contact is None:
            name = _stated_name(text)
            if name:
                reading.updates["booking_name"] = name
    elif requested in (None, "booking_slot"):
        choice = choice_from_text(text, offered, zone=zone, now=now) if offered else None
        if choice:
            reading.updates["booking_slot"] = choice
        elif parse_preference(text, now, zone) is not None:
            reading.updates.update(_new_time_wish(text))
    elif requested == "booking_name":
        name = parse_name(_without_contact(text, contact))
        if name:
            reading.updates["booking_name"] = name
        elif contact is None:
            reading.notes.append("Sorry, I didn't catch your name. What name should I put on the booking?")
    elif requested == "booking_contact":
        if contact is None:
            reading.notes.append(
                "That doesn't look like an email address or phone number I can use. Could you check it? "
                "For example name@example.com or 07700 900123."
            )

    if requested != "booking_name" and "booking_name" not in reading.updates:
        name = _stated_name(text)  # "I'm Sam, sam@x.com": several facts in one message
        if name:
            reading.updates["booking_name"] = name
    # A change made at the read-back must be read back again.
    if requested == "booking_confirmed" and reading.updates and "booking_confirmed" not in reading.updates:
        reading.updates["booking_confirmed"] = None
    reading.understood = bool(reading.updates)
    return reading


def _new_time_wish(text: Optional[str]) -> Dict[str, Any]:
    return {"booking_slot": None, "booking_confirmed": None, "booking_offered": None, "booking_preference": text}


_NAME_STATEMENT = re.compile(r"\b(my name is|my name's|i am|i'm|im|this is|it's|call me|name:?)\s+(.+)$", re.I)


def _stated_name(text: str) -> Optional[str]:
    """A name only when the person says it is one ("I'm Sam"), not any word out of context."""
    match = _NAME_STATEMENT.search(text)
    if not match:
        return None
    candidate = re.split(r"[,;.!]|\band\b|\bmy\b", match.group(2), maxsplit=1, flags=re.I)[0]
    return parse_name(candidate.strip())


def _without_contact(text: str, contact) -> str:
    if contact is None:
        return text
    cleaned = re.sub(r"\S+@\S+", " ", text)
    cleaned = re.sub(r"\+?\d[\d\s().-]{5,}\d", " ", cleaned)
    cleaned = re.sub(
        r"\b(you can )?(reach|contact|email|text|call|phone) me (at|on)\b|\b(and|,)\s*$", " ", cleaned, flags=re.I
    )
    return re.sub(r"\s+", " ", cleaned).strip(" ,;.-")


def _payload_value(text: str) -> str:
    """A button payload '/inform_booking_details{"slot_choice": "<key>"}' carries the key itself."""
    match = re.search(r'"slot_choice"\s*:\s*"([^"]+)"', text)
    if match:
        return match.group(1)
    return re.sub(r"^/\w+", "", text).strip() or text


def slot_offer(
    availability: Availability,
    taken,
    now: datetime,
    preference_text: Optional[str],
    with_buttons: bool,
    trainer_name: str,
    max_choices: int = 4,
) -> Dict[str, Any]:
    """The message that offers free times: text (numbered), buttons, and the keys offered."""
    zone = availability.zone
    preference = parse_preference(preference_text, now, zone) if preference_text else None
    slots = free_slots(availability, taken, now, preference=preference)
    lead = ""
    if preference is not None and not slots:
        lead = f"{_sentence_start(trainer_name)} has nothing free {preference.description}. "
        slots = free_slots(availability, taken, now)
        lead += "The nearest free times are:" if slots else ""
    elif preference is not None:
        lead = f"Free times {preference.description} with {trainer_name}:"
    else:
        lead = f"Here are the next free times for a session with {trainer_name}:"
    if not slots:
        return {
            "text": (
                f"I'm sorry, {trainer_name} has no free times in the booking calendar at the moment. "
                'Say "talk to a person" and I\'ll pass your request on, so they can find a time with you.'
            ),
            "buttons": [],
            "offered": [],
        }
    choices = offer(slots, zone, max_choices=max_choices)
    text = (
        f"{lead}\n{numbered_text(choices)}\n"
        f"(Times are {availability.time_zone} time, {availability.session_minutes} minutes each.) "
        'Reply with a number, or tell me a day and time that suits you, like "Friday afternoon".'
    )
    return {"text": text, "buttons": buttons(choices) if with_buttons else [], "offered": [c["key"] for c in choices]}


def readback(slots: Mapping[str, Any], availability: Availability, trainer_name: str, rescheduling: bool) -> str:
    slot = Slot.from_key(slots["booking_slot"], availability.session_minutes)
    contact = slots.get("booking_contact") or {}
    what = "move your session to" if rescheduling else "book"
    return (
        f"Let me read that back. I'll {what} a {availability.session_minutes}-minute session with {trainer_name} on "
        f"{slot.label(availability.zone)} ({availability.time_zone} time) for {slots.get('booking_name')}, "
        f"contact {contact.get('value')}. Shall I confirm it?"
    )


def confirmation(
    booking: Mapping[str, Any],
    availability: Availability,
    trainer_name: str,
    invite_url: str,
    rescheduled: bool,
    has_intake: bool = True,
) -> str:
    slot = Slot(booking["starts_at"], booking["ends_at"])
    verb = "moved" if rescheduled else "booked"
    return (
        f"Done, you're {verb}: {slot.label(availability.zone)} ({availability.time_zone} time) with {trainer_name}. "
        f"Your booking reference is {booking['reference']}.\n"
        f"Add it to your calendar: {invite_url}\n"
        + (
            f"{_sentence_start(trainer_name)} has your intake summary, so you won't have to repeat yourself. "
            if has_intake
            else f"{_sentence_start(trainer_name)} sees the booking in their inbox. "
        )
        + 'If you can\'t make it, just tell me here ("I need to cancel" or "can we move it").'
    )


def _sentence_start(name: str) -> str:
    return name[:1].upper() + name[1:]  # not .capitalize(): "Simon Jarvis" must stay as written
