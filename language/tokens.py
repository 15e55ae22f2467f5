"""The one tokenizer every reader shares: spaCy's blank English rules.

Its norms already undo the contractions people type with or without the
apostrophe: "can't", "cant" and "cannot" all give the norms "can", "not".
"""

from __future__ import annotations

from functools import lru_cache

import spacy


@lru_cache(maxsize=1)
def tokenizer():
    return spacy.blank("en").tokenizer


@lru_cache(maxsize=None)
def norms(phrase: str) -> tuple:
    """Token norms of a phrase as the tokenizer gives them in context."""
    return tuple(token.norm_ for token in tokenizer()(phrase))
