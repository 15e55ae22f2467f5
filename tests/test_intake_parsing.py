"""Plain-Python parsers that turn chat answers into intake values (coaching/intake/)."""

import logging
import time

import pytest

from coaching import intake as ip


def ent(kind, value, start=None, end=None):
    entity = {"entity": kind, "value": value}
    if start is not None:
        entity.update(start=start, end=end)
    return entity


def ent_at(text, kind, value, surface):
    """An entity as Rasa gives it, positioned on the first `surface` in `text`."""
    start = text.index(surface)
    return ent(kind, value, start, start + len(surface))


# --------------------------------------------------------------------------- side


@pytest.mark.parametrize(
    "text, side",
    [
        ("left", "left"),
        ("Left", "left"),
        ("LEFT!!", "left"),
        ("L", "left"),
        ("l", "left"),
        ("lft", "left"),
        ("lef", "left"),
        ("letf knee", "left"),
        ("the left one", "left"),
        ("my left", "left"),
        ("left knee", "left"),
        ("left side", "left"),
        ("L knee", "left"),
        ("l knee hurts", "left"),
        ("lhs", "left"),
        ("left hand side", "left"),
        ("its my left knee", "left"),
        ("um the left I think", "left"),
        ("on the left", "left"),
        ("right", "right"),
        ("Right.", "right"),
        ("R", "right"),
        ("rite", "right"),
        ("rigth", "right"),
        ("rihgt knee", "right"),
        ("right knee", "right"),
        ("the right one", "right"),
        ("my right", "right"),
        ("r knee", "right"),
        ("RIGHT KNEE", "right"),
        ("right leg", "right"),
        ("rhs", "right"),
        ("both", "both"),
        ("both knees", "both"),
        ("Both of them", "both"),
        ("both sides", "both"),
        ("both legs tbh", "both"),
        ("both really", "both"),
        ("left and right", "both"),
        ("right & left", "both"),
        ("each knee", "both"),
        ("bilateral", "both"),
        ("both, the left is worse", "both"),
        ("both but mostly the right", "both"),
        # corrections: the last side mentioned wins
        ("actually it's the right one", "right"),
        ("left... no wait, right", "right"),
        ("left, sorry, right", "right"),
        ("right. no, left!", "left"),
        ("left - actually both", "both"),
        ("I said left but I meant right", "right"),
        ("it's not the left, it's the right", "right"),
        ("the right not the left", "right"),
        ("not my left knee but my right", "right"),
        ("no pain on the left, it's the right knee", "right"),
        # "right"/"left" that are not sides
        ("that's right, left knee", "left"),
        ("right now it's the left", "left"),
        ("I left work early because my right knee hurt", "right"),
        ("all right, the left", "left"),
        ("right?", "right"),
        ("left?? I think", "left"),
        # the side that is fine, other body parts, typos
        ("left (right is fine)", "left"),
        ("the right one hurts, the left is fine", "right"),
        ("both but left worse", "both"),
        ("I'm right handed, left knee", "left"),
        ("my right ankle and left knee", "left"),
        ("its the rite 1", "right"),
        ("Lft nee", "left"),
        ("right knee... sorry LEFT", "left"),
        ("left-knee", "left"),
        ("right... or left? left", "left"),
        ("in the right knee, right at the front", "right"),
        ("it's my R knee", "right"),
        ("it hurts right after running, left knee", "left"),
    ],
)
def test_side(text, side):
    assert ip.parse_side(text) == side


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "knee",
        "it hurts",
        "hurts right after running",
        "right away it swelled",
        "that's right",
        "you're right",
        "i left it too long",
        "nothing left in the tank",
        "I'll go",
        "it's common, right?",
        "alright",
        "copyright",
        "lefty loosey",
        "both stairs and running hurt",
        "i don't know",
        "🦵🦵",
        "rightly so",
        "it hurts right in the middle",
    ],
)
def test_side_not_found(text):
    assert ip.parse_side(text) is None


@pytest.mark.parametrize(
    "text, entities, side",
    [
        ("left", [ent("side", "left", 0, 4)], "left"),
        ("my knee", [ent("side", "right")], "right"),  # the classifier saw it, the text didn't
        ("the lefty one", [ent("side", "left", 4, 9)], "left"),
        ("left... no wait, right", [ent("side", "left", 0, 4)], "right"),  # the missed correction still counts
        ("left", [ent("side", "banana", 0, 4)], "left"),  # invalid entity: the text decides
        ("left", [ent("side", "RIGHT", 0, 4)], "right"),  # a valid entity wins over the text it covers
        ("left", [{"entity": "side"}, "junk", None, 7, {"value": "right"}], "left"),  # malformed entities are ignored
        ("rite", [ent("knee_location", "front", 0, 4)], "right"),  # other entity types don't matter
        ("my knee", [ent("side", "rite")], "right"),  # entity values with typos are normalised
    ],
)
def test_side_with_entities(text, entities, side):
    assert ip.parse_side(text, entities) == side


# --------------------------------------------------------------------------- location


