"""The booking conversation's reading of messages and its wording, without Rasa.

(Over 300 lines: the booking conversation's decisions, one small test each.)
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from booking.availability import Slot, free_slots, load_availability
from coaching import booking_flow, booking_requests, triage
from coaching.handoff import (
    ASKED_FOR_HUMAN,
    ESCALATION,
    NOT_UNDERSTOOD,
    consecutive_failures,
    handoff_message,
    transcript_from_events,
)

AVAILABILITY = load_availability(Path(__file__).resolve().parents[1] / "booking" / "availability.yml")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)  # a Monday morning


def offered_slots(preference_text=None, taken=()):
    return booking_flow.slot_offer(AVAILABILITY, list(taken), NOW, preference_text, True, "Sam")


def read(slots, requested, text, intent=None):
    return booking_flow.read_booking_message(slots, requested, text, intent, NOW, AVAILABILITY)


def test_the_offer_is_numbered_with_buttons_and_keys():
    offer = offered_slots()
    assert 1 <= len(offer["offered"]) <= 4
    assert offer["text"].count("\n1. ") == 1 and "Reply with a number" in offer["text"]
    assert [b["payload"] for b in offer["buttons"]] == [
        '/inform_booking_details{"slot_choice": "%s"}' % key for key in offer["offered"]
    ]


def test_the_offer_without_buttons_is_still_answerable_by_number():
    offer = booking_flow.slot_offer(AVAILABILITY, [], NOW, None, False, "Sam")
    assert offer["buttons"] == [] and "2. " in offer["text"]


def test_a_wish_with_no_free_time_says_so_and_offers_the_nearest():
    offer = offered_slots("sunday")  # the trainer doesn't work Sundays
    assert "nothing free" in offer["text"] and offer["offered"]


def test_a_wish_narrows_the_offer():
    offer = offered_slots("friday afternoon")
    for key in offer["offered"]:
        local = Slot.from_key(key, AVAILABILITY.session_minutes).start.astimezone(AVAILABILITY.zone)
        assert local.weekday() == 4 and local.hour >= 12


def test_no_free_time_at_all_offers_a_person():
    everything = [(s.start, s.end) for s in free_slots(AVAILABILITY, [], NOW)]
    offer = offered_slots(taken=everything)
    assert offer["offered"] == [] and "talk to a person" in offer["text"]


@pytest.mark.parametrize("answer", ["2", "the second one", "option 2"])
def test_choosing_by_number(answer):
    offer = offered_slots()
    reading = read({"booking_offered": offer["offered"]}, "booking_slot", answer)
    assert reading.updates["booking_slot"] == offer["offered"][1]


def test_choosing_by_button_payload():
    offer = offered_slots()
    payload = offer["buttons"][2]["payload"]
    reading = read({"booking_offered": offer["offered"]}, "booking_slot", payload, "inform_booking_details")
    assert reading.updates["booking_slot"] == offer["offered"][2]


def test_a_time_in_words_instead_of_a_choice_asks_again_for_that_time():
    offer = offered_slots()
    reading = read({"booking_offered": offer["offered"]}, "booking_slot", "tomorrow afternoon")
    assert reading.updates["booking_slot"] is None and reading.updates["booking_preference"] == "tomorrow afternoon"


def test_several_facts_in_one_message():
    reading = read({"booking_slot": "x"}, "booking_name", "I'm Priya Patel, you can reach me on 07700 900123")
    assert reading.updates["booking_name"] == "Priya Patel"
    assert reading.updates["booking_contact"] == {"kind": "phone", "value": "07700900123"}


def test_a_bad_contact_is_explained_and_nothing_is_stored():
    reading = read({"booking_slot": "x", "booking_name": "Sam"}, "booking_contact", "sam at example dot com")
    assert not reading.understood and "doesn't look like an email address or phone number" in reading.notes[0]


def test_a_name_is_only_taken_when_asked_or_stated():
    assert "booking_name" not in read({}, "booking_slot", "friday please").updates
    assert read({}, "booking_slot", "friday please, my name is Jo Park").updates["booking_name"] == "Jo Park"


def test_the_read_back_accepts_yes_and_changes():
    filled = {"booking_slot": "k", "booking_name": "Sam", "booking_contact": {"kind": "email", "value": "a@b.co"}}
    assert read(filled, "booking_confirmed", "yes please").updates == {"booking_confirmed": True}
    assert read(filled, "booking_confirmed", "yep", "affirm").updates["booking_confirmed"] is True
    changed = read(filled, "booking_confirmed", "actually thursday morning")
    assert (
        changed.updates["booking_slot"] is None and changed.updates["booking_preference"] == "actually thursday morning"
    )
    refused = read(filled, "booking_confirmed", "no", "deny")
    assert refused.updates["booking_slot"] is None and "nothing is booked" in refused.notes[0]
    new_contact = read(filled, "booking_confirmed", "use sam@work.example instead")
    assert new_contact.updates["booking_contact"]["value"] == "sam@work.example"
    assert new_contact.updates["booking_confirmed"] is None  # read back again


def test_nothing_understood():
    assert not read({}, "booking_slot", "").understood
    assert not read({"booking_offered": offered_slots()["offered"]}, "booking_slot", "asdfgh").understood


def test_remaining_questions_in_order():
    assert booking_flow.remaining({}) == booking_flow.REQUIRED
    assert booking_flow.remaining({"booking_slot": "k", "booking_name": "S"}) == [
        "booking_contact",
        "booking_confirmed",
    ]


def test_read_back_and_confirmation_wording():
    key = offered_slots()["offered"][0]
    slot = Slot.from_key(key, AVAILABILITY.session_minutes)
    slots = {"booking_slot": key, "booking_name": "Sam Jones", "booking_contact": {"kind": "email", "value": "s@x.io"}}
    text = booking_flow.readback(slots, AVAILABILITY, "Simon Jarvis", rescheduling=False)
    assert slot.label(AVAILABILITY.zone) in text and "Sam Jones" in text and "s@x.io" in text
    assert "move your session" in booking_flow.readback(slots, AVAILABILITY, "Simon Jarvis", rescheduling=True)
    booking = {"starts_at": slot.start, "ends_at": slot.end, "reference": "KB-1"}
    done = booking_flow.confirmation(booking, AVAILABILITY, "simon Jarvis", "http://x/invite/t.ics", False)
    assert "KB-1" in done and "http://x/invite/t.ics" in done and "Simon Jarvis has your intake summary" in done
    assert "sees the booking in their inbox" in booking_flow.confirmation(
        booking, AVAILABILITY, "Simon Jarvis", "u", False, has_intake=False
    )


def test_an_answer_that_settles_nothing_gets_a_hint_and_counts_an_attempt():
    offer = offered_slots()
    turn = booking_flow.read_turn(
        {"booking_offered": offer["offered"], "booking_attempts": 2},
        "booking_slot",
        "asdfgh",
        "nlu_fallback",
        NOW,
        AVAILABILITY,
    )
    assert turn.updates == {"booking_attempts": 3} and turn.notes == [booking_flow.hint("booking_slot")]
    assert "Tuesday at 10" in turn.notes[0]


def test_a_question_own_note_replaces_the_hint():
    turn = booking_flow.read_turn(
        {"booking_slot": "k", "booking_name": "Sam"},
        "booking_contact",
        "sam at example dot com",
        None,
        NOW,
        AVAILABILITY,
    )
    assert turn.updates == {"booking_attempts": 1} and len(turn.notes) == 1
    assert "doesn't look like an email address" in turn.notes[0]


def test_every_question_has_its_own_hint():
    hints = [booking_flow.hint(requested) for requested in booking_flow.REQUIRED]
    assert len(set(hints)) == len(hints) and "Sorry, I didn't get that." not in hints
    assert booking_flow.hint("something_else") == "Sorry, I didn't get that."


def test_a_message_for_something_else_makes_the_form_step_aside():
    offer = offered_slots()
    slots = {"booking_offered": offer["offered"]}
    assert booking_flow.read_turn(slots, "booking_slot", "is it a bot?", "bot_challenge", NOW, AVAILABILITY) is None


def test_what_the_form_reads_and_what_it_leaves():
    filled = {"booking_slot": "k", "booking_name": "Sam", "booking_contact": {"kind": "email", "value": "a@b.co"}}
    understood = booking_flow.read_turn(filled, "booking_confirmed", "yes", "affirm", NOW, AVAILABILITY)
    assert understood.updates == {"booking_confirmed": True} and understood.notes == []
    # Before a question is asked, nothing understood is no failed attempt.
    assert booking_flow.read_turn({}, None, "hello", "greet", NOW, AVAILABILITY).updates == {}
    # The action that started the form read the message already.
    started = booking_flow.read_turn(
        {}, "booking_slot", "book me for friday", None, NOW, AVAILABILITY, already_read=True
    )
    assert started.updates == {} and started.notes == []


def test_the_person_is_kept_after_a_booking():
    cleared = booking_flow.slots_to_clear()
    assert "booking_name" not in cleared and "booking_contact" not in cleared
    assert {"booking_slot", "booking_confirmed", "booking_offered", "booking_attempts"} <= set(cleared)


# --- around the form: starting, moving, a time taken, cancelling ---------------------------


def test_the_time_someone_cant_make_is_left_out_of_the_wish():
    wish = booking_requests.wish_text("I can't make Tuesday, Thursday?")
    assert "Tuesday" not in wish and "Thursday" in wish
    assert booking_requests.wish_text("can't make it") is None
    assert booking_requests.wish_text("") is None


def test_a_booking_starts_with_what_the_request_said():
    values = booking_requests.start_values("new", "next Tuesday at 10, sam@x.com", {}, NOW, AVAILABILITY)
    assert values["booking_action"] == "new" and "Tuesday" in values["booking_preference"]
    assert values["booking_contact"] == {"kind": "email", "value": "sam@x.com"}
    plain = booking_requests.start_values("new", "I'd like to book a session", {}, NOW, AVAILABILITY)
    assert plain == {"booking_action": "new", "booking_preference": None}


def test_moving_keeps_the_person_and_a_new_contact_wins():
    stored = {"name": "Sam", "contact_kind": "phone", "contact": "07700900123"}
    person = booking_requests.person_from_booking(stored)
    assert person == {"booking_name": "Sam", "booking_contact": {"kind": "phone", "value": "07700900123"}}
    values = booking_requests.start_values("reschedule", "move it, email me at new@x.io", person, NOW, AVAILABILITY)
    assert list(values) == ["booking_action", "booking_preference", "booking_name", "booking_contact"]
    assert values["booking_name"] == "Sam" and values["booking_contact"]["value"] == "new@x.io"


def test_a_doctor_comes_first_only_at_the_urgent_levels():
    assert booking_requests.needs_doctor_first(triage.EMERGENCY) and booking_requests.needs_doctor_first(
        triage.SAME_DAY
    )
    assert not booking_requests.needs_doctor_first(None) and not booking_requests.needs_doctor_first(triage.SELF_CARE)


def test_a_time_taken_meanwhile_offers_the_free_times_again():
    text, values = booking_requests.slot_taken("Tue 2 Mar, 09:00")
    assert "Tue 2 Mar, 09:00 has just been taken" in text
    assert values == {"booking_slot": None, "booking_confirmed": None, "booking_offered": None}


def test_the_taken_window_covers_every_offered_day():
    start, end = booking_requests.taken_window(NOW, AVAILABILITY)
    assert start < NOW and (end - NOW).days == AVAILABILITY.days_ahead + 2


def test_the_intake_stored_with_a_booking():
    saved = [{"summary": "old"}, {"summary": "knee: left"}]
    assert booking_requests.intake_text(saved, False, {}) == "knee: left"
    assert booking_requests.intake_text([{"summary": ""}], False, {}) == "Consultation saved (no details)."
    assert booking_requests.intake_text([], True, {"knee_side": "right"}) == "knee: right"
    none = booking_requests.intake_text([], False, {"knee_side": "right"})
    assert not booking_requests.has_intake({"intake_summary": none})
    assert booking_requests.has_intake({"intake_summary": "knee: right"})


def test_replies_around_a_booking_offer_the_next_step():
    booked = booking_requests.already_booked("Tue 2 Mar, 09:00", "Europe/London", "KB-1")
    assert "KB-1" in booked["text"] and [b["payload"] for b in booked["buttons"]] == [
        "/reschedule_booking",
        "/cancel_booking",
        "/deny",
    ]
    assert booking_requests.nothing_to_cancel()["buttons"][0]["payload"] == "/request_booking"
    cancelled = booking_requests.cancelled("Tue 2 Mar, 09:00", "KB-1", "Sam")
    assert "KB-1" in cancelled["text"] and "Sam can see that" in cancelled["text"]
    assert "Tue 2 Mar, 09:00" in booking_requests.moving("Tue 2 Mar, 09:00")
    assert booking_requests.invite_url("https://x.example", "t0k") == "https://x.example/invite/t0k.ics"


# --- handing over ---------------------------------------------------------------------------


def test_transcript_marks_who_said_what():
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "hi", "timestamp": 1_700_000_000},
        {"event": "bot", "text": "Hello!", "timestamp": 1_700_000_001},
        {"event": "bot", "text": "Trainer here", "metadata": {"from_trainer": True}},
        {"event": "bot", "text": None},
    ]
    lines = transcript_from_events(events)
    assert [(line["who"], line["text"]) for line in lines] == [
        ("person", "hi"),
        ("assistant", "Hello!"),
        ("trainer", "Trainer here"),
    ]
    assert lines[0]["at"].startswith("2023-11-14T22:13:20")


def test_consecutive_failures_count_only_the_latest_run():
    def user(intent):
        return {"event": "user", "parse_data": {"intent": {"name": intent}}}

    assert consecutive_failures([user("nlu_fallback"), user("greet"), user("nlu_fallback"), user("nlu_fallback")]) == 2
    assert consecutive_failures([user("nlu_fallback"), user("greet")]) == 0
    assert consecutive_failures([]) == 0


@pytest.mark.parametrize("reason", [ASKED_FOR_HUMAN, NOT_UNDERSTOOD, ESCALATION])
def test_handoff_message_is_honest_about_what_happens(reason):
    text = handoff_message("Sam", "within a working day", reason)
    assert "Sam" in text and "within a working day" in text and "reply to you here" in text and "999" in text
