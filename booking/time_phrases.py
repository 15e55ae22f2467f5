"""Reading when someone wants a session, the way people type it.

`parse_preference` turns "tomorow afternoon", "tues 10am", "any time Friday",
"the 5th", "next week" ... into a `Preference` that filters slots;
`choice_from_text` maps a reply to the offered slots ("2", "the second one",
"tuesday 10", a button payload) to one slot key.

Rules, in the trainer's time zone:

* Weekdays: "tuesday", "on tuesday" and "next tuesday" mean the coming Tuesday,
  strictly after today, so on a Tuesday they mean a week later (someone who
  means today says "today"); "this tuesday" said on a Tuesday means today.
  "tuesday next week" / "next week tuesday" is the Tuesday of next week
  (weeks run Monday to Sunday). "tuesdays" (plural) means every Tuesday.
* "this weekend" / "the weekend": the coming Saturday and Sunday (today
  included when today is one of them); "next weekend": the one after that.
  "this week": today to Sunday; "next week": next Monday to Sunday.
* Dates without a year ("2 dec", "December 3rd", "3/12", "the 5th") mean the
  next time that date comes round, today included. Numeric dates are
  day/month (UK order).
* Times: "10am", "2:30pm", "14:30", "at 10", "10 o'clock", "noon". Without
  am/pm, 1-6 mean the afternoon (nobody books 2am), 7-11 the morning, unless
  the message says morning/afternoon/evening. "after 3" and "before 11" limit
  the start time instead of fixing it. A stated time matches slots starting
  within AT_TOLERANCE of it, because sessions sit on a grid (e.g. 10:15).
* Part of day by start time: morning before 12:00, afternoon 12:00-17:00,
  evening from 17:00. "not mornings" means from 12:00; "not evenings" before 17:00.
* Mentions after "not", "can't", "except" ... are excluded ("any day except
  Monday"); "any time", "whenever", "don't mind" say the person is flexible.
* Typos are corrected against the vocabulary above ("tomorow", "tuesdy",
  "afternon") with a close-match ratio, so ordinary words are left alone.

Nothing here raises on odd input: text that says nothing about time gives None.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Union
from zoneinfo import ZoneInfo

from booking.availability import Slot

AT_TOLERANCE = timedelta(minutes=45)
OPEN_SPAN_DAYS = 62  # how far "tuesdays", "weekdays" or "any day except monday" reach
DEFAULT_ZONE = "Europe/London"  # the zone availability.yml ships with

PARTS_OF_DAY = ("morning", "afternoon", "evening")
MORNING_ENDS = time(12, 0)
AFTERNOON_ENDS = time(17, 0)


@dataclass
class Preference:
    """What someone said about when; every field that is set must hold for a slot."""

    dates: Optional[FrozenSet[date]] = None
    part_of_day: Optional[str] = None  # morning | afternoon | evening
    at: Optional[time] = None  # "at 10": slots starting within AT_TOLERANCE
    description: str = ""
    earliest: Optional[time] = None  # "after 3": starts at or after
    latest: Optional[time] = None  # "before 11": starts before

    def matches(self, slot_local_start: datetime) -> bool:
        """Whether a slot starting at this local (trainer's zone) time fits."""
        local = slot_local_start
        if self.dates is not None and local.date() not in self.dates:
            return False
        clock = local.time().replace(tzinfo=None)
        if self.part_of_day and _part_of_day(clock) != self.part_of_day:
            return False
        if self.at is not None and abs(_minutes(clock) - _minutes(self.at)) > AT_TOLERANCE.total_seconds() / 60:
            return False
        if self.earliest is not None and clock < self.earliest:
            return False
        if self.latest is not None and clock >= self.latest:
            return False
        return True

    @property
    def is_flexible(self) -> bool:
        """True when the person said something like "any time" and nothing narrower."""
        return self.dates is None and not self.part_of_day and self.at is None and not self.earliest and not self.latest


def _part_of_day(clock: time) -> str:
    if clock < MORNING_ENDS:
        return "morning"
    return "afternoon" if clock < AFTERNOON_ENDS else "evening"


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


# --- vocabulary ----------------------------------------------------------------

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_WORDS: Dict[str, int] = {name: i for i, name in enumerate(WEEKDAY_NAMES)}
_WEEKDAY_WORDS.update(
    {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6}
)
_PLURAL_WEEKDAYS = {name + "s": i for i, name in enumerate(WEEKDAY_NAMES)}

MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
_MONTH_WORDS: Dict[str, int] = {name: i + 1 for i, name in enumerate(MONTH_NAMES)}
_MONTH_WORDS.update({name[:3]: i + 1 for i, name in enumerate(MONTH_NAMES)})
_MONTH_WORDS["sept"] = 9

_SYNONYMS = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "tmorrow": "tomorrow", "2moro": "tomorrow",
    "2morrow": "tomorrow", "2mrw": "tomorrow", "tomoz": "tomorrow", "tomo": "tomorrow",
    "todya": "today", "toady": "today", "tdy": "today",
    "tonite": "tonight", "2nite": "tonight", "2night": "tonight",
    "arvo": "afternoon", "mornin": "morning", "morn": "morning",
    "wkend": "weekend", "wknd": "weekend", "nxt": "next",
    "mornings": "morning", "afternoons": "afternoon", "evenings": "evening", "nights": "evening", "night": "evening",
    "anytime": "any time", "whenevs": "whenever",
}

