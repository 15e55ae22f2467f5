"""Booking a session with the specialist: offer free times, collect name and contact, confirm.

Thin adapters: the form's reading and wording are coaching/booking_flow.py, starting,
moving, cancelling and a time taken meanwhile coaching/booking_requests.py, and
availability, storage and invites the booking package.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from bot.actions.whole_message_form import WholeMessageForm

import settings
from common import channels, clock
from bot.actions.off_loop import OffLoopAction, when_busy_retry
from bot.actions.resources import availability, booking_store, record_store
from booking.availability import Slot, is_bookable
from booking.contact import Contact
from booking.store import SlotTaken, TooManyOpenBookings
from coaching import booking_flow, booking_requests
from records import notifications

logger = logging.getLogger(__name__)

FORM = "booking_form"
# Actions that read the message before starting the form: the form doesn't read it again.
_STARTING_ACTIONS = ("action_start_booking", "action_reschedule_booking", "action_confirm_booking")


def _now() -> datetime:
    return clock.utc_now()


def _latest(tracker: Tracker):
    message = tracker.latest_message or {}
    return message.get("text") or "", (message.get("intent") or {}).get("name")


def _reset() -> List[EventType]:
    return [SlotSet(name, None) for name in booking_flow.slots_to_clear()]


def _taken(store, av) -> list:
    return store.taken(*booking_requests.taken_window(_now(), av))


def _begin(action: str, text: str, person: Dict[str, Any]) -> List[EventType]:
    values = booking_requests.start_values(action, text, person, _now(), availability())
    return _reset() + [SlotSet(name, value) for name, value in values.items()] + [FollowupAction(FORM)]


class ActionStartBooking(OffLoopAction):
    """'I'd like to book a session', or a time said out of the blue ('next Tuesday at 10')."""

    def name(self) -> Text:
        return "action_start_booking"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text, _ = _latest(tracker)
        active = booking_store().active_booking(tracker.sender_id)
        av = availability()
        if active:
            slot = Slot(active["starts_at"], active["ends_at"])
            reply = booking_requests.already_booked(slot.label(av.zone), av.time_zone, active["reference"])
            dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
            return []
        if booking_requests.needs_doctor_first(tracker.get_slot("triage_level")):
            dispatcher.utter_message(text=booking_requests.DOCTOR_FIRST)
        return _begin("new", text, {})


class ValidateBookingForm(WholeMessageForm):
    """The booking form on rasa-sdk's hooks: read the message, keep what it said, ask the next question."""

    def name(self) -> Text:
        return "validate_booking_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        # The plain logic says what is still open; rasa-sdk asks the first of it.
        return booking_flow.remaining(tracker.slots)

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        # One message can settle several answers ("I'm Sam, sam@x.com") or change one at the
        # read-back, so it is read once as a whole instead of by one extract_<slot> per slot.
        text, intent = _latest(tracker)
        reading = booking_flow.read_turn(
            dict(tracker.slots),
            tracker.get_slot(REQUESTED_SLOT),
            text,
            intent,
            _now(),
            availability(),
            already_read=tracker.latest_action_name in _STARTING_ACTIONS,
        )
        if reading is None:
            return []  # for something else: nothing is set, so the form steps aside and a rule answers
        for note in reading.notes:
            dispatcher.utter_message(text=note)
        return [SlotSet(name, value) for name, value in reading.updates.items()]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType:
        # rasa-sdk sets nothing while all four questions are open (required_slots() then equals
        # the domain's list): an activation returning no events makes Rasa run this action a
        # second time. The next question is always set, from the same required_slots().
        remaining = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet(REQUESTED_SLOT, remaining[0] if remaining else None)


class ActionAskBookingSlot(OffLoopAction):
    """Offers real free times (buttons where the channel has them, always numbered)."""

    def name(self) -> Text:
        return "action_ask_booking_slot"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
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
            dict(tracker.slots),
            availability(),
            settings.TRAINER_NAME,
            rescheduling=tracker.get_slot("booking_action") == "reschedule",
        )
        dispatcher.utter_message(text=text, buttons=booking_requests.READBACK_BUTTONS)
        return []