@pytest.mark.parametrize(
    "text, location",
    [
        ("front", "front"),
        ("the front", "front"),
        ("at the front of my knee", "front"),
        ("kneecap", "front"),
        ("knee cap", "front"),
        ("knee-cap", "front"),
        ("kneecp", "front"),
        ("under the kneecap", "front"),
        ("around the kneecap", "front"),
        ("below the kneecap", "front"),
        ("behind the kneecap", "front"),
        ("all around the kneecap", "front"),
        ("patella", "front"),
        ("just below the knee", "front"),
        ("patellar tendon", "front"),
        ("front of the knee", "front"),
        ("anterior", "front"),
        ("inside", "inside"),
        ("on the inside", "inside"),
        ("inner side", "inside"),
        ("the inner part", "inside"),
        ("medial", "inside"),
        ("inside of my knee", "inside"),
        ("insde", "inside"),
        ("medail side", "inside"),
        ("outside", "outside"),
        ("on the outside", "outside"),
        ("outer", "outside"),
        ("the outer side", "outside"),
        ("lateral", "outside"),
        ("IT band", "outside"),
        ("itb", "outside"),
        ("ouside", "outside"),
        ("behind the knee", "back"),
        ("back of the knee", "back"),
        ("back of my knee", "back"),
        ("at the back", "back"),
        ("back", "back"),
        ("the back", "back"),
        ("behind", "back"),
        ("round the back of it", "back"),
        ("all over", "whole"),
        ("everywhere", "whole"),
        ("whole knee", "whole"),
        ("all around", "whole"),
        ("the whole thing", "whole"),
        ("it hurts all over the knee", "whole"),
        ("entire knee", "whole"),
        ("everywere", "whole"),
        # corrections, negations and several places
        ("not the inside, the front", "front"),
        ("front... actually more the inside", "inside"),
        ("it's on the outside, not the front", "outside"),
        ("I run outside and it hurts on the inside", "inside"),
        ("front of the knee but it's hard to sit in front of the computer", "front"),
        ("around kneecap", "front"),
        ("just under the knee cap", "front"),
        ("on top of the kneecap", "front"),
        ("the inside bit", "inside"),
        ("on the inner side of my knee", "inside"),
        ("inner knee", "inside"),
        ("lateral side of knee", "outside"),
        ("IT band on the outside", "outside"),
        ("outer knee", "outside"),
        ("right at the back behind the knee", "back"),
        ("back of leg", "back"),
        ("all over the place", "whole"),
        ("the whole knee hurts", "whole"),
        ("knee pain at the front when I get back from a run", "front"),
        ("the outside is fine, it's the inside", "inside"),
    ],
)
def test_knee_location(text, location):
    assert ip.parse_knee_location(text) == location


@pytest.mark.parametrize(
    "text",
    [
        "",
        "knee",
        "my back hurts too",
        "lower back pain",
        "back pain",
        "it came back",
        "the pain keeps coming back",
        "I went back to running",
        "I run outside",
        "walking outside",
        "sitting in front of the computer",
        "I train inside on a treadmill",
        "I walk everywhere",
        "no idea",
        "left knee",
        "it's back again",
        "lateral movements hurt",
        "front of the tv",
        "the side",
        "in the middle",
        "pain in my back",
    ],
)
def test_knee_location_not_found(text):
    assert ip.parse_knee_location(text) is None


@pytest.mark.parametrize(
    "text, entities, location",
    [
        ("front", [ent("knee_location", "front", 0, 5)], "front"),
        ("it's there", [ent("knee_location", "inside")], "inside"),
        ("front", [ent("knee_location", "sideways", 0, 5)], "front"),
        ("inner bit", [ent("knee_location", "INSIDE", 0, 5)], "inside"),
    ],
)
def test_knee_location_with_entities(text, entities, location):
    assert ip.parse_knee_location(text, entities) == location


# --------------------------------------------------------------------------- pain score


@pytest.mark.parametrize(
    "text, score",
    [
        ("6/10", 6),
        ("6 / 10", 6),
        ("6 out of 10", 6),
        ("6 outta 10", 6),
        ("six out of ten", 6),
        ("10/10", 10),
        ("0/10", 0),
        ("0", 0),
        ("zero", 0),
        ("5", 5),
        ("5.", 5),
        ("  7  ", 7),
        ("seven", 7),
        ("Eight", 8),
        ("about a 7", 7),
        ("like a 7", 7),
        ("maybe 4", 4),
        ("around 3", 3),
        ("its a 6", 6),
        ("I'd say 5", 5),
        ("pain 6", 6),
        ("pain is about 6", 6),
        ("pain level 8", 8),
        ("a solid 8", 8),
        ("6ish", 6),
        ("6-7", 7),
        ("6 - 7", 7),
        ("6 to 7", 7),
        ("6 or 7", 7),
        ("between 6 and 7", 7),
        ("6-7/10", 7),
        ("6/7", 7),
        ("7.5/10", 8),
        ("6.5", 7),
        ("3 at rest but 7 on stairs", 7),
        ("7 on stairs, 3 at rest", 7),
        ("8, no sorry 6", 6),
        ("6/10... actually more like 8", 8),
        ("5 no wait 4", 4),
        ("on a scale of 1 to 10 it's a 7", 7),
        ("on a scale from 1-10 I'd say 4", 4),
        ("hurts for 3 weeks now, about a 6", 6),
        ("I'm 45 and it's a 6", 6),
        ("it's 6 since 2019", 6),
        ("no pain right now", 0),
        ("pain free at rest", 0),
        ("2 on a good day, 5 on a bad one", 5),
        ("6/10 for 3 weeks", 6),
        ("10", 10),
        ("like 6/10", 6),
        ("its about a 6 i guess", 6),
        ("4 maybe 5", 5),
        ("5 or so", 5),
        ("a 7 when bad", 7),
        ("i'd rate it 7", 7),
        ("7 of 10", 7),
        ("when running 10k it's 6", 6),
        ("8 when I do 3 sets", 8),
        ("I'm 30, about 6", 6),
        ("one", 1),
        ("ten", 10),
        ("at least an 8", 8),
        ("9.5", 10),
        ("7/10 maybe 8", 8),
        ("6, 3 weeks", 6),
        ("1-10? about 4", 4),
        ("its 6 rn", 6),
        ("6!", 6),
        ("a six", 6),
        ("its six or seven", 7),
    ],
)
def test_pain_score(text, score):
    assert ip.parse_pain_score(text) == score


@pytest.mark.parametrize(
    "text",
    [
        "",
        "it hurts a lot",
        "bad",
        "3 weeks",
        "for 2 days",
        "90 degrees",
        "55 years old",
        "I'm 55",
        "since 2019",
        "5k",
        "10k run",
        "3x a week",
        "twice a week",
        "2nd time",
        "at 5pm",
        "20 minutes",
        "the left one",
        "one day it just started",
        "11/10",
        "15",
        "-2",
        "100",
        "3/5",
        "12/03/2024",
        "no idea",
        "🤷",
    ],
)
def test_pain_score_not_found(text):
    assert ip.parse_pain_score(text) is None


