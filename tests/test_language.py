"""The shared text toolkit (language/): cleaning, typo correction, clause-bounded negation, numbers, ages, durations."""

from __future__ import annotations

import pytest

from language import negation
from language.durations import find_durations
from language.numbers import age_spans, count_value, number_value, parse_age, to_number
from language.spelling import TypoCorrector, edit_distance, is_english
from language.text import MappedText, clean, expand_text_speak, for_matching
from language.tokens import tokenizer


def negated_words(text):
    doc = tokenizer()(text)
    return [token.text for token, covered in zip(doc, negation.negated_tokens(doc)) if covered]


@pytest.mark.parametrize(
    "text, denied, kept",
    [
        ("no swelling, redness or heat", {"swelling", "redness", "heat"}, set()),
        ("not swollen, red, or hot", {"swollen", "red", "hot"}, set()),
        ("didn't fall, it just swelled up massively", {"fall"}, {"swelled", "massively"}),
        ("no injury, my calf is really swollen", {"injury"}, {"calf", "swollen"}),
        ("no injury, swollen", {"injury"}, {"swollen"}),
        ("I don't think it's swollen", {"swollen"}, set()),
        ("no pain but it swelled up", {"pain"}, {"swelled"}),
        ("not red. It is hot", {"red"}, {"hot"}),
        ("no pop and now it's swollen", {"pop"}, {"swollen"}),
        ("not so much running", {"running"}, set()),  # "so" says how much, it doesn't start a new thought
        ("not very active, mostly walking, and stairs", {"active"}, {"walking"}),
        ("not sure maybe the left", {"sure"}, {"left"}),
        # "no" answering a question denies nothing after it
        ("left... no wait right", set(), {"wait", "right"}),
        ("no it's the right one", set(), {"right"}),
        ("nah the left", set(), {"left"}),
        ("no swelling", {"swelling"}, set()),
    ],
)
def test_negation_stays_in_its_clause(text, denied, kept):
    covered = set(negated_words(text))
    assert denied <= covered, covered
    assert not kept & covered, covered


def test_not_being_able_to_is_told_apart_from_a_denial():
    text = "i can't put weight on my left leg and it doesn't hurt on the right"
    found = negation.negations(text)
    left, right = text.index("left"), text.index("right")
    assert found.covers(left) and not found.covers(left, inability=False)  # "can't": the left is the problem
    assert found.covers(right) and found.covers(right, inability=False)  # "doesn't": the right is denied
    barely = negation.negations("i can barely walk")
    assert barely.covers(13) and not barely.covers(13, inability=False)
    assert found.has_cue(0, 8) and not found.has_cue(text.index("put"), text.index("leg"))


def test_verb_denials_are_a_subset_of_the_cues():
    doc = tokenizer()("it doesn't, I never, not that, lost it without trying")
    denying = {token.text for token in doc if negation.denies_verb(token)}
    assert denying == {"n't", "never", "not"}


def test_typos_are_corrected_towards_the_vocabulary_only():
    speller = TypoCorrector(["weight", "swollen", "breathless", "numbness"])
    assert speller.correct("wieght") == "weight"
    assert speller.correct("swolen") == "swollen"
    assert speller.correct("brethless") == "breathless"
    # real English words are never rewritten, however close
    for word in ("not", "hit", "took", "hacking", "chucked", "wait"):
        assert speller.correct(word) == word
    assert speller.correct("zzzzzz") == "zzzzzz"


def test_words_that_go_on_after_a_vocabulary_word_or_start_elsewhere_are_left_alone():
    speller = TypoCorrector(["right", "left", "turning", "gradually", "gradual", "pilates"])
    assert speller.correct("rigth") == "right" and speller.correct("leftt") == "left"
    assert speller.correct("gradualy") == "gradually"  # "gradual" + "y" is a typo of the longer word
    for word in ("righto", "gnight", "nighty", "during", "towards", "pilates"):
        assert speller.correct(word) == word  # another word, two typos and another first letter, function words


def test_misspellings_edit_distance_cannot_reach_go_only_towards_the_vocabulary():
    assert TypoCorrector(["knee", "sitting"]).correct("siting") == "sitting"  # a real word, and a common typo
    assert TypoCorrector(["knee"]).correct("kne") == "knee"  # too short for edit distance
    assert TypoCorrector(["weight"]).correct("siting") == "siting"  # not a word this reader knows


def test_corrected_words_keep_their_place_in_the_original():
    speller = TypoCorrector(["stairs", "running"])
    text = speller.correct_words(MappedText.of("Stiars and runnin"))
    assert text.text == "stairs and running"
    assert text.span(text.text.index("running"), len(text.text)) == (11, 17)


def test_edit_distance_counts_a_swap_as_one():
    assert edit_distance("wieght", "weight", 2) == 1
    assert edit_distance("calf", "half", 1) == 1
    assert edit_distance("abc", "xyz", 1) == 2


def test_english_includes_inflections():
    assert is_english("swelled") and is_english("crutches") and not is_english("swolen")


