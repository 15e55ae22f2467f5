"""Reading when people want a session, and which offered slot they pick.

(Over 300 lines: mostly the table of phrases and what they mean.)
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from booking.availability import Slot
from booking.offering import buttons, offer
from booking.time_phrases import Preference, choice_from_text, parse_preference

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)  # Monday 30 November 2026
TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
FRIDAY = datetime(2026, 12, 4, 16, 0, tzinfo=LONDON)
SUNDAY = datetime(2026, 12, 6, 11, 0, tzinfo=LONDON)


def d(month, day, year=2026) -> date:
    return date(year, month, day)


def parse(text, now=MONDAY) -> Preference:
    preference = parse_preference(text, now, LONDON)
    assert preference is not None, f"{text!r} should say something about time"
    return preference


# --- the phrases the brief lists, said on Monday 30 November at 09:00 ------------------

# (text, dates, part_of_day, at)
MONDAY_PHRASES = [
    ("tomorrow afternoon", {d(12, 1)}, "afternoon", None),
    ("next Tuesday at 10", {d(12, 1)}, None, time(10)),
    ("tues 10am", {d(12, 1)}, None, time(10)),
    ("any time Friday", {d(12, 4)}, None, None),
    ("friday anytime", {d(12, 4)}, None, None),
    ("this weekend", {d(12, 5), d(12, 6)}, None, None),
    ("monday morning", {d(12, 7)}, "morning", None),
    ("in the evening", None, "evening", None),
    ("at 2pm", None, None, time(14)),
    ("14:30", None, None, time(14, 30)),
    ("2 dec", {d(12, 2)}, None, None),
    ("December 3rd", {d(12, 3)}, None, None),
    ("the 5th", {d(12, 5)}, None, None),
    ("today", {d(11, 30)}, None, None),
    ("this week", {d(11, 30), d(12, 1), d(12, 2), d(12, 3), d(12, 4), d(12, 5), d(12, 6)}, None, None),
    ("next week", {d(12, 7), d(12, 8), d(12, 9), d(12, 10), d(12, 11), d(12, 12), d(12, 13)}, None, None),
    ("tomorow", {d(12, 1)}, None, None),
    ("tuesdy", {d(12, 1)}, None, None),
    ("afternon", None, "afternoon", None),
    ("tomorow afternon", {d(12, 1)}, "afternoon", None),
    ("thrusday mornin", {d(12, 3)}, "morning", None),
    ("wensday", {d(12, 2)}, None, None),
    ("at 10", None, None, time(10)),
    ("at 2", None, None, time(14)),
    ("at 3", None, None, time(15)),
    ("at 9", None, None, time(9)),
    ("at 12", None, None, time(12)),
    ("10:30", None, None, time(10, 30)),
    ("half past 2", None, None, time(14, 30)),
    ("at ten", None, None, time(10)),
    ("3 o'clock", None, None, time(15)),
    ("2.30pm", None, None, time(14, 30)),
    ("10 a.m.", None, None, time(10)),
    ("noon", None, None, time(12)),
    ("evening at 6", None, "evening", time(18)),
    ("tomorrow morning at 11", {d(12, 1)}, "morning", time(11)),
    ("friday 2", {d(12, 4)}, None, time(14)),
    ("Tuesday 8 December", {d(12, 8)}, None, None),
    ("8th of december", {d(12, 8)}, None, None),
    ("dec 8", {d(12, 8)}, None, None),
    ("3/12", {d(12, 3)}, None, None),
    ("2026-12-09", {d(12, 9)}, None, None),
    ("tuesday next week", {d(12, 8)}, None, None),
    ("next week thursday", {d(12, 10)}, None, None),
    ("tuesday or thursday", {d(12, 1), d(12, 3)}, None, None),
    ("tonight", {d(11, 30)}, "evening", None),
    ("tmrw pm", {d(12, 1)}, None, None),
    ("the day after tomorrow", {d(12, 2)}, None, None),
    ("first thing tomorrow", {d(12, 1)}, "morning", None),
    ("next weekend", {d(12, 12), d(12, 13)}, None, None),
    ("Could I come in on Wednesday afternoon please?", {d(12, 2)}, "afternoon", None),
    ("I'm free thursday after work", {d(12, 3)}, "evening", None),
]


@pytest.mark.parametrize("text, dates, part, at", MONDAY_PHRASES, ids=[p[0] for p in MONDAY_PHRASES])
def test_phrases_said_on_a_monday(text, dates, part, at):
    preference = parse(text)
    assert preference.dates == (frozenset(dates) if dates is not None else None)
    assert preference.part_of_day == part
    assert preference.at == at
    assert preference.description


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tomorrow afternoon", "tomorrow afternoon"),
        ("next Tuesday at 10", "Tuesday 1 December at 10:00"),
        ("monday morning", "Monday 7 December in the morning"),
        ("this afternoon", "this afternoon"),
        ("any time", "any time"),
        ("after 3", "after 15:00"),
        ("this weekend", "this weekend"),
        ("tonight", "tonight"),
        ("any day except monday", "any day except Monday"),
    ],
)
def test_descriptions_read_naturally(text, expected):
    assert parse(text).description == expected


# --- "next tuesday" and friends depend on the day they are said ---------------------------


@pytest.mark.parametrize(
    "now, text, expected",
    [
        (MONDAY, "next tuesday", d(12, 1)),  # the coming Tuesday: tomorrow
        (MONDAY, "tuesday", d(12, 1)),
        (TUESDAY, "next tuesday", d(12, 8)),  # said on a Tuesday: a week later
        (TUESDAY, "tuesday", d(12, 8)),
        (TUESDAY, "this tuesday", d(12, 1)),  # "this" on the day itself: today
        (TUESDAY, "today", d(12, 1)),
        (FRIDAY, "next tuesday", d(12, 8)),
        (FRIDAY, "monday", d(12, 7)),
        (FRIDAY, "friday", d(12, 11)),
        (SUNDAY, "next tuesday", d(12, 8)),
        (SUNDAY, "tomorrow", d(12, 7)),
        (SUNDAY, "saturday", d(12, 12)),
    ],
)
def test_weekday_rule(now, text, expected):
    assert parse(text, now).dates == {expected}


@pytest.mark.parametrize(
    "now, text, expected",
    [
        (FRIDAY, "this weekend", {d(12, 5), d(12, 6)}),
        (SUNDAY, "this weekend", {d(12, 6)}),  # only what is left of it
        (SUNDAY, "next weekend", {d(12, 12), d(12, 13)}),
        (FRIDAY, "this week", {d(12, 4), d(12, 5), d(12, 6)}),
        (SUNDAY, "this week", {d(12, 6)}),
        (SUNDAY, "next week", {d(12, 7), d(12, 8), d(12, 9), d(12, 10), d(12, 11), d(12, 12), d(12, 13)}),
        (SUNDAY, "the 5th", {d(1, 5, 2027)}),  # already past this month
        (FRIDAY, "2 dec", {d(12, 2, 2027)}),  # already past this year
        (FRIDAY, "the 4th", {d(12, 4)}),  # today still counts
        (SUNDAY, "the 31st", {d(12, 31)}),
        (datetime(2027, 1, 31, 9, tzinfo=LONDON), "the 30th", {d(3, 30, 2027)}),  # February has none
        (FRIDAY, "friday next week", {d(12, 11)}),
    ],
)
def test_relative_ranges_from_other_days(now, text, expected):
    assert parse(text, now).dates == frozenset(expected)


def test_today_is_the_trainers_local_date_not_utc():
    # 23:30 UTC on Monday 6 July is already Tuesday 00:30 in London (summer time).
    now = datetime(2026, 7, 6, 23, 30, tzinfo=timezone.utc)
    assert parse("today", now).dates == {date(2026, 7, 7)}
    assert parse("tomorrow", now).dates == {date(2026, 7, 8)}


def test_zone_may_be_given_by_name():
    assert parse_preference("tomorrow", MONDAY, "Europe/London").dates == {d(12, 1)}


# --- ranges, negations, flexibility --------------------------------------------------


def test_before_after_and_between_limit_start_times():
    after = parse("after 3")
    assert (after.earliest, after.latest, after.at) == (time(15), None, None)
    assert parse("before 11").latest == time(11)
    between = parse("between 2 and 4")
    assert (between.earliest, between.latest) == (time(14), time(16))
    assert (parse("2-4pm").earliest, parse("2-4pm").latest) == (time(14), time(16))
    assert (parse("from 10am to 12").earliest, parse("from 10am to 12").latest) == (time(10), time(12))
    assert between.matches(datetime(2026, 12, 1, 15, 30, tzinfo=LONDON))
    assert not between.matches(datetime(2026, 12, 1, 16, 0, tzinfo=LONDON))
    assert not after.matches(datetime(2026, 12, 1, 14, 15, tzinfo=LONDON))


def test_negated_days_and_parts_are_excluded():
    except_monday = parse("any day except monday")
    assert except_monday.dates and all(day.weekday() != 0 for day in except_monday.dates)
    assert d(12, 1) in except_monday.dates
    assert parse("I can't do monday, tuesday is fine").dates == {d(12, 1)}
    assert parse("not tomorrow").dates is not None and d(12, 1) not in parse("not tomorrow").dates
    not_mornings = parse("not mornings")
    assert not_mornings.earliest == time(12) and not_mornings.part_of_day is None
    assert parse("no evenings please").latest == time(17)


def test_flexible_answers_are_a_preference_without_limits():
    for text in ("any time", "anytime", "whenever", "I don't mind", "asap", "I'm flexible", "doesn't matter"):
        preference = parse(text)
        assert preference.is_flexible, text
        assert preference.matches(datetime(2026, 12, 3, 15, 30, tzinfo=LONDON))
    assert parse("I don't mind, friday is good").dates == {d(12, 4)}


def test_plural_weekdays_mean_every_one():
    tuesdays = parse("tuesdays")
    assert {day.weekday() for day in tuesdays.dates} == {1}
    assert {d(12, 1), d(12, 8), d(12, 15)} <= tuesdays.dates


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yes please",
        "I'd like to book a session",
        "my knee hurts when I run",
        "hi",
        "sam.jones@example.com",
        "07700 900123",
        "I'm 45",
        "I have 2 kids",
        "for 2 weeks",
        "no",
        "cancel my booking",
    ],
)
def test_text_without_time_gives_none(text):
    assert parse_preference(text, MONDAY, LONDON) is None


def test_matches_uses_part_of_day_boundaries_and_time_tolerance():
    morning, afternoon, evening = (
        Preference(part_of_day="morning"),
        Preference(part_of_day="afternoon"),
        Preference(part_of_day="evening"),
    )
    at = lambda h, m=0: datetime(2026, 12, 1, h, m, tzinfo=LONDON)  # noqa: E731
    assert morning.matches(at(11, 59)) and not morning.matches(at(12))
    assert afternoon.matches(at(12)) and afternoon.matches(at(16, 59)) and not afternoon.matches(at(17))
    assert evening.matches(at(17)) and not evening.matches(at(16, 45))
    ten = Preference(at=time(10))
    assert ten.matches(at(10)) and ten.matches(at(10, 15)) and ten.matches(at(9, 15))
    assert not ten.matches(at(11)) and not ten.matches(at(9))
    tuesday = Preference(dates=frozenset({d(12, 1)}))
    assert tuesday.matches(at(15)) and not tuesday.matches(datetime(2026, 12, 2, 15, tzinfo=LONDON))


# --- choosing among offered slots -------------------------------------------------------


def key(month, day, hour, minute=0) -> str:
    return Slot(
        datetime(2026, month, day, hour, minute, tzinfo=LONDON),
        datetime(2026, month, day, hour + 1, minute, tzinfo=LONDON),
    ).key


OFFERED = [key(12, 1, 9), key(12, 2, 10, 15), key(12, 3, 14, 15), key(12, 4, 13)]


def choose(text, offered=OFFERED):
    return choice_from_text(text, offered, zone=LONDON, now=MONDAY)


@pytest.mark.parametrize(
    "text, index",
    [
        ("2", 1),
        ("2.", 1),
        (" 3 ", 2),
        ("the second one", 1),
        ("second", 1),
        ("first", 0),
        ("First one please", 0),
        ("#3", 2),
        ("option 1", 0),
        ("Option 4 thanks", 3),
        ("number 2", 1),
        ("2nd", 1),
        ("the 3rd one", 2),
        ("I'll take the second one", 1),
        ("last one", 3),
        ("the last", 3),
        ("two", 1),
        ("tues 9am", 0),
        ("wednesday 10", 1),
        ("Wednesday at 10:15", 1),
        ("thursday 2", 2),
        ("the friday one", 3),
        ("friday please", 3),
        ("tomorrow", 0),
        ("3 dec", 2),
        ("Wed 2 Dec, 10:15", 1),
        ("wed 2 dec 10:15", 1),
    ],
)
def test_choice_from_text_picks_one_offered_slot(text, index):
    assert choose(text) == OFFERED[index]


def test_choice_from_text_accepts_the_key_and_the_button_payload():
    assert choose(OFFERED[2]) == OFFERED[2]
    for number, button in enumerate(buttons(offer([Slot.from_key(k, 60) for k in OFFERED], LONDON)), start=0):
        assert choose(button["payload"]) == OFFERED[number]
    payload = "/inform_booking_details" + json.dumps({"slot_choice": OFFERED[3]})
    assert choose(payload) == OFFERED[3]


@pytest.mark.parametrize(
    "text",
    [
        "5",  # only four offered
        "0",
        "option 9",
        "none of those",
        "not the first one",
        "neither",
        "the afternoon one",  # two afternoon slots: ambiguous
        "monday",  # none offered on Monday
        "hello",
        "yes",
        "",
        "can I do saturday instead",
    ],
)
def test_choice_from_text_returns_none_when_nothing_or_several_fit(text):
    assert choose(text) is None


def test_a_weekday_matches_an_offered_day_further_ahead():
    offered = [key(12, 8, 9), key(12, 10, 13)]  # Tue 8 and Thu 10 Dec; "tuesday" alone means 1 Dec
    assert choose("tuesday", offered) == offered[0]
    assert choose("thursday afternoon", offered) == offered[1]


def test_an_exact_time_wins_over_a_nearby_one():
    offered = [key(12, 1, 10), key(12, 1, 10, 15)]
    assert choose("tuesday 10", offered) == offered[0]
    assert choose("tuesday 10:15", offered) == offered[1]


def test_choice_without_zone_defaults_to_the_trainers_default_zone():
    assert choice_from_text("wednesday 10:15", OFFERED, now=MONDAY) == OFFERED[1]
    assert choice_from_text("2", OFFERED) == OFFERED[1]
    assert choice_from_text("2", []) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sat morning", {d(12, 5)}),
        ("sat?", {d(12, 5)}),
        ("how about wed", {d(12, 2)}),
        ("mon or tue", {d(12, 7), d(12, 1)}),
        ("sun 10", {d(12, 6)}),
    ],
)
def test_short_day_names_that_are_also_words_count_as_days_in_context(text, expected):
    assert parse(text).dates == frozenset(expected)


@pytest.mark.parametrize("text", ["the sun is shining", "I sat down", "we got wed last year"])
def test_short_day_names_used_as_words_are_not_days(text):
    preference = parse_preference(text, MONDAY, LONDON)
    assert preference is None or preference.dates is None


def test_after_lunch_is_the_afternoon_and_lunchtime_is_noon():
    assert parse("tomorrow works, after lunch").part_of_day == "afternoon"
    assert parse("tomorrow works, after lunch").at is None
    assert parse("lunchtime friday").at == time(12)


def test_next_month_is_every_day_of_it():
    assert parse("next month").dates == frozenset(date(2026, 12, day) for day in range(1, 32))
