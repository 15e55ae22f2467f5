"""The shared text toolkit (language/): cleaning, typo correction, clause-bounded negation, ages."""
from __future__ import annotations

import pytest

from language import negation
from language.numbers import number_value, parse_age
from language.spelling import TypoCorrector, edit_distance, is_english
from language.text import clean, expand_text_speak, for_matching
from language.tokens import tokenizer


def negated_words(text):
    doc = tokenizer()(text)
    return [token.text for token, covered in zip(doc, negation.negated_tokens(doc)) if covered]


@pytest.mark.parametrize("text, denied, kept", [
    ("no swelling, redness or heat", {"swelling", "redness", "heat"}, set()),
    ("not swollen, red, or hot", {"swollen", "red", "hot"}, set()),
    ("didn't fall, it just swelled up massively", {"fall"}, {"swelled", "massively"}),
    ("no injury, my calf is really swollen", {"injury"}, {"calf", "swollen"}),
    ("no injury, swollen", {"injury"}, {"swollen"}),
    ("I don't think it's swollen", {"swollen"}, set()),
    ("no pain but it swelled up", {"pain"}, {"swelled"}),
    ("not red. It is hot", {"red"}, {"hot"}),
    ("no pop and now it's swollen", {"pop"}, {"swollen"}),
])
def test_negation_stays_in_its_clause(text, denied, kept):
    covered = set(negated_words(text))
    assert denied <= covered, covered
    assert not kept & covered, covered


def test_typos_are_corrected_towards_the_vocabulary_only():
    speller = TypoCorrector(["weight", "swollen", "breathless", "numbness"])
    assert speller.correct("wieght") == "weight"
    assert speller.correct("swolen") == "swollen"
    assert speller.correct("brethless") == "breathless"
    # real English words are never rewritten, however close
    for word in ("not", "hit", "took", "hacking", "chucked", "wait"):
        assert speller.correct(word) == word
    assert speller.correct("zzzzzz") == "zzzzzz"


def test_edit_distance_counts_a_swap_as_one():
    assert edit_distance("wieght", "weight", 2) == 1
    assert edit_distance("calf", "half", 1) == 1
    assert edit_distance("abc", "xyz", 1) == 2


def test_english_includes_inflections():
    assert is_english("swelled") and is_english("crutches") and not is_english("swolen")


@pytest.mark.parametrize("text, expecting, age", [
    ("30", True, 30), ("I'm thirty", True, 30), ("mid 50s", True, 55), ("55+", True, 55), ("over 60", True, 61),
    ("late forties", True, 48), ("fifty-five", True, 55), ("about 45", True, 45), ("in my 60s", False, 65),
    ("my son is 12 and his knee hurts", False, 12), ("my 13 year old daughter", False, 13),
    ("my daughter (7) says her knee is sore", False, 7), ("aged 70", False, 70),
    ("yes", True, None), ("no", True, None), ("I'm 14 stone", False, None), ("I'm 5 foot 6", False, None),
    ("had it 12 years", False, None), ("knee hurts at 6/10", False, None), ("35", False, None),
])
def test_ages_are_read_only_where_they_are_ages(text, expecting, age):
    assert parse_age(text, expecting_age=expecting) == age


def test_number_words():
    assert number_value("fifty five") == 55 and number_value("twelve") == 12 and number_value("lots") is None


@pytest.mark.parametrize("raw", ["\ud800 lone surrogate", "zero\u200bwidth", "tab\there", None, "x" * 50_000])
def test_cleaning_never_fails_and_drops_what_breaks_pages(raw):
    text = clean(raw)
    text.encode("utf-8")  # no lone surrogate survives
    assert "\u200b" not in text and len(text) <= 20_000


def test_matching_text_splits_hyphens_squeezes_letters_and_expands_text_speak():
    assert for_matching("sooooo swollen, can't weight-bear") == "soo swollen, can't weight bear"
    assert expand_text_speak("wakes me up every nite n its outta control") == \
        "wakes me up every night and its out of control"