@pytest.mark.parametrize(
    "text, out",
    [
        ("11/10", True),
        ("15/10", True),
        ("15", True),
        ("-2", True),
        ("-2/10", True),
        ("100", True),
        ("it's like a 12", True),
        ("eleven", True),
        ("20 out of 10 lol", True),
        ("6/10", False),
        ("0", False),
        ("10", False),
        ("seven", False),
        ("3 weeks", False),
        ("55 years old", False),
        ("", False),
        ("it hurts", False),
        ("90 degrees", False),
        ("since 2019", False),
        ("6-7", False),
        ("12, sorry I mean 8", False),
    ],
)
def test_pain_score_out_of_range(text, out):
    assert ip.pain_score_out_of_range(text) is out


@pytest.mark.parametrize(
    "text, entities, score",
    [
        ("6", [ent("pain_score", "6", 0, 1)], 6),
        ("about seven", [ent("pain_score", "seven", 6, 11)], 7),
        ("it's bad", [ent("pain_score", "8")], 8),
        ("7", [ent("pain_score", "15", 0, 1)], 7),  # an out-of-range entity: the text decides
        ("3 weeks, 6/10", [ent("pain_score", "3", 0, 1)], 6),  # the classifier tagged a duration
        ("6/10", [ent("pain_score", "lots", 0, 4)], 6),
    ],
)
def test_pain_score_with_entities(text, entities, score):
    assert ip.parse_pain_score(text, entities) == score


# --------------------------------------------------------------------------- duration


@pytest.mark.parametrize(
    "text, days",
    [
        ("3 weeks", 21),
        ("3 wks", 21),
        ("2 wks", 14),
        ("2wks", 14),
        ("3w", 21),
        ("three weeks", 21),
        ("a week", 7),
        ("1 week", 7),
        ("a couple of weeks", 14),
        ("a couple weeks", 14),
        ("a few weeks", 21),
        ("a few days", 3),
        ("2 days", 2),
        ("2d", 2),
        ("10 days", 10),
        ("about 10 days", 10),
        ("a day", 1),
        ("a couple of months", 60),
        ("6 mths", 180),
        ("6 months", 180),
        ("6 mnths", 180),
        ("6 monts", 180),
        ("a month", 30),
        ("a month and a half", 45),
        ("2 and a half weeks", 17.5),
        ("2.5 weeks", 17.5),
        ("a year", 365),
        ("1yr", 365),
        ("1 year", 365),
        ("2 yrs", 730),
        ("1.5 years", 547.5),
        ("a year and a half", 547.5),
        ("half a year", 182.5),
        ("a fortnight", 14),
        ("since yesterday", 1),
        ("yesterday", 1),
        ("since last week", 7),
        ("last month", 30),
        ("since last year", 365),
        ("about 3 weeks ago", 21),
        ("for the past 2 weeks", 14),
        ("2-3 weeks", 21),
        ("3 or 4 months", 120),
        ("a week or two", 14),
        ("6+ months", 180),
        ("over a year", 365),
        ("more than 2 months", 60),
        ("weeeeks, like 3 weeks", 21),
        ("3 weks", 21),
        ("it started 3 months ago and got worse the last 2 weeks", 90),
        ("3 weeks, no sorry, 4 weeks", 28),
        ("I run 3 times a week and it's hurt for 2 months", 60),
        ("I'm 45 years old and it's been 6 weeks", 42),
        ("i've been running for 10 years, knee hurt for 2 weeks", 14),
        ("hurting for 3 weeks", 21),
        ("left knee, 6/10, 5 days", 5),
        ("since this morning", 0.5),
        ("about 3 wks", 21),
        ("few weeks", 21),
        ("couple of days", 2),
        ("2 months ago", 60),
        ("a few months now", 90),
        ("past month", 30),
        ("for the last month", 30),
        ("roughly 6 weeks", 42),
        ("nearly a year", 365),
        ("1mo", 30),
        ("3 mos", 90),
        ("2 yrs ago", 730),
        ("the last 2 weeks", 14),
        ("a week and a half", 10.5),
        ("10 days ago", 10),
        ("just started today", 0.5),
        ("3-4 days", 4),
        ("several weeks", 28),
        ("six weeks", 42),
        ("3 weeks ago after a 10k", 21),
        ("a couple of months, on and off", 60),
        ("I've had it 2 weeks, it's 6/10", 14),
        ("twice a week for 3 weeks", 21),
        ("a day or two", 2),
        ("a day", 1),
    ],
)
def test_duration_days(text, days):
    assert ip.parse_duration_days(text) == pytest.approx(days)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ages",
        "for ages",
        "a while",
        "a long time",
        "forever",
        "for months",
        "years",
        "3",
        "not sure",
        "3 times a week",
        "twice a day",
        "5 days a week",
        "55 years old",
        "I'm 55 yo",
        "a 55-year-old",
        "I have a race in 3 weeks",
        "one day it just started hurting",
        "every week",
        "6/10",
        "running for 10 years",
        "90 degrees",
        "since March",
        "since christmas",
        "last summer",
        "this week",
    ],
)
def test_duration_not_found(text):
    assert ip.parse_duration_days(text) is None


@pytest.mark.parametrize(
    "text, entities, days",
    [
        ("3 weeks", [ent("duration", "3 weeks", 0, 7)], 21),
        ("a while, about a month", [ent("duration", "a month", 15, 22)], 30),
        ("it's been a bit", [ent("duration", "2 months")], 60),
        ("3 weeks", [ent("duration", "nonsense", 0, 7)], 21),
    ],
)
def test_duration_with_entities(text, entities, days):
    assert ip.parse_duration_days(text, entities) == pytest.approx(days)


# --------------------------------------------------------------------------- onset


