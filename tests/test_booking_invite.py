"""The calendar invite is valid RFC 5545 and says what it should."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict, List, Tuple

import pytest

from booking.invite import calendar_invite, escape_text, fold_line

UTC = timezone.utc
STAMP = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def a_booking(**overrides) -> Dict:
    booking = {
        "id": 7,
        "reference": "KB-7F3A9C",
        "conversation_id": "conv-1",
        "channel": "rest",
        "starts_at": datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 2, 11, 0, tzinfo=UTC),
        "time_zone": "Europe/London",
        "name": "Ade O'Neill",
        "contact": "ade@example.com",
        "contact_kind": "email",
        "status": "confirmed",
        "intake_summary": "Right knee, stairs; stiff ankle (knee-to-wall 6 cm)",
        "sequence": 0,
    }
    booking.update(overrides)
    return booking


# A deliberately small reader, written from RFC 5545 sections 3.1 and 3.3.11.
def unfold(ics: str) -> List[str]:
    assert ics.endswith("\r\n")
    physical = ics[:-2].split("\r\n")
    lines: List[str] = []
    for line in physical:
        if line.startswith((" ", "\t")):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append({"n": "\n", "N": "\n"}.get(value[i + 1], value[i + 1]))
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def parse(ics: str) -> Tuple[Dict[str, str], Dict[str, str], List[str]]:
    """(calendar properties, event properties, BEGIN/END structure)."""
    calendar: Dict[str, str] = {}
    event: Dict[str, str] = {}
    structure: List[str] = []
    target = calendar
    for line in unfold(ics):
        name_and_params, _, value = line.partition(":")
        name = name_and_params.split(";")[0]
        if name in ("BEGIN", "END"):
            structure.append(f"{name}:{value}")
            target = event if (name, value) == ("BEGIN", "VEVENT") else calendar
            continue
        assert name.isupper() and value != "", line
        target[name] = value if name != "ORGANIZER" else line
    return calendar, event, structure


def test_invite_parses_back_with_the_booking_details():
    ics = calendar_invite(a_booking(), "Alex Trainer", now=STAMP)
    calendar, event, structure = parse(ics)
    assert structure == ["BEGIN:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", "END:VCALENDAR"]
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"] and calendar["METHOD"] == "PUBLISH"
    assert event["UID"] == "kb-7f3a9c@bookings.knee-pain-assistant"
    assert event["DTSTAMP"] == "20261130T090000Z"
    assert event["DTSTART"] == "20261202T100000Z" and event["DTEND"] == "20261202T110000Z"
    assert unescape(event["SUMMARY"]) == "Movement session with Alex Trainer"
    assert event["STATUS"] == "CONFIRMED" and event["SEQUENCE"] == "0"
    description = unescape(event["DESCRIPTION"])
    assert "KB-7F3A9C" in description and "cancel my booking" in description and "Ade O'Neill" in description
    assert "knee-to-wall" not in description  # health details stay out of calendars


def test_lines_end_in_crlf_and_are_folded_at_75_octets():
    long_place = "Studio 4, Unit 12; The Old Mill, Riverside Road, Little Haddington — Ground floor, ring twice ☎"
    ics = calendar_invite(
        a_booking(name="Zoë Ångström-Ødegård " * 4), "Ünïcödé Trainer", location=long_place, now=STAMP
    )
    assert "\n" not in ics.replace("\r\n", "")
    physical = ics.split("\r\n")[:-1]
    assert max(len(line.encode("utf-8")) for line in physical) <= 75
    assert any(line.startswith(" ") for line in physical)  # something was folded
    ics.encode("utf-8").decode("utf-8")  # folding never split a multi-byte character
    _, event, _ = parse(ics)
    assert unescape(event["LOCATION"]) == long_place


def test_text_is_escaped_and_unescapes_to_the_original():
    tricky = 'Back room; use side door, then\nsecond floor\\left "B"'
    assert escape_text(tricky) == 'Back room\\; use side door\\, then\\nsecond floor\\\\left "B"'
    _, event, _ = parse(calendar_invite(a_booking(), "Alex, CSCS; Level 4", location=tricky, now=STAMP))
    assert unescape(event["LOCATION"]) == tricky
    assert unescape(event["SUMMARY"]) == "Movement session with Alex, CSCS; Level 4"


def test_organizer_is_added_when_given():
    ics = calendar_invite(a_booking(), "Alex, Trainer", organizer_email="alex@example.com", now=STAMP)
    _, event, _ = parse(ics)
    assert event["ORGANIZER"] == 'ORGANIZER;CN="Alex, Trainer":mailto:alex@example.com'


def test_rescheduled_keeps_uid_and_raises_sequence_cancelled_is_cancelled():
    first = parse(calendar_invite(a_booking(), "Alex", now=STAMP))[1]
    moved = parse(
        calendar_invite(
            a_booking(
                sequence=1,
                starts_at=datetime(2026, 12, 3, 14, tzinfo=UTC),
                ends_at=datetime(2026, 12, 3, 15, tzinfo=UTC),
            ),
            "Alex",
            now=STAMP,
        )
    )[1]
    assert moved["UID"] == first["UID"] and moved["SEQUENCE"] == "1" and moved["DTSTART"] == "20261203T140000Z"
    calendar, cancelled, _ = parse(
        calendar_invite(a_booking(status="cancelled"), "Alex", "alex@example.com", now=STAMP)
    )
    assert calendar["METHOD"] == "CANCEL" and cancelled["STATUS"] == "CANCELLED"
    calendar, cancelled, _ = parse(calendar_invite(a_booking(status="cancelled"), "Alex", now=STAMP))
    assert calendar["METHOD"] == "PUBLISH" and cancelled["STATUS"] == "CANCELLED"  # CANCEL needs an organizer


def test_times_in_other_zones_are_written_in_utc():
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    summer = a_booking(
        starts_at=datetime(2026, 7, 7, 9, tzinfo=london), ends_at=datetime(2026, 7, 7, 10, tzinfo=london)
    )
    _, event, _ = parse(calendar_invite(summer, "Alex", now=STAMP))
    assert (event["DTSTART"], event["DTEND"]) == ("20260707T080000Z", "20260707T090000Z")
    with pytest.raises(ValueError):
        calendar_invite(a_booking(starts_at=datetime(2026, 7, 7, 9)), "Alex")


@pytest.mark.parametrize("length", [0, 1, 74, 75, 76, 150, 151, 400])
def test_fold_line_lengths(length):
    line = "X" * length
    folded = fold_line(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert pieces[0] + "".join(piece[1:] for piece in pieces[1:]) == line
