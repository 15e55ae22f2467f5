"""ops/nlu_cross_validation.py skips only the training-set scoring pass."""

from __future__ import annotations

import asyncio

import rasa.nlu.test as nlu_test

from ops import nlu_cross_validation


def test_held_out_fold_is_scored_by_rasa_and_training_fold_is_skipped(monkeypatch):
    calls = []

    async def rasa_scoring(*args):
        calls.append(args)
        return "scored"

    monkeypatch.setattr(nlu_cross_validation, "_collect_fold_results", rasa_scoring)
    metrics = ({}, {}, {})
    # cross_validate's training-set call: no result lists.
    skipped = asyncio.run(nlu_cross_validation._held_out_folds_only(*metrics, "processor", "train"))
    assert skipped == metrics and calls == []
    # its held-out call: result lists to fill, passed on unchanged.
    intent_results, entity_results, selection_results = [], [], []
    scored = asyncio.run(
        nlu_cross_validation._held_out_folds_only(
            *metrics, "processor", "test", intent_results, entity_results, selection_results
        )
    )
    assert scored == "scored"
    assert calls == [(*metrics, "processor", "test", intent_results, entity_results, selection_results)]


def test_patch_matches_the_function_rasa_calls():
    # If Rasa renamed or re-signed combine_result, the patch would silently do
    # nothing (or break cross-validation): pin the signature we wrap.
    import inspect

    params = list(inspect.signature(nlu_test.combine_result).parameters)
    assert params == list(inspect.signature(nlu_cross_validation._held_out_folds_only).parameters)
    assert "combine_result(" in inspect.getsource(nlu_test.cross_validate)
