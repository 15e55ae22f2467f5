"""The trainer's availability file and the free slots it produces."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from booking.availability import (
    Availability,
    AvailabilityError,
    Slot,
    availability_from_dict,
    free_slots,
    is_bookable,
    load_availability,
)
from booking.time_phrases import parse_preference

LONDON = ZoneInfo("Europe/London")
SHIPPED = Path(__file__).resolve().parents[1] / "booking" / "availability.yml"
WEEKDAY_HOURS = ("09:00-12:00", "13:00-17:00")
MONDAY_9AM = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)


def trainer(**overrides) -> Availability:
    config = {
        "time_zone": "Europe/London",
        "session_minutes": 60,
        "buffer_minutes": 15,
        "days_ahead": 21,
        "min_notice_hours": 12,
        "weekly_hours": {
            "monday": list(WEEKDAY_HOURS),
            "tuesday": list(WEEKDAY_HOURS),
            "wednesday": list(WEEKDAY_HOURS),
            "thursday": list(WEEKDAY_HOURS),
            "friday": list(WEEKDAY_HOURS),
            "saturday": ["09:00-12:00"],
            "sunday": [],
        },
        "blocked_dates": [],
    }
    config.update(overrides)
    return availability_from_dict(config)


def local(slot: Slot, zone=LONDON) -> datetime:
    return slot.start.astimezone(zone)


def london(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def on_day(slots, day: date):
    return [f"{local(s):%H:%M}" for s in slots if local(s).date() == day]


# --- the file ---------------------------------------------------------------------


def test_shipped_file_loads_with_the_documented_defaults():
    availability = load_availability(SHIPPED)
    assert availability.time_zone == "Europe/London"
    assert availability.zone == LONDON
    assert (availability.session_minutes, availability.buffer_minutes) == (60, 15)
    assert (availability.days_ahead, availability.min_notice_hours) == (21, 12)
    assert availability.weekly_hours[0] == ((time(9), time(12)), (time(13), time(17)))
    assert availability.weekly_hours[5] == ((time(9), time(12)),)
    assert availability.weekly_hours[6] == ()
    assert availability.blocked_dates == frozenset()


def test_an_empty_file_means_all_defaults(tmp_path):
    path = tmp_path / "availability.yml"
    path.write_text("# nothing set\n", encoding="utf-8")
    assert load_availability(path) == load_availability(SHIPPED)


def test_blocked_dates_quoted_or_not(tmp_path):
    path = tmp_path / "availability.yml"
    path.write_text("blocked_dates:\n  - 2026-12-25\n  - '2026-12-26'\n", encoding="utf-8")
    assert load_availability(path).blocked_dates == {date(2026, 12, 25), date(2026, 12, 26)}


@pytest.mark.parametrize(
    "yaml_text, named",
    [
        ("time_zone: Europe/Londn\n", "time_zone"),
        ("session_minutes: sixty\n", "session_minutes"),
        ("session_minutes: 0\n", "session_minutes"),
        ("buffer_minutes: -5\n", "buffer_minutes"),
        ("days_ahead: 0\n", "days_ahead"),
        ("min_notice_hours: soon\n", "min_notice_hours"),
        ("buffer_minute: 10\n", "buffer_minute"),  # typo of a key
        ("weekly_hours:\n  mondy: ['09:00-12:00']\n", "mondy"),
        ("weekly_hours:\n  monday: ['9-12']\n", "9-12"),
        ("weekly_hours:\n  monday: ['12:00-09:00']\n", "12:00-09:00"),
        ("weekly_hours:\n  monday: ['09:00-09:30']\n", "09:00-09:30"),  # shorter than a session
        ("weekly_hours:\n  monday: ['25:00-26:00']\n", "25:00-26:00"),
        ("weekly_hours:\n  monday: ['09:00-12:00', '11:00-14:00']\n", "overlap"),
        ("weekly_hours: 9-5\n", "weekly_hours"),
        ("blocked_dates:\n  - 2026-02-30\n", "2026-02-30"),
        ("blocked_dates:\n  - christmas\n", "christmas"),
        ("blocked_dates: 2026-12-25\n", "blocked_dates"),
        ("- just\n- a list\n", "mapping"),
        ("time_zone: [unclosed\n", "YAML"),
    ],
)
def test_bad_values_are_refused_naming_the_key_or_value(tmp_path, yaml_text, named):
    path = tmp_path / "availability.yml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(AvailabilityError) as error:
        load_availability(path)
    assert named in str(error.value)


def test_missing_file_is_an_availability_error(tmp_path):
    with pytest.raises(AvailabilityError, match="cannot read"):
        load_availability(tmp_path / "nope.yml")


# --- slots ---------------------------------------------------------------------


def test_slots_sit_on_a_session_plus_buffer_grid_from_each_window_start():
    slots = free_slots(trainer(), [], MONDAY_9AM)
    # 75-minute steps: 09:00, 10:15 (11:30 would end after 12:00); 13:00, 14:15, 15:30.
    assert on_day(slots, date(2026, 12, 1)) == ["09:00", "10:15", "13:00", "14:15", "15:30"]
    assert on_day(slots, date(2026, 12, 5)) == ["09:00", "10:15"]  # Saturday mornings only
    assert on_day(slots, date(2026, 12, 6)) == []  # Sunday off
    assert all(s.end - s.start == timedelta(minutes=60) for s in slots)
    assert slots == sorted(slots)


def test_a_window_ending_at_24_00_allows_a_session_ending_at_midnight():
    availability = trainer(weekly_hours={"tuesday": ["22:00-24:00"]}, buffer_minutes=0)
    assert on_day(free_slots(availability, [], MONDAY_9AM), date(2026, 12, 1)) == ["22:00", "23:00"]


def test_minimum_notice_hides_slots_too_soon_and_keeps_one_exactly_at_the_limit():
    availability = trainer()
    # Monday 09:00 + 12 h = 21:00: nothing left on Monday.
    assert free_slots(availability, [], MONDAY_9AM)[0].start == london(2026, 12, 1, 9)
    # Monday 01:00 + 12 h = 13:00: the 13:00 slot is exactly at the limit and allowed.
    first = free_slots(availability, [], london(2026, 11, 30, 1))[0]
    assert local(first) == london(2026, 11, 30, 13)
    first = free_slots(availability, [], london(2026, 11, 30, 1, 1))[0]
    assert local(first) == london(2026, 11, 30, 14, 15)


def test_horizon_is_days_ahead_from_todays_local_date():
    slots = free_slots(trainer(days_ahead=21), [], MONDAY_9AM)
    assert max(local(s).date() for s in slots) == date(2026, 12, 21)  # 30 Nov + 21 days (a Monday)
    assert on_day(slots, date(2026, 12, 21)) == ["09:00", "10:15", "13:00", "14:15", "15:30"]
    short = free_slots(trainer(days_ahead=1), [], MONDAY_9AM)
    assert {local(s).date() for s in short} == {date(2026, 12, 1)}


def test_blocked_dates_have_no_slots():
    slots = free_slots(trainer(blocked_dates=["2026-12-02", "2026-12-25"]), [], MONDAY_9AM)
    assert on_day(slots, date(2026, 12, 2)) == []
    assert on_day(slots, date(2026, 12, 3)) != []


def test_taken_bookings_and_their_buffer_remove_slots_on_both_sides():
    availability = trainer()
    day = date(2026, 12, 1)

    def free_with(*intervals):
        taken = [(london(2026, 12, 1, *a), london(2026, 12, 1, *b)) for a, b in intervals]
        return on_day(free_slots(availability, taken, MONDAY_9AM), day)

    assert free_with(((10, 15), (11, 15))) == ["09:00", "13:00", "14:15", "15:30"]
    # An off-grid booking 09:30-10:30 overlaps 09:00, and its buffer runs to 10:45, past 10:15.
    assert free_with(((9, 30), (10, 30))) == ["13:00", "14:15", "15:30"]
    # A booking ending 08:45 leaves exactly the 15-minute buffer before 09:00 ...
    assert free_with(((7, 45), (8, 45)))[0] == "09:00"
    # ... one ending 08:50 does not.
    assert free_with(((7, 50), (8, 50)))[0] == "10:15"
    # The 10:15 session ends 11:15: a booking from 11:30 leaves the full buffer, one from 11:25 does not.
    assert "10:15" in free_with(((11, 30), (12, 0)))
    assert "10:15" not in free_with(((11, 25), (12, 0)))


def test_clocks_going_back_keep_wall_clock_hours_and_real_durations():
    # Europe/London leaves summer time on Sunday 2026-10-25.
    availability = trainer(weekly_hours={"saturday": ["09:00-12:00"], "monday": ["09:00-12:00"]})
    slots = free_slots(availability, [], london(2026, 10, 22, 9))
    saturday = [s for s in slots if local(s).date() == date(2026, 10, 24)]
    monday = [s for s in slots if local(s).date() == date(2026, 10, 26)]
    assert saturday[0].start == datetime(2026, 10, 24, 8, 0, tzinfo=timezone.utc)  # 09:00 BST
    assert monday[0].start == datetime(2026, 10, 26, 9, 0, tzinfo=timezone.utc)  # 09:00 GMT
    assert [f"{local(s):%H:%M}" for s in saturday] == [f"{local(s):%H:%M}" for s in monday] == ["09:00", "10:15"]


def test_the_repeated_hour_when_clocks_go_back_is_offered_once():
    # 01:00-02:00 happens twice on 2026-10-25; a slot there is its first occurrence only.
    availability = trainer(
        weekly_hours={"sunday": ["00:30-03:00"]}, session_minutes=30, buffer_minutes=0, min_notice_hours=0
    )
    slots = [s for s in free_slots(availability, [], london(2026, 10, 24, 9)) if local(s).date() == date(2026, 10, 25)]
    assert [f"{local(s):%H:%M}" for s in slots] == ["00:30", "01:00", "01:30", "02:00", "02:30"]
    assert slots[1].start == datetime(2026, 10, 25, 0, 0, tzinfo=timezone.utc)  # 01:00 BST, the first one
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    assert len({s.start for s in slots}) == len(slots)


def test_times_that_do_not_exist_when_clocks_go_forward_are_skipped():
    # 2027-03-28: Europe/London jumps from 01:00 GMT to 02:00 BST.
    availability = trainer(
        weekly_hours={"sunday": ["00:00-03:00"]}, session_minutes=30, buffer_minutes=0, min_notice_hours=0
    )
    slots = [s for s in free_slots(availability, [], london(2027, 3, 27, 9)) if local(s).date() == date(2027, 3, 28)]
    assert [f"{local(s):%H:%M}" for s in slots] == ["00:00", "00:30", "02:00", "02:30"]
    assert [s.start.strftime("%H:%M") for s in slots] == ["00:00", "00:30", "01:00", "01:30"]  # UTC


def test_a_trainer_in_another_zone_gets_slots_in_their_own_wall_clock():
    availability = trainer(time_zone="America/New_York")
    slots = free_slots(availability, [], datetime(2026, 11, 30, 12, tzinfo=timezone.utc))
    first = slots[0]
    assert first.start == datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)  # 09:00 EST
    assert first.label(availability.zone) == "Tue 1 Dec, 09:00"


def test_preference_and_limit_filter_slots():
    availability = trainer()
    preference = parse_preference("tomorrow afternoon", MONDAY_9AM, LONDON)
    slots = free_slots(availability, [], MONDAY_9AM, preference=preference)
    assert [f"{local(s):%a %H:%M}" for s in slots] == ["Tue 13:00", "Tue 14:15", "Tue 15:30"]
    assert len(free_slots(availability, [], MONDAY_9AM, limit=3)) == 3
    at_ten = free_slots(availability, [], MONDAY_9AM, parse_preference("tues 10am", MONDAY_9AM, LONDON))
    assert [f"{local(s):%a %d %H:%M}" for s in at_ten] == ["Tue 01 10:15"]  # the nearest grid slot


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        free_slots(trainer(), [], datetime(2026, 11, 30, 9))


# --- Slot -------------------------------------------------------------------------


def test_slot_key_label_and_round_trip():
    slot = Slot(london(2026, 12, 2, 10), london(2026, 12, 2, 11))
    assert slot.key == "2026-12-02T10:00:00+00:00"
    assert slot.label(LONDON) == "Wed 2 Dec, 10:00"
    assert Slot.from_key(slot.key, 60) == slot
    assert Slot.from_key("2026-12-02T10:00:00Z", 60) == slot
    summer = Slot(london(2026, 7, 7, 9), london(2026, 7, 7, 10))
    assert summer.key == "2026-07-07T08:00:00+00:00"
    assert summer.label(LONDON) == "Tue 7 Jul, 09:00"
    assert Slot.from_key(summer.key, 60).label(LONDON) == "Tue 7 Jul, 09:00"


@pytest.mark.parametrize("bad", ["", "tomorrow", "2026-12-02T10:00:00", "2026-13-02T10:00:00+00:00"])
def test_bad_slot_keys_raise_value_error(bad):
    with pytest.raises(ValueError):
        Slot.from_key(bad, 60)


def test_slots_compare_by_instant_whatever_zone_they_were_made_in():
    a = Slot(london(2026, 7, 7, 9), london(2026, 7, 7, 10))
    b = Slot(datetime(2026, 7, 7, 8, tzinfo=timezone.utc), datetime(2026, 7, 7, 9, tzinfo=timezone.utc))
    assert a == b and hash(a) == hash(b) and a.start.tzinfo == timezone.utc
    with pytest.raises(ValueError):
        Slot(datetime(2026, 7, 7, 8), datetime(2026, 7, 7, 9))


# --- is_bookable -------------------------------------------------------------------------


def test_is_bookable_rechecks_everything_at_confirmation_time():
    availability = trainer(blocked_dates=["2026-12-03"])
    slot = Slot(london(2026, 12, 2, 10, 15), london(2026, 12, 2, 11, 15))
    assert is_bookable(availability, slot, [], MONDAY_9AM)
    assert not is_bookable(availability, slot, [(london(2026, 12, 2, 10, 15), london(2026, 12, 2, 11, 15))], MONDAY_9AM)
    assert not is_bookable(availability, slot, [], london(2026, 12, 2, 0))  # now too close
    assert not is_bookable(availability, Slot(london(2026, 12, 2, 10), london(2026, 12, 2, 11)), [], MONDAY_9AM)
    assert not is_bookable(availability, Slot(london(2026, 12, 2, 9), london(2026, 12, 2, 9, 45)), [], MONDAY_9AM)
    assert not is_bookable(availability, Slot(london(2026, 12, 3, 9), london(2026, 12, 3, 10)), [], MONDAY_9AM)
    assert not is_bookable(availability, Slot(london(2026, 12, 22, 9), london(2026, 12, 22, 10)), [], MONDAY_9AM)
    assert not is_bookable(availability, Slot(london(2026, 12, 6, 9), london(2026, 12, 6, 10)), [], MONDAY_9AM)
    every = free_slots(availability, [], MONDAY_9AM)
    assert all(is_bookable(availability, s, [], MONDAY_9AM) for s in every)