@pytest.mark.parametrize(
    "text, expecting, age",
    [
        ("30", True, 30),
        ("I'm thirty", True, 30),
        ("mid 50s", True, 55),
        ("55+", True, 55),
        ("over 60", True, 61),
        ("late forties", True, 48),
        ("fifty-five", True, 55),
        ("about 45", True, 45),
        ("in my 60s", False, 65),
        ("my son is 12 and his knee hurts", False, 12),
        ("my 13 year old daughter", False, 13),
        ("my daughter (7) says her knee is sore", False, 7),
        ("aged 70", False, 70),
        ("yes", True, None),
        ("no", True, None),
        ("I'm 14 stone", False, None),
        ("I'm 5 foot 6", False, None),
        ("had it 12 years", False, None),
        ("knee hurts at 6/10", False, None),
        ("35", False, None),
    ],
)
def test_ages_are_read_only_where_they_are_ages(text, expecting, age):
    assert parse_age(text, expecting_age=expecting) == age


def test_number_words():
    assert number_value("fifty five") == 55 and number_value("twelve") == 12 and number_value("lots") is None


@pytest.mark.parametrize(
    "raw, value",
    [
        ("6", 6),
        ("6.5", 6.5),
        ("7,5", 7.5),
        ("-2", -2),
        ("- 2", -2),
        ("seven", 7),
        ("twenty-five", 25),
        ("nil", 0),
        ("hundred", 100),
        ("lots", None),
        ("", None),
        ("6-7", None),
    ],
)
def test_numbers_in_digits_and_words(raw, value):
    assert to_number(raw) == value


def test_counts_in_words():
    assert [count_value(w) for w in ("a couple of", "a few", "several", "twice", "once", "3", "loads")] == [
        2,
        3,
        4,
        2,
        1,
        3,
        None,
    ]


@pytest.mark.parametrize(
    "text, age",
    [
        ("had it 6+ months", None),
        ("3 or more weeks", None),
        ("had cancer 5 yrs ago", None),
        ("6+ years", None),
        ("55+", 55),
        ("55 or older", 55),
        ("he is 12 yrs", 12),
        ("12yo", 12),
        ("since my 40th birthday", 40),
        ("I'm 60, worse since my 50th birthday", 60),
    ],
)
def test_spans_of_time_are_not_ages(text, age):
    assert parse_age(text) == age


def test_age_spans():
    text = "I'm 45 years old and it's been 6 weeks"
    assert [text[s:e] for s, e in age_spans(text)] == ["45 years old", "I'm 45"]
    assert age_spans("it's been 6 weeks") == []


@pytest.mark.parametrize("raw", ["\ud800 lone surrogate", "zero\u200bwidth", "tab\there", None, "x" * 50_000])
def test_cleaning_never_fails_and_drops_what_breaks_pages(raw):
    text = clean(raw)
    text.encode("utf-8")  # no lone surrogate survives
    assert "\u200b" not in text and len(text) <= 20_000


@pytest.mark.parametrize(
    "text, days",
    [
        ("3 weeks", [21]),
        ("3 wks", [21]),
        ("3w", [21]),
        ("2-3 weeks", [21]),
        ("a week or two", [14]),
        ("a month and a half", [45]),
        ("half a year", [182.5]),
        ("since yesterday", [1]),
        ("since last month", [30]),
        ("twenty one days", [21]),
        ("a couple of months", [60]),
        ("started 3 months ago, worse the last 2 weeks", [90, 14]),
        # how often and how old are not how long
        ("3 times a week", []),
        ("5 days a week", []),
        ("twice a day", []),
        ("a 55-year-old", []),
        ("I'm 55 yo", []),
        ("one day it just went", []),
        ("a weeks", []),
        ("ages", []),
    ],
)
def test_durations_in_days(text, days):
    assert [d.days for d in find_durations(text.lower())] == pytest.approx(days)


def test_a_caller_can_turn_down_a_duration():
    text = "a race in 3 weeks, hurting for 2 weeks"
    in_future = lambda t, start, end: t[:start].endswith("in ")  # noqa: E731
    assert [d.days for d in find_durations(text, veto=in_future)] == [14]
    found = find_durations(text)
    assert [text[d.start : d.end] for d in found] == ["3 weeks", "2 weeks"]


def test_mapped_text_keeps_each_characters_place():
    text = MappedText.of("Sooooo\u2019  SORE \u2026 wks").cleaned().lower().single_spaced().squeezed()
    text = text.text_speak_expanded()
    assert text.text == "soo' sore ... weeks"
    start = text.text.index("sore")
    assert text.span(start, start + 4) == (9, 13)
    assert text.span(text.text.index("weeks"), len(text.text)) == (16, 19)
    assert MappedText.of(None).text == "" and MappedText.of(7).text == "7"


@pytest.mark.parametrize(
    "text, expanded",
    [
        ("R", "R"),
        ("n", "n"),
        ("it's my R knee", "it's my R knee"),
        ("L 10 R 6", "L 10 R 6"),
        ("the R one", "the R one"),
        ("how r u", "how are you"),
        ("rite nee, footy yday", "right nee, football yesterday"),
    ],
)
def test_one_letter_answers_and_sides_are_not_text_speak(text, expanded):
    assert expand_text_speak(text) == expanded


def test_matching_text_splits_hyphens_squeezes_letters_and_expands_text_speak():
    assert for_matching("sooooo swollen, can't weight-bear") == "soo swollen, can't weight bear"
    assert (
        expand_text_speak("wakes me up every nite n its outta control")
        == "wakes me up every night and its out of control"
    )
