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
        report(
            f"red-flag corpus recall {level}: {per_level[level]}/{totals[level]} "
            f"({per_level[level] / totals[level]:.0%}); exactly this level: {exact[level]}/{totals[level]}"
        )
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
    report(
        f"red-flag corpus: {len(NEGATIVES) - len(raised)}/{len(NEGATIVES)} negated or irrelevant messages "
        f"raise no alarm ({precision:.1%})"
    )
    assert precision >= MIN_PRECISION, "\n".join(
        f"{level} {flags} [{kind}]: {text}" for level, flags, kind, text in raised
    )


def test_a_denied_sign_is_reported_as_denied():
    # The correction path relies on it: "my calf isn't swollen" names the calf sign as denied.
    found = detect_volunteered("my calf isn't swollen")
    assert "calf" in found.denied and not found.flags


# --- held-out sets, since used for development -------------------------------------
# Each was written, after the detector had been tuned on the corpus above, by
# someone who read neither the patterns nor the corpus, and measured once,
# untuned (2026-12-04; positives at their level or higher, negatives with no alarm):
#   red_flag_holdout.yml    98/113 (emergency 20/25, A&E 20/25, same day 31/33, soon 27/30); 57/64
#   red_flag_holdout_2.yml  90/110 (emergency 19/25, A&E 17/23, same day 33/34, soon 21/28); 63/65
# Both missed 999 and A&E signs (upper-back pain, blue lips, "clutching his chest",
# "can't get enough air", "nearly blacking out"), so the detector was improved on
# them: they are development data now, and the floors below only keep today's
# figures from getting worse. A new sealed set is needed for the next honest figure.
HOLDOUTS = {
    "red_flag_holdout.yml": (112 / 113, 63 / 64),
    "red_flag_holdout_2.yml": (109 / 110, 65 / 65),
}


def _load(name):
    return yaml.safe_load((Path(__file__).parent / "data" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(HOLDOUTS))
def test_a_held_out_set_copies_neither_training_nor_the_corpus(name):
    corpus = {item["text"].lower() for item in POSITIVES + NEGATIVES}
    data = _load(name)
    items = data["positives"] + data["negatives"]
    assert not [item["text"] for item in items if item["text"].lower() in corpus or training_copy(item["text"])]


@pytest.mark.parametrize("name", sorted(HOLDOUTS))
def test_a_held_out_set_is_measured_and_does_not_get_worse(name):
    data = _load(name)
    reached = sum(SEVERITY[level_of(item["text"])] >= SEVERITY[item["level"]] for item in data["positives"])
    quiet = sum(level_of(item["text"]) == SELF_CARE for item in data["negatives"])
    recall, no_alarm = reached / len(data["positives"]), quiet / len(data["negatives"])
    report(
        f"red-flag {name} (development data now): {reached}/{len(data['positives'])} positives at their level "
        f"or higher ({recall:.1%}); {quiet}/{len(data['negatives'])} negatives raise no alarm ({no_alarm:.1%})"
    )
    min_recall, min_no_alarm = HOLDOUTS[name]
    assert recall >= min_recall and no_alarm >= min_no_alarm