# Words typos are corrected towards (long enough that a close match means a typo).
_FUZZY_TARGETS = sorted(
    set(WEEKDAY_NAMES) | set(_PLURAL_WEEKDAYS) | {m for m in MONTH_NAMES if len(m) > 4}
    | {"today", "tomorrow", "tonight", "morning", "afternoon", "evening", "weekend", "weekends",
       "weekday", "weekdays", "anytime", "whenever", "lunchtime", "midday"}
)
_FUZZY_CUTOFF = 0.82

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}

_WEEKDAY_RE = "|".join(sorted(_WEEKDAY_WORDS, key=len, reverse=True))
_MONTH_RE = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))
_NUMBER_WORD_RE = "|".join(_NUMBER_WORDS)

_NEGATION = re.compile(
    r"\b(not|no|never|except|excluding|apart from|other than|besides|can't|cant|cannot|can not|won't|"
    r"isn't|isnt|doesn't|doesnt|don't|dont|busy|unavailable|away)\b"
)
# Phrases with a negation word that say "flexible", not "exclude".
_NOT_A_NEGATION = re.compile(r"\b(don'?t|do not|doesn'?t|does not|wouldn'?t) (mind|matter|care)\b|\bno preference\b")
_CLAUSE_BREAK = re.compile(r"[,.;!?]|\bbut\b|\binstead\b|\bthough\b|\bhowever\b|\bactually\b")

_FLEXIBLE = re.compile(
    r"\b(any ?time|whenever|any day|any slot|anything (works|is fine|goes)|flexible|no preference|whatever (suits|works|is free)|"
    r"(don'?t|do not|doesn'?t|does not) (mind|matter|care)|asap|as soon as possible|soonest|earliest|"
    r"first available|next available|either)\b"
)


# --- results of the scan ---------------------------------------------------------


@dataclass
class _DateMention:
    dates: FrozenSet[date]
    label: str
    position: int
    negated: bool = False
    weekdays: FrozenSet[int] = frozenset()  # set when the mention was a weekday name


@dataclass
class _TimeMention:
    hour: int
    minute: int
    meridiem: Optional[str]  # am | pm | None (not said)
    role: str  # at | earliest | latest
    position: int
    negated: bool = False  # "not at 9"


@dataclass
class _Scan:
    date_mentions: List[_DateMention] = field(default_factory=list)
    weeks: List[Tuple[date, date, str, bool]] = field(default_factory=list)  # (first, last, label, negated)
    weekdays: List[Tuple[int, str, bool, int]] = field(default_factory=list)  # (weekday, modifier, plural, pos)
    parts: List[Tuple[str, bool]] = field(default_factory=list)  # (part, negated)
    times: List[_TimeMention] = field(default_factory=list)
    flexible: bool = False
    tonight: bool = False


# --- public API --------------------------------------------------------------------


