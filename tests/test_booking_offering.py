"""Offering a few slots: spread over days, numbered, and as Rasa buttons."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from booking.availability import availability_from_dict, free_slots
from booking.offering import buttons, numbered_text, offer
from booking.time_phrases import parse_preference

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
TRAINER = availability_from_dict({})  # the documented defaults


def test_choices_are_spread_over_different_days():
    choices = offer(free_slots(TRAINER, [], MONDAY), LONDON)
    assert [c["label"] for c in choices] == [
        "Tue 1 Dec, 09:00",
        "Wed 2 Dec, 09:00",
        "Thu 3 Dec, 09:00",
        "Fri 4 Dec, 09:00",
    ]
    assert [c["number"] for c in choices] == [1, 2, 3, 4]
    assert choices[0]["key"] == "2026-12-01T09:00:00+00:00"


def test_on_a_single_day_the_choices_are_spread_across_it():
    preference = parse_preference("tomorrow", MONDAY, LONDON)
    slots = free_slots(TRAINER, [], MONDAY, preference)  # 09:00 10:15 13:00 14:15 15:30
    labels = [c["label"] for c in offer(slots, LONDON, max_choices=2)]
    assert labels == ["Tue 1 Dec, 09:00", "Tue 1 Dec, 15:30"]  # first and furthest, not 09:00 and 10:15
    labels = [c["label"] for c in offer(slots, LONDON, max_choices=3)]
    assert labels == ["Tue 1 Dec, 09:00", "Tue 1 Dec, 13:00", "Tue 1 Dec, 15:30"]


def test_two_days_fill_up_in_turns_and_stay_in_time_order():
    preference = parse_preference("tuesday or wednesday", MONDAY, LONDON)
    choices = offer(free_slots(TRAINER, [], MONDAY, preference), LONDON, max_choices=4)
    assert [c["label"] for c in choices] == [
        "Tue 1 Dec, 09:00",
        "Tue 1 Dec, 15:30",
        "Wed 2 Dec, 09:00",
        "Wed 2 Dec, 15:30",
    ]


def test_fewer_slots_than_choices_and_none_at_all():
    slots = free_slots(TRAINER, [], MONDAY)[:2]
    assert len(offer(slots, LONDON, max_choices=4)) == 2
    assert offer([], LONDON) == []
    assert offer(slots, LONDON, max_choices=0) == []


def test_numbered_text_and_buttons():
    choices = offer(free_slots(TRAINER, [], MONDAY), LONDON, max_choices=2)
    assert numbered_text(choices) == "1. Tue 1 Dec, 09:00\n2. Wed 2 Dec, 09:00"
    made = buttons(choices)
    assert made[0] == {
        "title": "Tue 1 Dec, 09:00",
        "payload": '/inform_booking_details{"slot_choice": "2026-12-01T09:00:00+00:00"}',
    }
    for button, choice in zip(made, choices):
        intent, entities = button["payload"].split("{", 1)
        assert intent == "/inform_booking_details" and json.loads("{" + entities) == {"slot_choice": choice["key"]}