class ActionConfirmBooking(OffLoopAction):
    """The form is complete: store the booking (the database refuses a slot taken meanwhile)."""

    def name(self) -> Text:
        return "action_confirm_booking"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot("booking_confirmed") is not True:
            return _reset()
        av = availability()
        store = booking_store()
        slot = Slot.from_key(tracker.get_slot("booking_slot"), av.session_minutes)
        rescheduling = tracker.get_slot("booking_action") == "reschedule"
        contact = tracker.get_slot("booking_contact") or {}

        def save():
            mine = store.active_booking(tracker.sender_id)
            if mine and mine["starts_at"] == slot.start:
                return mine, False  # an earlier attempt was saved after all: the same booking, never two
            if not is_bookable(av, slot, _taken(store, av), _now()):
                raise SlotTaken(slot.key)
            if rescheduling and mine:
                return store.reschedule(tracker.sender_id, slot, buffer_minutes=av.buffer_minutes), True
            return store.book(
                tracker.sender_id,
                tracker.get_latest_input_channel() or "rest",
                slot,
                tracker.get_slot("booking_name"),
                Contact(contact.get("kind"), contact.get("value")),
                _intake_text(tracker),
                av.time_zone,
                buffer_minutes=av.buffer_minutes,
            ), True

        try:
            booking, new = when_busy_retry(save)  # a locked database is waited for, then tried again
        except SlotTaken:
            text, values = booking_requests.slot_taken(slot.label(av.zone))
            dispatcher.utter_message(text=text)
            return [SlotSet(name, value) for name, value in values.items()] + [FollowupAction(FORM)]
        except TooManyOpenBookings as full:  # the database's count, in the booking's own transaction
            reply = booking_requests.too_many_open(full.open_count, settings.TRAINER_NAME)
            dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
            return _reset()
        invite_url = booking_requests.invite_url(settings.PUBLIC_WEBSITE_URL, booking["invite_token"])
        dispatcher.utter_message(
            text=booking_flow.confirmation(
                booking,
                av,
                settings.TRAINER_NAME,
                invite_url,
                rescheduled=rescheduling,
                has_intake=booking_requests.has_intake(booking),
            )
        )
        if new:
            _email_trainer(booking)
        return _reset()


def _intake_text(tracker: Tracker) -> str:
    return booking_requests.intake_text(
        record_store().consultations(tracker.sender_id),
        tracker.get_slot("consent_given") is True,
        tracker.slots,
    )


def _email_trainer(booking: Dict[str, Any]) -> None:
    """Queued, then sent in the background: a slow or broken mail server never holds up or undoes a
    booking, and an email that fails is tried again later (records/notifications.py)."""
    if not notifications.email_configured():
        return
    try:
        notifications.send_soon(notifications.Outbox(settings.APP_DB_URL).add(notifications.BOOKING, booking["id"]))
    except Exception:  # noqa: BLE001 - logged; the booking stands and the inbox shows it
        logger.exception("could not queue the trainer's email for booking %s", booking.get("reference"))


class ActionCancelBooking(OffLoopAction):
    def name(self) -> Text:
        return "action_cancel_booking"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        store = booking_store()
        av = availability()
        active = store.active_booking(tracker.sender_id)
        events: List[EventType] = [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] + _reset()
        if not active:
            reply = booking_requests.nothing_to_cancel()
        else:
            cancelled = store.cancel(tracker.sender_id, active["id"])
            slot = Slot(cancelled["starts_at"], cancelled["ends_at"])
            reply = booking_requests.cancelled(slot.label(av.zone), cancelled["reference"], settings.TRAINER_NAME)
        dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
        return events


class ActionRescheduleBooking(OffLoopAction):
    """'I can't make Tuesday': new times for the same person, the old booking kept until a new one is confirmed."""

    def name(self) -> Text:
        return "action_reschedule_booking"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text, _ = _latest(tracker)
        active = booking_store().active_booking(tracker.sender_id)
        if not active:
            dispatcher.utter_message(text=booking_requests.NO_BOOKING_TO_MOVE)
            return _begin("new", text, {})
        av = availability()
        slot = Slot(active["starts_at"], active["ends_at"])
        dispatcher.utter_message(text=booking_requests.moving(slot.label(av.zone)))
        return _begin("reschedule", text, booking_requests.person_from_booking(active))


class ActionStopBooking(Action):
    def name(self) -> Text:
        return "action_stop_booking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text=booking_requests.STOPPED)
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] + _reset()