def parse_preference(text: str, now: datetime, zone: Union[tzinfo, str]) -> Optional[Preference]:
    """What the text says about when, or None when it says nothing about time."""
    if not text or not text.strip():
        return None
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    today = _aware(now).astimezone(zone).date()
    normal = normalise(text)
    scan = _scan(normal, today)
    return _preference(scan, today)


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
    if _NEGATION.search(_NOT_A_NEGATION.sub(" ", normal)) or re.search(r"\b(none|neither|nope)\b", normal):
        return None  # "none of those", "not the first one"

    number = _choice_number(normal, len(keys))
    if number is not None:
        return keys[number - 1]

    zone = ZoneInfo(zone) if isinstance(zone, str) else zone or ZoneInfo(DEFAULT_ZONE)
    slots = []
    for key in keys:
        try:
            slots.append((key, Slot.from_key(key, 60)))  # only the start matters here
        except ValueError:
            continue
    by_label = [key for key, slot in slots if _squash(slot.label(zone)) == _squash(text)]
    if len(by_label) == 1:
        return by_label[0]

    now = _aware(now) if now is not None else datetime.now(timezone.utc)
    today = now.astimezone(zone).date()
    scan = _scan(normal, today)
    preference = _preference(scan, today)
    if preference is None or preference.is_flexible:
        return None
    candidates = [(key, slot.start.astimezone(zone)) for key, slot in slots]
    fitting = [(key, local) for key, local in candidates if preference.matches(local)]
    if not fitting:
        # "tuesday 10" names a weekday: match it on any offered Tuesday, not only the coming one.
        named_weekdays = _weekdays_named(scan)
        if named_weekdays and preference.dates is not None:
            by_weekday = Preference(None, preference.part_of_day, preference.at, "", preference.earliest, preference.latest)
            fitting = [
                (key, local) for key, local in candidates
                if local.weekday() in named_weekdays and by_weekday.matches(local)
            ]
    if len(fitting) > 1 and preference.at is not None:
        exact = [(key, local) for key, local in fitting if local.time().replace(tzinfo=None) == preference.at]
        fitting = exact or fitting
    return fitting[0][0] if len(fitting) == 1 else None


# --- normalising -------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, plain apostrophes, a.m./p.m. and o'clock unified, typos corrected."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", text)
    text = re.sub(r"\bo'?\s?clock\b", " oclock", text)
    text = re.sub(r"(?<=\d)(am|pm)\b", r" \1", text)  # "10am" -> "10 am"
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b", r" \1", text)  # "5th" -> "5 th"
    return re.sub(r"[a-z']+", lambda m: _correct_word(m.group(0)), text)


def _correct_word(word: str) -> str:
    if word in _SYNONYMS:
        return _SYNONYMS[word]
    if len(word) < 5 or word in _WEEKDAY_WORDS or word in _MONTH_WORDS or word in _PLURAL_WEEKDAYS:
        return word
    close = difflib.get_close_matches(word, _FUZZY_TARGETS, n=1, cutoff=_FUZZY_CUTOFF)
    if not close:
        return word
    return _SYNONYMS.get(close[0], close[0])


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# --- scanning ------------------------------------------------------------------