@pytest.mark.parametrize(
    "text, onset",
    [
        ("suddenly", "sudden"),
        ("sudenly", "sudden"),
        ("all of a sudden", "sudden"),
        ("it was sudden", "sudden"),
        ("after a fall", "sudden"),
        ("I fell off my bike", "sudden"),
        ("twisted it playing football", "sudden"),
        ("I injured it at football", "sudden"),
        ("overnight", "sudden"),
        ("one day it just started hurting", "sudden"),
        ("felt a pop", "sudden"),
        ("something popped", "sudden"),
        ("landed awkwardly", "sudden"),
        ("out of nowhere", "sudden"),
        ("woke up with it", "sudden"),
        ("it gave way", "sudden"),
        ("gradually", "gradual"),
        ("graduallly", "gradual"),
        ("gradualy", "gradual"),
        ("slowly", "gradual"),
        ("it came on slowly", "gradual"),
        ("over time", "gradual"),
        ("it crept up on me", "gradual"),
        ("built up over a few weeks", "gradual"),
        ("bit by bit", "gradual"),
        ("got worse and worse", "gradual"),
        ("slowly getting worse", "gradual"),
        ("little by little", "gradual"),
        ("worse over the last few months", "gradual"),
        ("no injury, it just started as a niggle", "gradual"),
        ("not suddenly, more gradually", "gradual"),
        ("it wasn't sudden, it crept up", "gradual"),
        ("gradually at first then suddenly it got really bad", "sudden"),
        ("it just started hurting one day", "sudden"),
        ("started as a twinge and got worse", "gradual"),
        ("slowly over a few weeks", "gradual"),
        ("I slipped on ice", "sudden"),
        ("I was tackled", "sudden"),
        ("just gradually started", "gradual"),
        ("it came on suddenly after running", "sudden"),
        ("sudden onset", "sudden"),
        ("gradual, over a few months", "gradual"),
    ],
)
def test_onset(text, onset):
    assert ip.parse_onset(text) == onset


@pytest.mark.parametrize(
    "text",
    [
        "",
        "left knee",
        "3 weeks",
        "I walk slowly now",
        "I popped to the shops",
        "I didn't fall or twist it",
        "no idea",
        "it hurts on stairs",
        "not suddenly",
        "came on after a long run",
        "didn't notice when",
    ],
)
def test_onset_not_found(text):
    assert ip.parse_onset(text) is None


# --------------------------------------------------------------------------- activities


@pytest.mark.parametrize(
    "text, activities",
    [
        ("running", ["running"]),
        ("runnin", ["running"]),
        ("runing", ["running"]),
        ("jogging", ["running"]),
        ("when I run", ["running"]),
        ("ran a marathon", ["running"]),
        ("treadmill", ["running"]),
        ("stairs", ["stairs"]),
        ("stiars", ["stairs"]),
        ("going down stairs", ["stairs"]),
        ("steps", ["stairs"]),
        ("upstairs", ["stairs"]),
        ("run up stares", ["running", "stairs"]),
        ("step ups", ["stairs"]),
        ("squats", ["squatting"]),
        ("squatting", ["squatting"]),
        ("sqauts", ["squatting"]),
        ("crouching", ["squatting"]),
        ("lunges", ["squatting"]),
        ("getting up from a chair", ["squatting"]),
        ("cycling", ["cycling"]),
        ("bike", ["cycling"]),
        ("on the bike", ["cycling"]),
        ("spin class", ["cycling"]),
        ("biking", ["cycling"]),
        ("cyclng", ["cycling"]),
        ("sitting", ["sitting"]),
        ("sitting at my desk", ["sitting"]),
        ("long drives", ["sitting"]),
        ("sitting for long", ["sitting"]),
        ("at the cinema", ["sitting"]),
        ("driving", ["sitting"]),
        ("jumping", ["jumping"]),
        ("jumps", ["jumping"]),
        ("box jumps", ["jumping"]),
        ("hopping", ["jumping"]),
        ("walking", ["walking"]),
        ("walks", ["walking"]),
        ("hiking", ["walking"]),
        ("long walks", ["walking"]),
        ("wlaking", ["walking"]),
        ("10k steps a day", ["walking"]),
        ("kneeling", ["kneeling"]),
        ("kneel", ["kneeling"]),
        ("getting on my knees", ["kneeling"]),
        ("turning", ["changing_direction"]),
        ("pivoting", ["changing_direction"]),
        ("changing direction", ["changing_direction"]),
        ("side to side", ["changing_direction"]),
        ("basketball", ["sport"]),
        ("football", ["sport"]),
        ("footy", ["sport"]),
        ("tennis", ["sport"]),
        ("netball", ["sport"]),
        ("basketbal", ["sport"]),
        ("playing sport", ["sport"]),
        ("basketball, mainly when pivoting", ["sport", "changing_direction"]),
        ("stairs and squats", ["stairs", "squatting"]),
        ("running, stairs and when I sit for ages", ["running", "stairs", "sitting"]),
        ("going down stairs and running downhill, also running", ["stairs", "running"]),
        ("squats, stairs, squats again", ["squatting", "stairs"]),
        ("doesn't hurt when running, only on stairs", ["stairs"]),
        ("walking is fine but stairs kill it", ["stairs"]),
        ("cycling's ok, running hurts", ["running"]),
        ("not when sitting, but kneeling", ["kneeling"]),
        ("I can't run anymore", ["running"]),
        ("I can't kneel at all", ["kneeling"]),
        ("hurts going up and down stairs", ["stairs"]),
        ("mainly when I squat down", ["squatting"]),
        ("after sitting for a long time", ["sitting"]),
        ("on long runs", ["running"]),
        ("when i kneel down", ["kneeling"]),
        ("hiking downhill", ["walking"]),
        ("during basketball when I cut", ["sport", "changing_direction"]),
        ("deep squats and lunges", ["squatting"]),
        ("playing footy", ["sport"]),
        ("spin classes", ["cycling"]),
        ("netball and tennis", ["sport"]),
        ("jogging, walking the dog", ["running", "walking"]),
        ("sitting through a movie", ["sitting"]),
        ("when i turn quickly", ["changing_direction"]),
        ("on the stairmaster", ["stairs"]),
        ("every step", ["walking"]),
        ("long car journeys", ["sitting"]),
        ("when I bend it", ["squatting"]),
        ("getting up from the floor", ["squatting"]),
        ("when I land", ["jumping"]),
        ("landing from a jump", ["jumping"]),
        ("dancing", ["sport"]),
    ],
)
def test_activities(text, activities):
    assert ip.parse_activities(text) == activities


