"""The scoring functions of benchmarks/text_libraries.py, checked on the project's own readers.

None of this needs the libraries the benchmark compares against (negspacy,
rapidfuzz, symspellpy, dateparser): they are imported only when the script runs.
"""

from __future__ import annotations

from benchmarks import text_libraries as tl
from language.spelling import TypoCorrector


def test_every_labelled_negation_case_names_a_term_of_its_message():
    cases = tl.negation_cases()
    assert len(cases) >= 200
    assert {c.source for c in cases} >= {"test_language", "test_triage", "red_flag_corpus"}
    assert sum(c.negated for c in cases) >= 50 and sum(not c.negated for c in cases) >= 50
    for case in cases:
        tl.term_span(tl.tokenizer_doc(case.text), case.term)  # raises if the term is not in the text


def test_negation_scores_count_both_kinds_of_error():
    cases = [c for c in tl.negation_cases() if c.source == "test_language"]
    denied, said = sum(c.negated for c in cases), sum(not c.negated for c in cases)
    ours = tl.score_negation(cases, tl.ours_negation())
    assert (ours.right, ours.total, ours.wrong) == (len(cases), len(cases), [])
    always = tl.score_negation(cases, lambda text, term: True, tl.context_of)
    assert (always.right, always.read_as_denied, always.read_as_said) == (denied, said, 0)
    never = tl.score_negation(cases, lambda text, term: False)
    assert (never.right, never.read_as_denied, never.read_as_said) == (said, 0, denied)
    assert sum(counts["total"] for counts in always.by_context.values()) == len(cases)


def test_typo_scores_tell_fixed_left_wrong_and_false_apart():
    cases = [
        tl.TypoCase("wieght", frozenset({"weight"}), True),
        tl.TypoCase("swolen", frozenset({"swollen"}), True),
        tl.TypoCase("hacking", frozenset({"hacking"}), False),
        tl.TypoCase("took", frozenset({"took"}), False),
    ]
    ours = tl.score_typos(cases, TypoCorrector(["weight", "swollen", "breathless"]).correct)
    assert (ours.fixed, ours.left, ours.miscorrected, ours.false_corrections) == (2, 0, 0, 0)
    unchanged = tl.score_typos(cases, lambda word: word)
    assert (unchanged.fixed, unchanged.left, unchanged.miscorrected, unchanged.false_corrections) == (0, 2, 0, 0)
    everything_x = tl.score_typos(cases, lambda word: "x")
    assert (everything_x.typos, everything_x.miscorrected, everything_x.words, everything_x.false_corrections) == (
        2,
        2,
        2,
        2,
    )


def test_typo_cases_come_from_the_tests_words():
    cases = tl._cases({"wieght": ("weight",)}, ["my calf is swolen", "I can't put wieght on it"], 4)
    assert tl.TypoCase("wieght", frozenset({"weight"}), True) in cases
    assert {c.word for c in cases if not c.typo} == {"calf", "swolen"}  # stop words and short words left out


def test_date_scores_on_our_parser_and_on_a_reader_that_finds_nothing():
    cases = tl.date_cases()
    assert len(cases) >= 100
    ours, groups = tl.score_dates(cases, tl.ours_dates)
    assert ours.right == ours.cases == len(cases), ours.wrong
    assert sum(group.cases for group in groups.values()) == len(cases)
    nothing, _ = tl.score_dates(cases, lambda text, now: tl.Reading(nothing=True))
    non_dates = sum(case.expects == ("none",) for case in cases)
    assert nothing.right == non_dates and nothing.fields["dates"] == 0