def _scan(text: str, today: date) -> _Scan:
    scan = _Scan()
    negation_text = _NOT_A_NEGATION.sub(lambda m: " " * len(m.group(0)), text)

    def negated(position: int) -> bool:
        clause = negation_text[max(0, position - 40):position]
        breaks = list(_CLAUSE_BREAK.finditer(clause))
        if breaks:
            clause = clause[breaks[-1].end():]
        return bool(_NEGATION.search(clause))

    # Each pass blanks what it used, so later passes do not read it again.
    chars = list(text)

    def take(match: "re.Match[str]") -> None:
        chars[match.start():match.end()] = " " * (match.end() - match.start())

    def remaining() -> str:
        return "".join(chars)

    # Explicit calendar dates first: their numbers are not hours.
    for match in re.finditer(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", remaining()):
        _add_date(scan, _safe_date(int(match[1]), int(match[2]), int(match[3])), match.start(), negated)
        take(match)
    day_month = (
        rf"\b(?:(?:{_WEEKDAY_RE})\s*,?\s*)?(?:the\s+)?(\d{{1,2}})\s*(?:st|nd|rd|th)?\s*(?:of\s+)?({_MONTH_RE})\b"
        r"(?:\s*,?\s*(\d{4}))?"
    )
    for match in re.finditer(day_month, remaining()):
        found = _next_date(today, _MONTH_WORDS[match[2]], int(match[1]), match[3])
        _add_date(scan, found, match.start(), negated)
        take(match)
    month_day = (
        rf"\b(?:(?:{_WEEKDAY_RE})\s*,?\s*)?({_MONTH_RE})\s+(?:the\s+)?(\d{{1,2}})(?:\s*(?:st|nd|rd|th))?\b"
        r"(?!\s*(?::|am\b|pm\b|oclock))(?:\s*,?\s*(\d{4}))?"
    )
    for match in re.finditer(month_day, remaining()):
        found = _next_date(today, _MONTH_WORDS[match[1]], int(match[2]), match[3])
        _add_date(scan, found, match.start(), negated)
        take(match)
    for match in re.finditer(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b", remaining()):
        year = match[3] and (int(match[3]) + 2000 if len(match[3]) == 2 else int(match[3]))
        found = _next_date(today, int(match[2]), int(match[1]), str(year) if year else None)
        _add_date(scan, found, match.start(), negated)
        take(match)
    # "the 5th", "on the 12th": the next time that day of the month comes round.
    ordinal_day = r"\b(?:on\s+)?the\s+(\d{1,2})\s*(?:st|nd|rd|th)?\b(?!\s*(?::|am\b|pm\b|oclock|one\b|option\b))"
    for match in re.finditer(ordinal_day + r"|\b(\d{1,2})\s*(st|nd|rd|th)\b", remaining()):
        day_number = int(match[1] or match[2])
        _add_date(scan, _next_day_of_month(today, day_number), match.start(), negated)
        take(match)

    _scan_times(scan, chars, remaining, take)
    for mention in scan.times:
        mention.negated = negated(mention.position)

    # Relative days.
    for match in re.finditer(r"\b(the\s+)?day after tomorrow\b", remaining()):
        _add_relative(scan, today + timedelta(days=2), "the day after tomorrow", match.start(), negated)
        take(match)
    for match in re.finditer(r"\bthis(?=\s+(?:morning|afternoon|evening)\b)", remaining()):
        _add_relative(scan, today, "today", match.start(), negated)  # the part of day is read below
        take(match)
    for match in re.finditer(r"\b(today|tomorrow|tonight)\b", remaining()):
        word = match[1]
        day = today + timedelta(days=1) if word == "tomorrow" else today
        _add_relative(scan, day, word, match.start(), negated)
        scan.tonight = scan.tonight or word == "tonight"
        take(match)

    # Weeks and weekends.
    monday = today - timedelta(days=today.weekday())
    week_phrases = [
        (r"\bweek after next\b", monday + timedelta(days=14), "the week after next"),
        (r"\bnext week\b", monday + timedelta(days=7), "next week"),
        (r"\b(this|current|later this|rest of (the|this)) week\b", today, "this week"),
    ]
    for pattern, first, label in week_phrases:
        for match in re.finditer(pattern, remaining()):
            week_monday = first - timedelta(days=first.weekday())
            scan.weeks.append((first, week_monday + timedelta(days=6), label, negated(match.start())))
            take(match)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7) if today.weekday() != 6 else today - timedelta(days=1)
    for match in re.finditer(r"\b(this|next|the|at the|on the|coming)?\s*weekend\b(?!s)", remaining()):
        first = saturday + timedelta(days=7) if match[1] == "next" else saturday
        days = frozenset(d for d in (first, first + timedelta(days=1)) if d >= today)
        label = "next weekend" if match[1] == "next" else "this weekend"
        scan.date_mentions.append(_DateMention(days, label, match.start(), negated(match.start()), frozenset({5, 6})))
        take(match)
    for match in re.finditer(r"\b(weekends|weekdays|weekday|during the week)\b", remaining()):
        weekdays = {5, 6} if match[1] == "weekends" else {0, 1, 2, 3, 4}
        days = frozenset(d for d in _open_span(today) if d.weekday() in weekdays)
        label = "weekends" if match[1] == "weekends" else "weekdays"
        scan.date_mentions.append(_DateMention(days, label, match.start(), negated(match.start()), frozenset(weekdays)))
        take(match)

    # Weekday names, with what came before them.
    plural_re = "|".join(_PLURAL_WEEKDAYS)
    for match in re.finditer(rf"\b(?:(last|next|this|coming|this coming)\s+)?({plural_re}|{_WEEKDAY_RE})\b", remaining()):
        word, modifier = match[2], match[1] or ""
        if modifier == "last":
            take(match)  # the past: nothing to book
            continue
        if word in _AMBIGUOUS_ABBREVIATIONS and not modifier and not _reads_as_a_day(text, match):
            continue  # "the sun is shining", "I sat down"
        plural = word in _PLURAL_WEEKDAYS
        weekday = _PLURAL_WEEKDAYS[word] if plural else _WEEKDAY_WORDS[word]
        scan.weekdays.append((weekday, modifier, plural, match.start()))
        if negated(match.start()):
            scan.weekdays[-1] = (weekday, "not", plural, match.start())
        take(match)

    # A whole month: "in december", "next month".
    for match in re.finditer(r"\b(this|next) month\b", remaining()):
        first = today if match[1] == "this" else (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        days = frozenset(first + timedelta(days=i) for i in range(31) if (first + timedelta(days=i)).month == first.month)
        scan.date_mentions.append(_DateMention(days, f"{match[1]} month", match.start(), negated(match.start())))
        take(match)
    for match in re.finditer(r"\b(?:in|during|sometime in|early|late)\s+(" + "|".join(MONTH_NAMES) + r")\b", remaining()):
        month = _MONTH_WORDS[match[1]]
        year = today.year if month >= today.month else today.year + 1
        first = date(year, month, 1)
        days = frozenset(first + timedelta(days=i) for i in range(31) if (first + timedelta(days=i)).month == month)
        scan.date_mentions.append(
            _DateMention(frozenset(d for d in days if d >= today), match[1].title(), match.start(), negated(match.start()))
        )
        take(match)

    # Parts of the day.
    part_words = [
        (r"\b(morning|first thing)\b", "morning"),
        (r"\b(afternoon|after lunch)\b", "afternoon"),
        (r"\b(evening|after work)\b", "evening"),
    ]
    for pattern, part in part_words:
        for match in re.finditer(pattern, remaining()):
            scan.parts.append((part, negated(match.start())))
            take(match)

    scan.flexible = bool(_FLEXIBLE.search(text))
    return scan


def _scan_times(scan: _Scan, chars: List[str], remaining, take) -> None:
    role_of = {
        "at": "at", "@": "at", "around": "at", "about": "at", "for": "at", "approx": "at", "approximately": "at",
        "after": "earliest", "from": "earliest", "past": "earliest",
        "before": "latest", "by": "latest", "until": "latest", "till": "latest", "til": "latest",
    }
    prep = r"(?:(at|@|around|about|for|after|from|before|by|until|till|til)\s*)?"
    hour_minute = r"(\d{1,2})(?:[:.h](\d{2}))?"

    # Ranges: "between 2 and 4", "from 10am to 12", "2-4pm".
    def clock(name: str) -> str:
        return rf"(?P<{name}_h>\d{{1,2}})(?:[:.](?P<{name}_m>\d{{2}}))?\s*(?P<{name}_mer>am|pm)?"

    range_patterns = [
        rf"\bbetween\s+{clock('a')}\s*(?:-|and|to)\s*{clock('b')}\b",
        rf"\b(?P<from>from\s+)?{clock('a')}\s*(?:-|to|till|until)\s*{clock('b')}\b",
    ]
    for pattern in range_patterns:
        for match in re.finditer(pattern, remaining()):
            said_from = "from" not in match.groupdict() or match["from"]
            if not said_from and not (match["a_mer"] or match["b_mer"]):
                continue  # "2-4" alone could be anything
            end_meridiem = match["b_mer"]
            # "2-4pm": the pm applies to both ends (but not in "11-1pm").
            start_meridiem = match["a_mer"] or (end_meridiem if int(match["a_h"]) <= int(match["b_h"]) else None)
            position = match.start()
            scan.times.append(_TimeMention(int(match["a_h"]), int(match["a_m"] or 0), start_meridiem, "earliest", position))
            scan.times.append(_TimeMention(int(match["b_h"]), int(match["b_m"] or 0), end_meridiem, "latest", position))
            take(match)

    patterns = [
        rf"\b{prep}{hour_minute}\s*(am|pm)\b",  # 10 am, 2:30 pm
        rf"(?:\b|(?<=@)){prep}(\d{{1,2}})[:.h](\d{{2}})\b()",  # 14:30, 10.30
        rf"\b{prep}(\d{{1,2}})()\s*oclock()",  # 10 o'clock
        rf"(?:\b|(?<=@))(at|@|around|about|after|before|from|by|until|till)\s*(\d{{1,2}})()\b()"
        r"(?!\s*(?:days?|weeks?|months?|mins?|minutes?|hours?|hrs?|people|sessions?)\b)",
    ]
    for pattern in patterns:
        for match in re.finditer(pattern, remaining()):
            hour, minute = int(match[2]), int(match[3] or 0)
            if hour > 23 or minute > 59 or (match[4] and not 1 <= hour <= 12):
                continue
            scan.times.append(_TimeMention(hour, minute, match[4] or None, role_of.get(match[1] or "at", "at"), match.start()))
            take(match)
    # Number words: "at ten", "two pm", "three o'clock".
    word_time = (
        rf"\b(?:(at|around|about|after|before|from|by|until)\s+({_NUMBER_WORD_RE})\b(?:\s*(am|pm|oclock))?"
        rf"|({_NUMBER_WORD_RE})\s*(am|pm|oclock)\b)"
    )
    for match in re.finditer(word_time, remaining()):
        hour = _NUMBER_WORDS[match[2] or match[4]]
        meridiem = match[3] or match[5]
        meridiem = meridiem if meridiem in ("am", "pm") else None
        scan.times.append(_TimeMention(hour, 0, meridiem, role_of.get(match[1] or "at", "at"), match.start()))
        take(match)
    # British "half two" (2:30), "half past 2", "quarter past/to 3".
    spoken = rf"\b(half past|quarter past|quarter to|half)\s+(\d{{1,2}}|{_NUMBER_WORD_RE})\b"
    for match in re.finditer(spoken, remaining()):
        hour = int(match[2]) if match[2].isdigit() else _NUMBER_WORDS[match[2]]
        offset = {"half past": 30, "half": 30, "quarter past": 15, "quarter to": -15}[match[1]]
        total = hour * 60 + offset
        scan.times.append(_TimeMention(total // 60, total % 60, None, "at", match.start()))
        take(match)
    for match in re.finditer(r"(?<!after )\b(noon|midday|lunchtime|lunch time|lunch)\b", remaining()):
        scan.times.append(_TimeMention(12, 0, "pm", "at", match.start()))
        take(match)
    # A bare hour straight after a day: "tuesday 10", "tomorrow 2".
    day_then_hour = rf"\b({_WEEKDAY_RE}|today|tomorrow)\s*,?\s+(\d{{1,2}})\b(?!\s*(?:/|-|days?|weeks?))"
    for match in re.finditer(day_then_hour, remaining()):
        hour = int(match[2])
        if hour > 23:
            continue
        scan.times.append(_TimeMention(hour, 0, None, "at", match.start(2)))
        chars[match.start(2):match.end(2)] = " " * (match.end(2) - match.start(2))


_AMBIGUOUS_ABBREVIATIONS = {"sun", "sat", "wed", "mon"}  # also everyday English words
_DAY_CONTEXT_BEFORE = re.compile(r"(?:\b(?:on|next|this|coming|about|or|and|say|from|until|till|by)|[,/&+-])\s*$")
_DAY_CONTEXT_AFTER = re.compile(
    r"^\s*(?:[,/&+?!.-]|\d|(?:or|and|at|am|pm|morning|afternoon|evening|night|the|next|week|" + _MONTH_RE + r")\b|$)"
)


def _reads_as_a_day(text: str, match: "re.Match[str]") -> bool:
    """Whether "sat", "sun", "wed" or "mon" stands for a weekday here rather than a word."""
    before, after = text[:match.start()], text[match.end():]
    if len(text.split()) <= 2:
        return True  # "sat?", "wed 10"
    return bool(_DAY_CONTEXT_BEFORE.search(before) or _DAY_CONTEXT_AFTER.match(after))


def _add_date(scan: _Scan, found: Optional[date], position: int, negated) -> None:
    if found is None:
        return
    scan.date_mentions.append(_DateMention(frozenset({found}), _date_label(found), position, negated(position)))


def _add_relative(scan: _Scan, day: date, label: str, position: int, negated) -> None:
    scan.date_mentions.append(_DateMention(frozenset({day}), label, position, negated(position)))


def _safe_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_date(today: date, month: int, day: int, year: Optional[str]) -> Optional[date]:
    if year:
        return _safe_date(int(year), month, day)
    for candidate_year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        found = _safe_date(candidate_year, month, day)  # 29 February needs a leap year
        if found and found >= today:
            return found
    return None


def _next_day_of_month(today: date, day_number: int) -> Optional[date]:
    year, month = today.year, today.month
    for _ in range(13):  # the 31st may be a few months away
        found = _safe_date(year, month, day_number)
        if found and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _open_span(today: date) -> List[date]:
    return [today + timedelta(days=i) for i in range(OPEN_SPAN_DAYS + 1)]


def _date_label(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()].title()} {day.day} {MONTH_NAMES[day.month - 1].title()}"


def _weekdays_named(scan: _Scan) -> Set[int]:
    if any(not mention.weekdays for mention in scan.date_mentions):
        return set()  # an explicit date was given: match it exactly
    return {weekday for weekday, modifier, _, _ in scan.weekdays if modifier != "not"}


# --- building the preference -------------------------------------------------------


def _preference(scan: _Scan, today: date) -> Optional[Preference]:
    positive: List[_DateMention] = [m for m in scan.date_mentions if not m.negated]
    excluded: Set[date] = set()
    for mention in scan.date_mentions:
        if mention.negated:
            excluded |= mention.dates
    excluded_weekdays = {weekday for weekday, modifier, _, _ in scan.weekdays if modifier == "not"}
    named = [(w, mod, plural, pos) for w, mod, plural, pos in scan.weekdays if mod != "not"]
    weeks = [(first, last, label) for first, last, label, negated in scan.weeks if not negated]
    for first, last, _, negated in scan.weeks:
        if negated:  # "not this week"
            excluded |= {first + timedelta(days=i) for i in range((last - first).days + 1)}

    weeks_used_by_weekdays = False
    for weekday, modifier, plural, position in named:
        one_weekday = frozenset({weekday})
        if plural:
            days = frozenset(d for d in _open_span(today) if d.weekday() == weekday)
            positive.append(_DateMention(days, WEEKDAY_NAMES[weekday].title() + "s", position, weekdays=one_weekday))
            continue
        # "tuesday next week": that week's Tuesday.
        in_weeks = [
            day
            for first, last, _ in weeks
            for day in [first - timedelta(days=first.weekday()) + timedelta(days=weekday)]
            if first <= day <= last
        ]
        if in_weeks:
            weeks_used_by_weekdays = True
            positive += [_DateMention(frozenset({day}), _date_label(day), position, weekdays=one_weekday) for day in in_weeks]
            continue
        ahead = (weekday - today.weekday()) % 7
        if ahead == 0 and modifier != "this":
            ahead = 7  # "tuesday"/"next tuesday" said on a Tuesday: a week later
        day = today + timedelta(days=ahead)
        positive.append(_DateMention(frozenset({day}), _date_label(day), position, weekdays=one_weekday))
    if not weeks_used_by_weekdays:
        for first, last, label in weeks:
            days = frozenset(first + timedelta(days=i) for i in range((last - first).days + 1))
            positive.append(_DateMention(days, label, -1))

    dates: Optional[FrozenSet[date]] = None
    date_label = ""
    if positive:
        positive.sort(key=lambda m: m.position)
        dates = frozenset().union(*(m.dates for m in positive))
        date_label = " or ".join(dict.fromkeys(m.label for m in positive))
    elif excluded or excluded_weekdays:
        dates = frozenset(_open_span(today))
        names = [m.label for m in scan.date_mentions if m.negated]
        names += [label for _, _, label, negated in scan.weeks if negated]
        names += [WEEKDAY_NAMES[w].title() for w in sorted(excluded_weekdays)]
        date_label = "any day except " + " or ".join(dict.fromkeys(names))
    if dates is not None:
        dates = frozenset(d for d in dates if d not in excluded and d.weekday() not in excluded_weekdays)

    wanted_parts = list(dict.fromkeys(part for part, negated in scan.parts if not negated))
    unwanted_parts = {part for part, negated in scan.parts if negated}
    if scan.tonight and "evening" not in wanted_parts:
        wanted_parts.append("evening")
    part = wanted_parts[0] if len(wanted_parts) == 1 else None  # "morning or afternoon": no narrowing

    at, earliest, latest = None, None, None
    hint = part or (wanted_parts[0] if wanted_parts else None)
    for mention in scan.times:
        clock = _clock(mention, hint)
        if clock is None or mention.negated:
            continue
        if mention.role == "earliest":
            earliest = clock
        elif mention.role == "latest":
            latest = clock
        elif at is None:
            at = clock
    if "morning" in unwanted_parts and not part:
        earliest = max(earliest or MORNING_ENDS, MORNING_ENDS)
    if "evening" in unwanted_parts and not part:
        latest = min(latest or AFTERNOON_ENDS, AFTERNOON_ENDS)

    said_something = (
        dates is not None or wanted_parts or unwanted_parts or at or earliest or latest or scan.flexible
    )
    if not said_something:
        return None
    description = _describe(date_label, part, wanted_parts, at, earliest, latest, scan.tonight)
    return Preference(dates=dates, part_of_day=part, at=at, description=description, earliest=earliest, latest=latest)


def _clock(mention: _TimeMention, part: Optional[str]) -> Optional[time]:
    hour = mention.hour
    if mention.meridiem == "am":
        hour = 0 if hour == 12 else hour
    elif mention.meridiem == "pm":
        hour = hour if hour == 12 else hour + 12
    elif 1 <= hour <= 11:
        if part in ("afternoon", "evening"):
            hour += 12
        elif part != "morning" and hour <= 6:
            hour += 12  # "at 2": nobody books 2am
    if not 0 <= hour <= 23:
        return None
    return time(hour, mention.minute)


def _describe(
    date_label: str,
    part: Optional[str],
    wanted_parts: List[str],
    at: Optional[time],
    earliest: Optional[time],
    latest: Optional[time],
    tonight: bool,
) -> str:
    text = date_label
    if part and not (tonight and part == "evening" and date_label == "tonight"):
        if date_label == "today":
            text = f"this {part}"
        elif date_label in ("tomorrow", "tonight"):
            text = f"{date_label} {part}"
        elif date_label:
            text = f"{date_label} in the {part}"
        else:
            text = f"in the {part}"
    elif len(wanted_parts) > 1:
        text = f"{text} ({' or '.join(wanted_parts)})".strip()
    if at is not None:
        text = f"{text} at {at:%H:%M}".strip()
    if earliest is not None and latest is not None:
        text = f"{text} between {earliest:%H:%M} and {latest:%H:%M}".strip()
    elif earliest is not None:
        text = f"{text} after {earliest:%H:%M}".strip()
    elif latest is not None:
        text = f"{text} before {latest:%H:%M}".strip()
    return text or "any time"


# --- choosing among offered slots ------------------------------------------------

_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
}
_CHOICE_FILLER = {
    "the", "one", "option", "options", "number", "no", "num", "choice", "slot", "please", "pls", "plz", "thanks",
    "thank", "you", "ta", "ok", "okay", "i'll", "ill", "i", "will", "take", "i'd", "id", "like", "want", "go", "with",
    "for", "lets", "let's", "do", "book", "me", "that", "is", "fine", "good", "works", "perfect", "great", "yes",
    "yeah", "yep", "sure", "sounds", "a", "it", "then", "have", "prefer", "pick", "choose", "select", "number",
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
        if word in _NUMBER_WORDS:
            return _in_range(_NUMBER_WORDS[word], count)
    ordinal = re.search(r"\b(first|second|third|fourth|fifth|sixth|last)\s+(one|option|slot|choice|time)\b", text)
    if ordinal:
        return count if ordinal[1] == "last" else _in_range(_ORDINALS[ordinal[1]], count)
    return None


def _in_range(number: int, count: int) -> Optional[int]:
    return number if 1 <= number <= count else None


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"datetime must be timezone-aware: {moment!r}")
    return moment