@pytest.mark.parametrize(
    "text",
    [
        "",
        "it just hurts",
        "all the time",
        "feeling run down",
        "I ran out of time",
        "motorbike accident",
        "I'm setting up a new routine",
        "talking",
        "waking up",
        "no idea",
        "left knee",
        "turn up the volume",
        "cutting down on sugar",
        "skipping breakfast",
        "on the landing",
        "all of them",
        "jump to conclusions",
    ],
)
def test_activities_not_found(text):
    assert ip.parse_activities(text) == []


def test_activities_with_entities():
    text = "when i do the thing on the bike and stares"
    entities = [ent("activity", "cycling", text.index("bike"), text.index("bike") + 4), ent("activity", "jumping")]
    assert ip.parse_activities(text, entities) == ["cycling", "stairs", "jumping"]
    assert ip.parse_activities("stairs", [ent("activity", "flying", 0, 6)]) == ["stairs"]
    assert ip.parse_activities("the thing", [ent("activity", "changing direction")]) == ["changing_direction"]


# --------------------------------------------------------------------------- activity level


@pytest.mark.parametrize(
    "text, level",
    [
        ("not very active", "sedentary"),
        ("not active at all", "sedentary"),
        ("desk job and no exercise", "sedentary"),
        ("couch potato", "sedentary"),
        ("sedentary", "sedentary"),
        ("I don't really exercise", "sedentary"),
        ("I sit all day", "sedentary"),
        ("nothing really", "sedentary"),
        ("not much", "sedentary"),
        ("walk a bit", "light"),
        ("I walk the dog", "light"),
        ("occasional yoga", "light"),
        ("light exercise", "light"),
        ("yoga once a week", "light"),
        ("pilates", "light"),
        ("not very active, just walk a bit", "light"),
        ("walk every day", "light"),
        ("desk job but I walk a little", "light"),
        ("gym 3x a week", "active"),
        ("gym 3 times a week", "active"),
        ("run twice a week", "active"),
        ("pretty active", "active"),
        ("quite active", "active"),
        ("very active", "active"),
        ("active", "active"),
        ("I play 5 a side on sundays", "active"),
        ("I go to the gym", "active"),
        ("I run", "active"),
        ("desk job but gym 3 times a week", "active"),
        ("I exercise regularly", "active"),
        ("i compete", "athlete"),
        ("I race most weekends", "athlete"),
        ("marathon training", "athlete"),
        ("training for a marathon", "athlete"),
        ("play football at a high level", "athlete"),
        ("train every day", "athlete"),
        ("I train twice a day", "athlete"),
        ("semi-pro footballer", "athlete"),
        ("I run 6 times a week", "athlete"),
        ("competitive netball", "athlete"),
        ("triathlete", "athlete"),
        ("used to compete but now I barely walk", "sedentary"),
        ("I used to play at a high level, now I just walk", "light"),
        ("I work in an office and go to the gym twice a week", "active"),
        ("retired, walk daily", "light"),
        ("I'm a nurse on my feet all day", "light"),
        ("I play football on weekends", "active"),
        ("rugby 3 times a week plus gym", "active"),
        ("i do parkrun every saturday", "active"),
        ("training for a half marathon", "athlete"),
        ("personal trainer", "active"),
        ("not really", "sedentary"),
        ("moderately", "light"),
        ("gym everyday", "athlete"),
        ("lazy tbh", "sedentary"),
        ("i run 5k 3x a week", "active"),
        ("cycle to work every day", "active"),
        ("I'm a professional dancer", "athlete"),
        ("i do crossfit 5 days a week", "active"),
        ("a little", "light"),
        ("i box twice a week", "active"),
        ("I'm a runner, 40 miles a week", "active"),
    ],
)
def test_activity_level(text, level):
    assert ip.parse_activity_level(text) == level


@pytest.mark.parametrize("text", ["", "left knee", "6/10", "dunno", "3 weeks", "my heart races"])
def test_activity_level_not_found(text):
    assert ip.parse_activity_level(text) is None


# --------------------------------------------------------------------------- knee-to-wall


def dist(left=None, right=None, any_=None):
    return {"left": left, "right": right, "any": any_}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("about 8 cm", dist(any_=8)),
        ("8cm", dist(any_=8)),
        ("8 cms", dist(any_=8)),
        ("8 centimetres", dist(any_=8)),
        ("80 mm", dist(any_=8)),
        ("80mm", dist(any_=8)),
        ("7.5cm", dist(any_=7.5)),
        ("7,5 cm", dist(any_=7.5)),
        ("3 inches", dist(any_=7.62)),
        ("3in", dist(any_=7.62)),
        ('3"', dist(any_=7.62)),
        ("three inches", dist(any_=7.62)),
        ("9", dist(any_=9)),
        ("about 9", dist(any_=9)),
        ("8-10cm", dist(any_=8)),
        ("left 10 right 6", dist(10, 6)),
        ("left 10cm, right 6cm", dist(10, 6)),
        ("L 10 R 6", dist(10, 6)),
        ("l: 10, r: 6", dist(10, 6)),
        ("10cm on the left and 6 on the right", dist(10, 6)),
        ("right was 6 and left was 10", dist(10, 6)),
        ("left knee 100mm, right 60", dist(10, 6)),
        ("8 on both sides", dist(8, 8)),
        ("right 7cm", dist(right=7)),
        ("5cm with my left", dist(left=5)),
        ("couldn't even touch the wall", dist(any_=0)),
        ("knee won't reach the wall at all", dist(any_=0)),
        ("can't touch the wall even with my toes against it", dist(any_=0)),
        ("left couldn't touch the wall, right 5cm", dist(0, 5)),
        ("tried 3 times, about 8cm", dist(any_=8)),
        ("took 2 goes, got 8", dist(any_=8)),
        ("8, no sorry 9", dist(any_=9)),
        ("I'm 45 and got about 8cm", dist(any_=8)),
        ("5 cm left, 9 cm right", dist(5, 9)),
        ("left 5, right 9", dist(5, 9)),
        ("right 9 left 5", dist(5, 9)),
        ("4 inches on the right", dist(right=10.16)),
        ("0", dist(any_=0)),
        ("zero", dist(any_=0)),
        ("my toes were at the wall", dist(any_=0)),
        ("left was about 6cm and the right 8cm", dist(6, 8)),
        ("6 or 7", dist(any_=6)),
        ("1.5 inches", dist(any_=3.81)),
        ("an inch", dist(any_=2.54)),
        ("both 10cm", dist(10, 10)),
        ("first try 6 then 7", dist(any_=7)),
        ("10 cm (left)", dist(left=10)),
    ],
)
def test_distance_cm(text, expected):
    assert ip.parse_distance_cm(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no idea",
        "I couldn't do the test",
        "3 weeks",
        "6/10",
        "90 degrees",
        "I'm 45",
        "100",
        "tried 3 times",
        "🤷",
        "it hurt when I did it",
        "about 2 finger widths",
        "50",
        "touch",
    ],
)
def test_distance_not_found(text):
    assert ip.parse_distance_cm(text) == dist()


