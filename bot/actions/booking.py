"""Booking a session with the specialist: offer free times, collect name and contact, confirm.

Thin adapters: the reading of messages and the wording are coaching/booking_flow.py,
availability, storage and invites the booking package.
"""
from __future__ import annotations

import logging
import re
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import settings
from common import channels
from bot.actions.resources import availability, booking_store, record_store
from booking.availability import Slot, is_bookable
from booking.contact import Contact, parse_contact
from booking.store import SlotTaken
from booking.time_phrases import parse_preference
from coaching import booking_flow, consultation, triage

logger = logging.getLogger(__name__)

FORM = "booking_form"
NO_CONSULTATION = "No consultation"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _latest(tracker: Tracker):
    message = tracker.latest_message or {}
    return message.get("text") or "", (message.get("intent") or {}).get("name")


def _reset(keep_person: bool = True) -> List[EventType]:
    # The person's name and contact are kept for their next booking: no need to ask twice.
    person = {"booking_name", "booking_contact"} if keep_person else set()
    return [SlotSet(name, None) for name in booking_flow.STATE_SLOTS if name not in person]


def _taken(store, av) -> list:
    now = _now()
    return store.taken(now - timedelta(days=1), now + timedelta(days=av.days_ahead + 2))


def _wish_text(text: str) -> Optional[str]:
    """The time someone wants, without the time they can't make ("I can't make Tuesday, Thursday?")."""
    cleaned = re.sub(
        r"(can'?t|cannot|can not|won'?t|unable to|not able to|couldn'?t)\s+(make|do|come|attend|manage)"
        r"[^,.;!?]*?(?=\b(but|can|could|how|what|instead|is|are)\b|[,.;!?]|$)",
        " ",
        text or "",
        flags=re.I,
    )
    cleaned = cleaned.strip(" ,.;!?")
    return cleaned or None


def _intake_text(tracker: Tracker) -> str:
    records = record_store().consultations(tracker.sender_id)
    if records:
        return records[-1]["summary"] or "Consultation saved (no details)."
    if tracker.get_slot("consent_given") is True:
        return consultation.describe_intake(consultation.intake_summary(dict(tracker.slots)))
    return NO_CONSULTATION + " in the chat before booking."


class ActionStartBooking(Action):
    """'I'd like to book a session', or a time said out of the blue ('next Tuesday at 10')."""

    def name(self) -> Text:
        return "action_start_booking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text, _ = _latest(tracker)
        active = booking_store().active_booking(tracker.sender_id)
        av = availability()
        if active:
            slot = Slot(active["starts_at"], active["ends_at"])
            dispatcher.utter_message(
                text=(
                    f"You already have a session booked: {slot.label(av.zone)} ({av.time_zone} time), "
                    f"reference {active['reference']}. Would you like to move it or cancel it?"
                ),
                buttons=[
                    {"title": "Move it", "payload": "/reschedule_booking"},
                    {"title": "Cancel it", "payload": "/cancel_booking"},
                    {"title": "Keep it", "payload": "/deny"},
                ],
            )
            return []
        if tracker.get_slot("triage_level") in (triage.EMERGENCY, triage.SAME_DAY):
            dispatcher.utter_message(
                text=(
                    "Please get your knee checked by a doctor first, as I said: that comes before any training. "
                    "You can still book a session for afterwards."
                )
            )
        return _begin(tracker, "new", text, {})


def _begin(tracker: Tracker, action: str, text: str, person: Dict[str, Any]) -> List[EventType]:
    wish = _wish_text(text)
    av = availability()
    preference = wish if wish and parse_preference(wish, _now(), av.zone) is not None else None
    events = _reset() + [SlotSet("booking_action", action), SlotSet("booking_preference", preference)]
    contact = parse_contact(text or "")
    if contact is not None:
        person = {**person, "booking_contact": {"kind": contact.kind, "value": contact.value}}
    events += [SlotSet(name, value) for name, value in person.items()]
    return events + [FollowupAction(FORM)]


class ValidateBookingForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_booking_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text, intent = _latest(tracker)
        requested = tracker.get_slot("requested_slot")
        slots = dict(tracker.slots)
        activating = tracker.latest_action_name in (
            "action_start_booking", "action_reschedule_booking", "action_confirm_booking",
        )
        if activating:
            reading = booking_flow.BookingReading()  # the start action already read this message
        else:
            reading = booking_flow.read_booking_message(slots, requested, text, intent, _now(), availability())
        events: List[EventType] = []
        if not reading.understood and requested and not activating:
            if intent in booking_flow.INTERRUPTIONS:
                return []  # nothing for the booking: the form steps aside and a rule answers
            attempts = int(slots.get("booking_attempts") or 0) + 1
            events.append(SlotSet("booking_attempts", attempts))
            for note in reading.notes or [_hint(requested)]:
                dispatcher.utter_message(text=note)
        else:
            for note in reading.notes:
                dispatcher.utter_message(text=note)
        slots.update(reading.updates)
        events += [SlotSet(name, value) for name, value in reading.updates.items()]
        remaining = booking_flow.remaining(slots)
        events.append(SlotSet("requested_slot", remaining[0] if remaining else None))
        return events


def _hint(requested: str) -> str:
    return {
        "booking_slot": (
            "Sorry, I didn't get which time you'd like. Reply with the number of one of the times, "
            "or tell me a day and time, like \"Tuesday at 10\" or \"tomorrow afternoon\"."
        ),
        "booking_name": "What name should I put on the booking?",
        "booking_contact": (
            "I need an email address or a phone number so the trainer can reach you, "
            "for example name@example.com or 07700 900123."
        ),
        "booking_confirmed": (
            "Please say yes to confirm, or tell me what to change: the time, your name or your contact."
        ),
    }.get(requested, "Sorry, I didn't get that.")


class ActionAskBookingSlot(Action):
    """Offers real free times (buttons where the channel has them, always numbered)."""

    def name(self) -> Text:
        return "action_ask_booking_slot"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        av = availability()
        channel = tracker.get_latest_input_channel() or ""
        offer = booking_flow.slot_offer(
            av,
            _taken(booking_store(), av),
            _now(),
            tracker.get_slot("booking_preference"),
            with_buttons=channels.supports_buttons(channel),
            trainer_name=settings.TRAINER_NAME,
        )
        dispatcher.utter_message(text=offer["text"], buttons=offer["buttons"] or None)
        return [SlotSet("booking_offered", offer["offered"])]


class ActionAskBookingConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_booking_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = booking_flow.readback(
            dict(tracker.slots), availability(), settings.TRAINER_NAME,
            rescheduling=tracker.get_slot("booking_action") == "reschedule",
        )
        dispatcher.utter_message(
            text=text,
            buttons=[{"title": "Yes, confirm", "payload": "/affirm"}, {"title": "No, change it", "payload": "/deny"}],
        )
        return []


