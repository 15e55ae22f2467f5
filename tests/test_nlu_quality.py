"""NLU quality: 5-fold cross-validation of the real pipeline on our own examples.

Trains five NLU models, so it is the slowest test; the report is kept in
results/nlu_cross_validation/ for reading (intent and entity reports, confusion).
"""

from __future__ import annotations

import json
import shutil

import yaml

import settings
from tests.heldout import training_copy
from tests.reporting import report as report_line
from tests.test_rasa_data import rasa

OUT = settings.ROOT / "results" / "nlu_cross_validation"
# The consultation issue's targets. History: 0.897 with 23 intents, 0.93-0.935
# after ~720 more examples and word-pair features, 0.957 after word-class
# features (bot/data/nlu/word_patterns.yml) and ~850 more examples; entity F1
# 0.945 with DIET's entity layer, 0.955 with the CRFEntityExtractor.
MIN_INTENT_MACRO_F1 = 0.95
MIN_ENTITY_F1 = 0.90


def test_cross_validation_meets_the_targets():
    shutil.rmtree(OUT, ignore_errors=True)
    # Rasa's own cross-validation, without re-scoring each fold's training data
    # (ops/nlu_cross_validation.py says why).
    result = rasa(
        "test",
        "nlu",
        "--nlu",
        "bot/data/nlu",
        "--config",
        "config.yml",
        "--cross-validation",
        "--folds",
        "5",
        "--out",
        str(OUT),
        timeout=2400,
        module="ops.nlu_cross_validation",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    intents = json.loads((OUT / "intent_report.json").read_text())
    # Entities come from the CRFEntityExtractor, intents from DIET (config.yml says why).
    entities = json.loads((OUT / "CRFEntityExtractor_report.json").read_text())
    intent_f1 = intents["macro avg"]["f1-score"]
    entity_f1 = entities["micro avg"]["f1-score"] if "micro avg" in entities else entities["weighted avg"]["f1-score"]
    weakest = sorted(
        (name, round(report["f1-score"], 3))
        for name, report in intents.items()
        if isinstance(report, dict) and "f1-score" in report and name not in ("macro avg", "weighted avg", "micro avg")
    )
    report_line(
        f"NLU 5-fold cross-validation (our own examples): intent macro-F1 {intent_f1:.3f}, entity F1 {entity_f1:.3f}"
    )
    print("per intent:", weakest)
    assert intent_f1 >= MIN_INTENT_MACRO_F1, weakest
    assert entity_f1 >= MIN_ENTITY_F1, {k: v for k, v in entities.items() if isinstance(v, dict)}


# The held-out set (tests/data/nlu_heldout.yml) was written from the article's and
# NHS pages' vocabulary and chat-style phrasing, by someone who did not read the
# training data, with entity labels. No example may equal a training example or be
# within edit distance 3 of one (tests/heldout.py). Its figures are reported as
# measured; the floors only catch a broken model, they are not the targets.
HELDOUT = settings.ROOT / "tests" / "data" / "nlu_heldout.yml"
FLOOR_INTENT_MACRO_F1 = 0.60
FLOOR_ENTITY_F1 = 0.50


def heldout_examples():
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    return [
        line.strip()[2:]
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.strip().startswith("- ")
    ]


def test_the_heldout_set_shares_nothing_with_training():
    examples = heldout_examples()
    assert len(examples) >= 260
    copies = [(text, training_copy(text)) for text in examples]
    assert not [pair for pair in copies if pair[1]], [pair for pair in copies if pair[1]][:10]


def test_trained_model_on_messages_it_has_never_seen(trained_model, tmp_path):
    out = tmp_path / "heldout"
    result = rasa("test", "nlu", "--nlu", str(HELDOUT), "--model", str(trained_model), "--out", str(out))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    intents = json.loads((out / "intent_report.json").read_text())
    entities = json.loads((out / "CRFEntityExtractor_report.json").read_text())
    errors = json.loads((out / "intent_errors.json").read_text())
    intent_f1 = intents["macro avg"]["f1-score"]
    entity_f1 = entities["micro avg"]["f1-score"] if "micro avg" in entities else entities["weighted avg"]["f1-score"]
    report_line(
        f"NLU held-out set ({len(heldout_examples())} messages never trained on): intent macro-F1 "
        f"{intent_f1:.3f}, entity F1 {entity_f1:.3f}, {len(errors)} intents misread"
    )
    assert intent_f1 >= FLOOR_INTENT_MACRO_F1 and entity_f1 >= FLOOR_ENTITY_F1