# --------------------------------------------------------------------------- single-leg squat


@pytest.mark.parametrize(
    "text, result",
    [
        ("hip dropped", "pelvis_drop"),
        ("my pelvis dipped", "pelvis_drop"),
        ("the other hip dropped", "pelvis_drop"),
        ("hip sagged", "pelvis_drop"),
        ("hips tilted", "pelvis_drop"),
        ("hip dropped a bit", "pelvis_drop"),
        ("my left hip sort of dropped", "pelvis_drop"),
        ("hip drop", "pelvis_drop"),
        ("hip droped", "pelvis_drop"),
        ("knee caved in", "knee_caves_in"),
        ("it went inwards", "knee_caves_in"),
        ("knock kneed", "knee_caves_in"),
        ("knee collapses in", "knee_caves_in"),
        ("knee wobbled inwards", "knee_caves_in"),
        ("caved in", "knee_caves_in"),
        ("my knee went in towards the other one", "knee_caves_in"),
        ("knee cavd in", "knee_caves_in"),
        ("hip dropped and knee caved in", "both"),
        ("both", "both"),
        ("a bit of both", "both"),
        ("knee went inwards and my hips tilted", "both"),
        ("stayed level", "normal"),
        ("looked fine", "normal"),
        ("nothing happened", "normal"),
        ("steady", "normal"),
        ("no drop", "normal"),
        ("normal", "normal"),
        ("all good", "normal"),
        ("my hip didn't drop", "normal"),
        ("knee stayed straight", "normal"),
        ("fine", "normal"),
        ("neither", "normal"),
        ("hip didn't drop but knee caved in", "knee_caves_in"),
        ("knee didn't cave but my hip dropped", "pelvis_drop"),
        ("yeah my hip dropped a lot", "pelvis_drop"),
        ("hip went down on the other side", "pelvis_drop"),
        ("the hip on the other side dipped", "pelvis_drop"),
        ("knee went in a bit", "knee_caves_in"),
        ("my knee turned inwards", "knee_caves_in"),
        ("knees caving", "knee_caves_in"),
        ("my knee went inward towards my big toe", "knee_caves_in"),
        ("hips stayed level but knee caved", "knee_caves_in"),
        ("i was wobbly but hips stayed level", "normal"),
        ("pelvis stayed level, knee was fine", "normal"),
        ("looked ok", "normal"),
        ("I think both", "both"),
        ("neither really", "normal"),
    ],
)
def test_hip_check(text, result):
    assert ip.parse_hip_check(text) == result


@pytest.mark.parametrize(
    "text", ["", "I couldn't do it", "dunno", "left", "it hurt", "wobbly", "not good", "it wasn't great", "it wobbled"]
)
def test_hip_check_not_found(text):
    assert ip.parse_hip_check(text) is None


# --------------------------------------------------------------------------- yes / no / don't know


@pytest.mark.parametrize(
    "text, answer",
    [
        ("yes", True),
        ("Yes!", True),
        ("yeah", True),
        ("yea", True),
        ("yep", True),
        ("yup", True),
        ("y", True),
        ("Y", True),
        ("yesss", True),
        ("ya", True),
        ("sure", True),
        ("ok", True),
        ("definitely", True),
        ("i think so", True),
        ("I guess so", True),
        ("a bit", True),
        ("sometimes", True),
        ("kind of", True),
        ("yes, when I run", True),
        ("it does", True),
        ("I can", True),
        ("of course", True),
        ("that's right", True),
        ("👍", True),
        ("no problem", True),
        ("nah yeah", True),
        ("no", False),
        ("No.", False),
        ("nope", False),
        ("nah", False),
        ("n", False),
        ("N", False),
        ("nooo", False),
        ("not really", False),
        ("i don't think so", False),
        ("no, i can walk on it", False),
        ("never", False),
        ("not at all", False),
        ("I can't", False),
        ("it doesn't", False),
        ("no it doesnt", False),
        ("definitely not", False),
        ("yeah nah", False),
        ("👎", False),
        ("nope, not really", False),
        ("yes please", True),
        ("yeah it does", True),
        ("i can walk but it hurts", True),
        ("sure thing", True),
        ("yup!", True),
        ("correct", True),
        ("well, yes", True),
        ("um yeah", True),
        ("it did swell a bit", True),
        ("there was some swelling", True),
        ("i think it did", True),
        ("probably", True),
        ("no it doesnt", False),
        ("nah not really", False),
        ("I can't walk on it", False),
        ("nope 🙂", False),
        ("of course not", False),
        ("hmm no", False),
        ("no swelling", False),
        ("not that I noticed", False),
        ("probably not", False),
        ("i don't think it did", False),
        ("I can't do it", False),
        ("couldn't manage it", False),
    ],
)
def test_yes_no(text, answer):
    assert ip.parse_yes_no(text) is answer


@pytest.mark.parametrize(
    "text", ["", "maybe", "not sure", "no idea", "idk", "left", "hmm", "is that bad?", "yes and no", "🤷"]
)
def test_yes_no_unclear(text):
    assert ip.parse_yes_no(text) is None