class ActionConfirmBooking(Action):
    """The form is complete: store the booking (the database refuses a slot taken meanwhile)."""

    def name(self) -> Text:
        return "action_confirm_booking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot("booking_confirmed") is not True:
            return _reset()
        av = availability()
        store = booking_store()
        slot = Slot.from_key(tracker.get_slot("booking_slot"), av.session_minutes)
        rescheduling = tracker.get_slot("booking_action") == "reschedule"
        contact = tracker.get_slot("booking_contact") or {}
        try:
            if not is_bookable(av, slot, _taken(store, av), _now()):
                raise SlotTaken(slot.key)
            if rescheduling and store.active_booking(tracker.sender_id):
                booking = store.reschedule(tracker.sender_id, slot, buffer_minutes=av.buffer_minutes)
            else:
                booking = store.book(
                    tracker.sender_id,
                    tracker.get_latest_input_channel() or "rest",
                    slot,
                    tracker.get_slot("booking_name"),
                    Contact(contact.get("kind"), contact.get("value")),
                    _intake_text(tracker),
                    av.time_zone,
                    buffer_minutes=av.buffer_minutes,
                )
        except SlotTaken:
            dispatcher.utter_message(
                text=(
                    f"I'm sorry, {slot.label(av.zone)} has just been taken by someone else. "
                    "Here are the times that are still free."
                )
            )
            return [
                SlotSet("booking_slot", None), SlotSet("booking_confirmed", None),
                SlotSet("booking_offered", None), FollowupAction(FORM),
            ]
        invite_url = f"{settings.PUBLIC_WEBSITE_URL}/invite/{booking['invite_token']}.ics"
        has_intake = not str(booking.get("intake_summary") or "").startswith(NO_CONSULTATION)
        dispatcher.utter_message(
            text=booking_flow.confirmation(
                booking, av, settings.TRAINER_NAME, invite_url, rescheduled=rescheduling, has_intake=has_intake
            )
        )
        _email_trainer(booking)
        return _reset()


def _email_trainer(booking: Dict[str, Any]) -> None:
    """Email in the background: a slow or broken mail server must never hold up or undo a booking."""
    if not (settings.SMTP_HOST and settings.TRAINER_EMAIL):
        return

    def send() -> None:
        from booking.configured import email_settings
        from booking.invite import calendar_invite
        from booking.notify import email_trainer_about_booking

        try:
            email_trainer_about_booking(
                booking, **email_settings(), invite=calendar_invite(booking, settings.TRAINER_NAME)
            )
        except Exception:  # noqa: BLE001 - logged; the booking stands and the inbox shows it
            logger.exception("booking email to the trainer failed for %s", booking.get("reference"))

    threading.Thread(target=send, name="booking-email", daemon=True).start()


class ActionCancelBooking(Action):
    def name(self) -> Text:
        return "action_cancel_booking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        store = booking_store()
        av = availability()
        active = store.active_booking(tracker.sender_id)
        events: List[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)] + _reset()
        if not active:
            dispatcher.utter_message(
                text="You don't have a session booked with me, so there's nothing to cancel. Would you like to book one?",
                buttons=[{"title": "Book a session", "payload": "/request_booking"}],
            )
            return events
        cancelled = store.cancel(tracker.sender_id, active["id"])
        slot = Slot(cancelled["starts_at"], cancelled["ends_at"])
        dispatcher.utter_message(
            text=(
                f"Done: your session on {slot.label(av.zone)} (reference {cancelled['reference']}) is cancelled, "
                f"and {settings.TRAINER_NAME} can see that. Would you like to book another time?"
            ),
            buttons=[{"title": "Book another time", "payload": "/request_booking"}, {"title": "No thanks", "payload": "/deny"}],
        )
        return events


class ActionRescheduleBooking(Action):
    """'I can't make Tuesday': new times for the same person, the old booking kept until a new one is confirmed."""

    def name(self) -> Text:
        return "action_reschedule_booking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text, _ = _latest(tracker)
        active = booking_store().active_booking(tracker.sender_id)
        if not active:
            dispatcher.utter_message(text="I can't find a session booked in this chat, so let's find you a time.")
            return _begin(tracker, "new", text, {})
        av = availability()
        slot = Slot(active["starts_at"], active["ends_at"])
        dispatcher.utter_message(
            text=(
                f"No problem, let's move your session on {slot.label(av.zone)}. It stays booked until you confirm "
                "a new time. (If you'd rather cancel, say \"cancel my booking\".)"
            )
        )
        person = {
            "booking_name": active["name"],
            "booking_contact": {"kind": active["contact_kind"], "value": active["contact"]},
        }
        return _begin(tracker, "reschedule", text, person)


class ActionStopBooking(Action):
    def name(self) -> Text:
        return "action_stop_booking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(
            text="Okay, I've stopped: nothing new is booked. Say \"book a session\" whenever you're ready."
        )
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + _reset()
