"""Reading when someone wants a session, the way people type it: the public entry.

`parse_preference` turns "tomorow afternoon", "tues 10am", "any time Friday",
"the 5th", "next week" ... into a `Preference` that filters slots;
`choice_from_text` maps a reply to the offered slots ("2", "the second one",
"tuesday 10", a button payload) to one slot key.

The work is done in two steps: `time_words` reads the words into tokens
(typos corrected, negations noted), and `time_resolver` turns the tokens into
days and times from today's date in the trainer's time zone (its docstring
has the rules). In short:

* Dates without a year ("2 dec", "December 3rd", "3/12", "the 5th") mean the
  next time that date comes round, today included; numeric dates are day/month.
* Times: "10am", "2:30pm", "14:30", "at 10", "10 o'clock", "noon", "half two".
  "after 3" and "before 11" limit the start time instead of fixing it. A stated
  time matches slots starting within AT_TOLERANCE of it.
* Part of day by start time: morning before 12:00, afternoon 12:00-17:00,
  evening from 17:00.
* Mentions after "not", "can't", "except" ... are excluded ("any day except
  Monday"); "any time", "whenever", "don't mind" say the person is flexible.

Nothing here raises on odd input: text that says nothing about time gives None.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import List, Optional, Sequence, Tuple, Union

from booking.slot_types import Preference, Slot
from booking.time_resolver import local_today, named_weekdays, resolve
from booking.time_vocabulary import NEGATION, NOT_A_NEGATION, normalise
from booking.time_words import read_time_words
from common.clock import DEFAULT_ZONE, utc_now, zone_or_utc
from language.numbers import number_value


def parse_preference(text: str, now: datetime, zone: Union[tzinfo, str]) -> Optional[Preference]:
    """What the text says about when, or None when it says nothing about time."""
    if not text or not text.strip():
        return None
    return resolve(read_time_words(normalise(text)), local_today(now, zone))


def choice_from_text(
    text: str,
    offered_keys: Sequence[str],
    *,
    zone: Union[tzinfo, str, None] = None,
    now: Optional[datetime] = None,
) -> Optional[str]:
    """The offered slot key a reply picks, or None when it picks none or is ambiguous.

    Understands a payload or key, "2", "#3", "option 1", "the second one",
    "last", the slot's label, or a phrase that fits exactly one offered slot
    ("tuesday 10", "the afternoon one"). zone is the trainer's zone (default
    Europe/London), used to read phrases and labels; now defaults to the clock.
    """
    if not text or not offered_keys:
        return None
    keys = list(offered_keys)
    stripped = text.strip()
    if stripped in keys:
        return stripped
    in_text = [key for key in keys if key in text]  # e.g. a /choose_slot{...} payload sent as text
    if len(in_text) == 1:
        return in_text[0]

    normal = normalise(text)
    if NEGATION.search(NOT_A_NEGATION.sub(" ", normal)) or re.search(r"\b(none|neither|nope)\b", normal):
        return None  # "none of those", "not the first one"

    number = _choice_number(normal, len(keys))
    if number is not None:
        return keys[number - 1]

    zone = zone if isinstance(zone, tzinfo) else zone_or_utc(zone or DEFAULT_ZONE)[0]
    slots = _slots_of(keys)
    by_label = [key for key, slot in slots if _squash(slot.label(zone)) == _squash(text)]
    if len(by_label) == 1:
        return by_label[0]
    return _slot_fitting_phrase(normal, slots, zone, now if now is not None else utc_now())


def _slots_of(keys: List[str]) -> List[Tuple[str, Slot]]:
    slots = []
    for key in keys:
        try:
            slots.append((key, Slot.from_key(key, 60)))  # only the start matters here
        except ValueError:
            continue
    return slots


def _slot_fitting_phrase(normal: str, slots: List[Tuple[str, Slot]], zone: tzinfo, now: datetime) -> Optional[str]:
    """The one offered slot a phrase like "tuesday 10" or "the afternoon one" fits, if exactly one does."""
    today = local_today(now, zone)
    words = read_time_words(normal)
    preference = resolve(words, today)
    if preference is None or preference.is_flexible:
        return None
    candidates = [(key, slot.start.astimezone(zone)) for key, slot in slots]
    fitting = [(key, local) for key, local in candidates if preference.matches(local)]
    if not fitting:
        # "tuesday 10" names a weekday: match it on any offered Tuesday, not only the coming one.
        weekdays = named_weekdays(words, today)
        if weekdays and preference.dates is not None:
            by_weekday = Preference(
                None, preference.part_of_day, preference.at, "", preference.earliest, preference.latest
            )
            fitting = [
                (key, local) for key, local in candidates if local.weekday() in weekdays and by_weekday.matches(local)
            ]
    if len(fitting) > 1 and preference.at is not None:
        exact = [(key, local) for key, local in fitting if local.time().replace(tzinfo=None) == preference.at]
        fitting = exact or fitting
    return fitting[0][0] if len(fitting) == 1 else None


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# --- choosing by number ------------------------------------------------------------

_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "seventh": 7,
    "7th": 7,
    "eighth": 8,
    "8th": 8,
}
_CHOICE_FILLER = {
    "the",
    "one",
    "option",
    "options",
    "number",
    "no",
    "num",
    "choice",
    "slot",
    "please",
    "pls",
    "plz",
    "thanks",
    "thank",
    "you",
    "ta",
    "ok",
    "okay",
    "i'll",
    "ill",
    "i",
    "will",
    "take",
    "i'd",
    "id",
    "like",
    "want",
    "go",
    "with",
    "for",
    "lets",
    "let's",
    "do",
    "book",
    "me",
    "that",
    "is",
    "fine",
    "good",
    "works",
    "perfect",
    "great",
    "yes",
    "yeah",
    "yep",
    "sure",
    "sounds",
    "a",
    "it",
    "then",
    "have",
    "prefer",
    "pick",
    "choose",
    "select",
}


def _choice_number(normal: str, count: int) -> Optional[int]:
    """1-based choice from "2", "#3", "option 1", "the second one", "last"; None if not that kind of reply."""
    # normalise() split "2nd" into "2 nd"; join it back for this purpose.
    text = re.sub(r"\b(\d{1,2}) (st|nd|rd|th)\b", r"\1\2", normal)
    explicit = re.search(r"(?:#|\b(?:option|number|no\.?|choice|slot)\s*#?)\s*(\d{1,2})\b", text)
    if explicit:
        return _in_range(int(explicit[1]), count)
    words = [w for w in re.findall(r"[a-z0-9#']+", text) if w not in _CHOICE_FILLER]
    words = [w.lstrip("#") for w in words if w.lstrip("#")]
    if len(words) == 1:
        word = words[0]
        if word.isdigit():
            return _in_range(int(word), count)
        if word in _ORDINALS:
            return _in_range(_ORDINALS[word], count)
        if word in ("last", "latest", "final"):
            return count
        value = number_value(word)  # "two"
        if value is not None:
            return _in_range(value, count)
    ordinal = re.search(r"\b(first|second|third|fourth|fifth|sixth|last)\s+(one|option|slot|choice|time)\b", text)
    if ordinal:
        return count if ordinal[1] == "last" else _in_range(_ORDINALS[ordinal[1]], count)
    return None


def _in_range(number: int, count: int) -> Optional[int]:
    return number if 1 <= number <= count else None