@pytest.mark.parametrize(
    "text, intent, answer",
    [
        ("whatever", "affirm", True),
        ("whatever", "deny", False),
        ("no", "affirm", True),
        ("yes", "deny", False),
        ("yes", "inform", True),
        ("nope", None, False),
        ("hmm", "dont_know", None),
    ],
)
def test_yes_no_intent(text, intent, answer):
    assert ip.parse_yes_no(text, intent) is answer


@pytest.mark.parametrize(
    "text",
    [
        "i don't know",
        "I dont know",
        "i do not know",
        "dont no",
        "dunno",
        "idk",
        "IDK",
        "not sure",
        "unsure",
        "no idea",
        "no clue",
        "can't remember",
        "cant remember",
        "I don't remember",
        "couldn't do the test",
        "I couldn't do it",
        "didn't do the test",
        "skip",
        "pass",
        "hard to say",
        "?",
        "🤷",
        "not sure tbh, maybe left",
        "I'm not sure",
        "haven't measured it",
        "didn't try",
        "i forgot",
        "idunno",
        "no idea mate",
        "cant say",
        "I don't know which",
        "prefer not to say",
    ],
)
def test_dont_know(text):
    assert ip.is_dont_know(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yes",
        "no",
        "left",
        "I know it's the left",
        "I'm sure",
        "6/10",
        "is that bad?",
        "3 weeks",
        "I remember it well",
    ],
)
def test_not_dont_know(text):
    assert ip.is_dont_know(text) is False


@pytest.mark.parametrize("intent", ["dont_know", "skip"])
def test_dont_know_intent(intent):
    assert ip.is_dont_know("whatever", intent) is True


def test_unknown_constant():
    assert ip.UNKNOWN == "unknown"


# --------------------------------------------------------------------------- several facts at once


@pytest.mark.parametrize(
    "text, facts",
    [
        (
            "left knee, front, hurts on stairs for 3 weeks, about 6/10",
            {
                "knee_side": "left",
                "knee_location": "front",
                "aggravating_activities": ["stairs"],
                "pain_duration_days": 21,
                "pain_score": 6,
            },
        ),
        (
            "rite nee, inside, came on gradually over 2 months, pain 5",
            {
                "knee_side": "right",
                "knee_location": "inside",
                "pain_onset": "gradual",
                "pain_duration_days": 60,
                "pain_score": 5,
            },
        ),
        (
            "i run twice a week and my left knee hurts on stairs",
            {"knee_side": "left", "activity_level": "active", "aggravating_activities": ["stairs"]},
        ),
        (
            "twisted it playing football yesterday, right knee, outside",
            {
                "pain_onset": "sudden",
                "aggravating_activities": ["sport"],
                "pain_duration_days": 1,
                "knee_side": "right",
                "knee_location": "outside",
            },
        ),
        (
            "both knees, under the kneecap, worse with squats and sitting, 2 months, 7 out of 10",
            {
                "knee_side": "both",
                "knee_location": "front",
                "aggravating_activities": ["squatting", "sitting"],
                "pain_duration_days": 60,
                "pain_score": 7,
            },
        ),
        (
            "I'm 45, desk job, knee hurts when sitting, 3",
            {"activity_level": "sedentary", "aggravating_activities": ["sitting"]},
        ),
        ("left knee 5 days", {"knee_side": "left", "pain_duration_days": 5}),
        (
            "left... no wait right knee, pain's about a 6, been 3 weeks",
            {"knee_side": "right", "pain_score": 6, "pain_duration_days": 21},
        ),
        ("hi", {}),
        ("", {}),
        ("what exercises help my hips?", {}),
        (
            "Hi, my right knee has been hurting for about 2 months, mainly at the front when I go down stairs or squat. "
            "It's maybe 5/10.",
            {
                "knee_side": "right",
                "knee_location": "front",
                "pain_score": 5,
                "pain_duration_days": 60,
                "aggravating_activities": ["stairs", "squatting"],
            },
        ),
        (
            "left knee, inside, since I twisted it playing football 3 weeks ago",
            {
                "knee_side": "left",
                "knee_location": "inside",
                "pain_duration_days": 21,
                "pain_onset": "sudden",
                "aggravating_activities": ["sport"],
            },
        ),
        (
            "I'm a runner, 40 miles a week, and the outside of my left knee hurts after 5k. started 6 weeks ago, gradually",
            {
                "knee_side": "left",
                "knee_location": "outside",
                "pain_duration_days": 42,
                "pain_onset": "gradual",
                "activity_level": "active",
            },
        ),
        (
            "both knees ache under the kneecaps when I sit through a movie, for years really",
            {"knee_side": "both", "knee_location": "front", "aggravating_activities": ["sitting"]},
        ),
        (
            "pain 7 behind my right knee when kneeling",
            {"knee_side": "right", "knee_location": "back", "pain_score": 7, "aggravating_activities": ["kneeling"]},
        ),
        ("i'm 52 and my knee hurts", {}),
        (
            "it's been 3 weeks, hurts at 4/10 but 8/10 when running downhill",
            {"pain_score": 8, "pain_duration_days": 21, "aggravating_activities": ["running"]},
        ),
        (
            "desk job, gym twice a week, left knee front pain on squats for a month, 6 out of 10",
            {
                "knee_side": "left",
                "knee_location": "front",
                "pain_score": 6,
                "pain_duration_days": 30,
                "activity_level": "active",
                "aggravating_activities": ["squatting"],
            },
        ),
        (
            "right knee, it popped when I landed from a jump yesterday, pain is like 8",
            {
                "knee_side": "right",
                "pain_score": 8,
                "pain_duration_days": 1,
                "pain_onset": "sudden",
                "aggravating_activities": ["jumping"],
            },
        ),
        ("my right knee hurts right now, I've had it about a week", {"knee_side": "right", "pain_duration_days": 7}),
        ("Can stiff ankles cause knee pain?", {}),
        ("what is the knee to wall test", {}),
        (
            "knee pain at the back, on and off, 2-3 months, pain score 3",
            {"knee_location": "back", "pain_score": 3, "pain_duration_days": 90},
        ),
        (
            "hurts 6/10 on stairs, walking's fine, right knee, not the left",
            {"knee_side": "right", "pain_score": 6, "aggravating_activities": ["stairs"]},
        ),
        (
            "my left knee gave way on the stairs last week",
            {
                "knee_side": "left",
                "pain_duration_days": 7,
                "pain_onset": "sudden",
                "aggravating_activities": ["stairs"],
            },
        ),
        ("i did 3 sets of 10 squats and my knee hurts", {"aggravating_activities": ["squatting"]}),
        (
            "I walk 10k steps a day and my knee started hurting 2 weeks ago",
            {"pain_duration_days": 14, "aggravating_activities": ["walking"]},
        ),
        ("my knee hurts every day when running", {"aggravating_activities": ["running"]}),
        ("it hurts 3 times a week when running", {"aggravating_activities": ["running"]}),
        (
            "twice a week at the gym, knee hurts on squats",
            {"activity_level": "active", "aggravating_activities": ["squatting"]},
        ),
    ],
)
def test_extract_intake_facts(text, facts):
    assert ip.extract_intake_facts(text) == facts


