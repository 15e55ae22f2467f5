"""Texts from the channels are cleaned before the pipeline: lone surrogates and control characters."""

from __future__ import annotations

import json

import pytest

from bot.channels.limits import clean_text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('"my knee \\ud800 hurts"', "my knee \ufffd hurts"),  # a lone high surrogate
        ('"\\udfff"', "\ufffd"),  # a lone low one
        ('"\\ud83d\\ude00 fine"', "\U0001f600 fine"),  # a pair is one emoji: kept
        ('"tab\\tand\\nlines\\r"', "tab\tand\nlines\r"),
        ('"nul\\u0000 bell\\u0007 del\\u007f"', "nul bell del"),
        ('"caf\\u00e9 \\u2014 ok"', "café — ok"),
    ],
)
def test_text_from_json_is_cleaned(raw, expected):
    cleaned = clean_text(json.loads(raw))
    assert cleaned == expected
    cleaned.encode("utf-8")  # what every store and page needs


def test_anything_but_text_is_left_alone():
    assert clean_text(None) is None and clean_text(5) == 5 and clean_text({"a": 1}) == {"a": 1}
