"""The safety detector against tests/data/red_flag_corpus.yml: phrasings written from NHS wording.

The corpus was written without reading the training data or the detector's
patterns. Every positive must reach at least its level (recall 100 %, per
level); at least 95 % of the negated and irrelevant messages must raise no
alarm (no level above self-care). The figures are printed in the test run's summary.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from coaching.triage import LEVELS, SELF_CARE, SEVERITY, assess, detect_volunteered
from tests.heldout import training_copy
from tests.reporting import report

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "red_flag_corpus.yml").read_text(encoding="utf-8"))
POSITIVES = CORPUS["positives"]
NEGATIVES = CORPUS["negatives"]
MIN_PRECISION = 0.95


def level_of(text: str) -> str:
    found = detect_volunteered(text)
    return assess(found.answers, found.flags).level


def test_the_corpus_is_large_and_covers_every_level():
    assert len(POSITIVES) + len(NEGATIVES) >= 300
    by_level = Counter(item["level"] for item in POSITIVES)
    assert set(by_level) == set(LEVELS) - {SELF_CARE}
    assert min(by_level.values()) >= 25, by_level
    kinds = Counter(item["kind"] for item in NEGATIVES)
    assert kinds["negated"] >= 30 and kinds["irrelevant"] >= 30, kinds


def test_the_corpus_copies_no_training_example():
    copies = [(item["text"], training_copy(item["text"])) for item in POSITIVES + NEGATIVES]
    copies = [pair for pair in copies if pair[1]]
    assert not copies, copies[:10]


def test_every_positive_reaches_its_level():
    missed, per_level, exact = [], Counter(), Counter()
    for item in POSITIVES:
        got = level_of(item["text"])
        if SEVERITY[got] >= SEVERITY[item["level"]]:
            per_level[item["level"]] += 1
        else:
            missed.append((item["level"], got, item["text"]))
        exact[item["level"]] += got == item["level"]
    totals = Counter(item["level"] for item in POSITIVES)
    for level in reversed(LEVELS[1:]):
        report(f"red-flag corpus recall {level}: {per_level[level]}/{totals[level]} "
               f"({per_level[level] / totals[level]:.0%}); exactly this level: {exact[level]}/{totals[level]}")
    assert not missed, "\n".join(f"{want} -> {got}: {text}" for want, got, text in missed)


def test_negated_and_irrelevant_messages_raise_no_alarm():
    # An alarm is a level above self-care. Context signs ("I had a knee replacement",
    # "I fell") raise nothing on their own, so they are not false alarms.
    raised = []
    for item in NEGATIVES:
        found = detect_volunteered(item["text"])
        level = assess(found.answers, found.flags).level
        if level != SELF_CARE:
            raised.append((level, sorted(found.flags), item["kind"], item["text"]))
    precision = 1 - len(raised) / len(NEGATIVES)
    report(f"red-flag corpus: {len(NEGATIVES) - len(raised)}/{len(NEGATIVES)} negated or irrelevant messages "
           f"raise no alarm ({precision:.1%})")
    assert precision >= MIN_PRECISION, "\n".join(f"{level} {flags} [{kind}]: {text}" for level, flags, kind, text in raised)


@pytest.mark.parametrize("kind", ["negated"])
def test_a_denied_sign_is_reported_as_denied(kind):
    # The correction path relies on it: "my calf isn't swollen" names the calf sign as denied.
    found = detect_volunteered("my calf isn't swollen")
    assert "calf" in found.denied and not found.flags


# --- the first held-out set, since used for development -----------------------------
# tests/data/red_flag_holdout.yml was written after the detector was tuned on the
# corpus above, by someone who read neither. Its one untuned measurement
# (2026-12-04): positives at their level or higher 98/113 (emergency 20/25, A&E
# 20/25, same day 31/33, soon 27/30); negatives without an alarm 57/64 (four
# negatives that repeated corpus sentences were removed before that count).
# Its misses included 999 signs (upper-back pain, blue lips), so the detector was
# then improved on it: it is development data now, and red_flag_holdout_2.yml is
# the sealed set. The floors keep today's figures from getting worse.
HOLDOUT = yaml.safe_load((Path(__file__).parent / "data" / "red_flag_holdout.yml").read_text(encoding="utf-8"))
HOLDOUT_MIN_RECALL = 112 / 113
HOLDOUT_MIN_NO_ALARM = 63 / 64


def test_the_holdout_copies_neither_training_nor_corpus():
    corpus = {item["text"].lower() for item in POSITIVES + NEGATIVES}
    items = HOLDOUT["positives"] + HOLDOUT["negatives"]
    assert not [item["text"] for item in items if item["text"].lower() in corpus or training_copy(item["text"])]


def test_the_holdout_is_measured_and_does_not_get_worse():
    reached = sum(SEVERITY[level_of(item["text"])] >= SEVERITY[item["level"]] for item in HOLDOUT["positives"])
    quiet = sum(level_of(item["text"]) == SELF_CARE for item in HOLDOUT["negatives"])
    recall, no_alarm = reached / len(HOLDOUT["positives"]), quiet / len(HOLDOUT["negatives"])
    report(f"red-flag first held-out set (now development data): {reached}/{len(HOLDOUT['positives'])} positives at their level or higher "
           f"({recall:.1%}); {quiet}/{len(HOLDOUT['negatives'])} negatives raise no alarm ({no_alarm:.1%})")
    assert recall >= HOLDOUT_MIN_RECALL and no_alarm >= HOLDOUT_MIN_NO_ALARM