def test_extract_uses_entities():
    text = "my knee hurts on the thing, about 3 weeks"
    entities = [
        ent("side", "left"),
        ent_at(text, "activity", "cycling", "the thing"),
        ent_at(text, "duration", "3 weeks", "3 weeks"),
        ent("pain_score", "6"),
    ]
    assert ip.extract_intake_facts(text, entities) == {
        "knee_side": "left",
        "aggravating_activities": ["cycling"],
        "pain_duration_days": 21,
        "pain_score": 6,
    }


@pytest.mark.parametrize(
    "text",
    [
        "no, I can walk on it",
        "I'll be away for 2 weeks",
        "I fell asleep on the sofa",
        "it hurts now and then",
        "high level of pain",
        "not much pain",
        "that's right",
        "I have a knee injury",
        "stairs and squats",
        "yes",
        "my heart is racing",
        "hurts occasionally",
        "right away it swelled",
        "thanks, that's all right",
        "sitting in front of the computer",
        "I went back to work",
        "what about running?",
    ],
)
def test_extract_ignores_false_friends(text):
    assert ip.extract_intake_facts(text) == {}


@pytest.mark.parametrize(
    "text",
    [
        "it's the left one and it's 3",
        "knee hurts, 4 weeks, 5",
        "right knee, 7",
        "stairs 2",
    ],
)
def test_extract_ignores_bare_numbers(text):
    assert "pain_score" not in ip.extract_intake_facts(text)


# --------------------------------------------------------------------------- robustness

WEIRD_INPUTS = [
    None,
    "",
    " ",
    "\n\t",
    "😀😀🙏",
    "🦵",
    "a" * 10_000,
    "left knee 6/10 stairs 3 weeks " * 400,
    "'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "\x00\x01\x02",
    "9" * 5000,
    "-" * 3000,
    "1/" * 2000,
    "((((((((((((((((",
    "\\d+\\",
    "İstanbul ŞİŞLİ",
    "膝が痛い",
    "١٠/١٠",
    7,
    6.5,
    ["left"],
    {"a": 1},
    "rite rite rite " * 1000,
    "no " * 3000,
    "6-" * 2000,
    "a" + " " * 9000 + "b",
]


@pytest.mark.parametrize("value", WEIRD_INPUTS, ids=range(len(WEIRD_INPUTS)))
def test_never_raises_and_stays_fast(value, caplog):
    funcs = [
        ip.parse_side,
        ip.parse_knee_location,
        ip.parse_pain_score,
        ip.pain_score_out_of_range,
        ip.parse_duration_days,
        ip.parse_onset,
        ip.parse_activities,
        ip.parse_activity_level,
        ip.parse_distance_cm,
        ip.parse_hip_check,
        ip.parse_yes_no,
        ip.is_dont_know,
        ip.extract_intake_facts,
    ]
    with caplog.at_level(logging.ERROR, logger=ip.__name__):
        started = time.perf_counter()
        for func in funcs:
            func(value)
        elapsed = time.perf_counter() - started
    assert not caplog.records, "a parser hit an internal error"
    assert elapsed < 2.0


@pytest.mark.parametrize(
    "entities",
    [
        None,
        "side",
        5,
        [None],
        [{"entity": "side", "value": None}],
        [{"entity": "side", "value": "left", "start": "x", "end": None}],
        [{"entity": "pain_score", "value": {"x": 1}}],
        [{"entity": "duration", "value": "3 weeks", "start": 500, "end": 900}],
    ],
)
def test_bad_entities_are_ignored(entities, caplog):
    with caplog.at_level(logging.ERROR, logger=ip.__name__):
        assert ip.parse_side("right", entities) in ("right", "left")
        assert ip.parse_pain_score("6/10", entities) == 6
        assert ip.parse_duration_days("2 weeks", entities) in (14, 21)
        ip.parse_activities("stairs", entities)
        ip.parse_knee_location("front", entities)
        ip.extract_intake_facts("left knee 6/10", entities)
    assert not caplog.records


def test_results_are_deterministic():
    text = "left... no wait right knee, front, stairs and squats, 6-7/10, 2-3 weeks, came on gradually"
    first = ip.extract_intake_facts(text)
    assert all(ip.extract_intake_facts(text) == first for _ in range(5))
    assert first == {
        "knee_side": "right",
        "knee_location": "front",
        "aggravating_activities": ["stairs", "squatting"],
        "pain_score": 7,
        "pain_duration_days": 21,
        "pain_onset": "gradual",
    }


def test_a_bug_is_logged_not_raised(monkeypatch, caplog):
    def broken(*_):
        raise RuntimeError("boom")

    monkeypatch.setattr(ip.location, "_side_hits", broken)
    with caplog.at_level(logging.ERROR, logger=ip.__name__):
        assert ip.parse_side("left") is None
        assert ip.extract_intake_facts("left knee") == {}
    assert caplog.records
