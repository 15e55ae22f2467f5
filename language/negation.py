"""Which words a negation covers, bounded by the clause it stands in.

"no swelling, redness or heat" denies all three; "didn't fall, it just swelled
up massively" and "no injury, my calf is really swollen" deny the fall and the
injury but not the swelling. A negation covers at most WINDOW words after it
and never crosses a clause break: a full stop, "but", "and", "now", "just", or
a comma that starts a new clause rather than continuing a list.
"""
from __future__ import annotations

from typing import List, Optional

CUES = frozenset({
    "no", "not", "n't", "nt", "never", "without", "nor", "neither", "none", "nothing",
    "hardly", "barely", "nope", "nah", "denies", "zero",
})
# Words that start a new thought: a negation stops there.
BREAK_WORDS = frozenset({
    "but", "and", "although", "though", "however", "yet", "except", "whereas", "while",
    "because", "cos", "coz", "so", "then", "now", "just", "still", "apart", "only", "&", "+",
})
# A pattern's gap may run over these, though a negation stops at them ("pain so bad", "weight's just dropping").
GAP_BREAK_WORDS = BREAK_WORDS - {"just", "still", "only", "now", "so"}
WINDOW = 6  # "I don't think it's swollen": the thing denied may come a few words later
LIST_ITEM_WORDS = 2  # "no swelling, redness or heat": a list item after a comma is this short
_LIST_JOINERS = frozenset({"or", "nor"})
_LIST_COMMAS = (",", "/")


def is_break(token) -> bool:
    """A token that ends a clause for negation, gaps and look-ahead alike."""
    return (token.is_punct and token.text not in _LIST_COMMAS) or token.is_space or token.norm_ in BREAK_WORDS


def is_cue(token) -> bool:
    return token.norm_ in CUES or token.lower_ in CUES


def scopes(doc) -> List[Optional[int]]:
    """For each token of a spaCy Doc, the index of the negation word that covers it (or None)."""
    covered: List[Optional[int]] = [None] * len(doc)
    for cue, token in enumerate(doc):
        if not is_cue(token):
            continue
        counted, i = 0, cue + 1
        while i < len(doc) and counted < WINDOW:
            current = doc[i]
            if is_break(current):
                break
            if current.text in _LIST_COMMAS:
                if not _continues_a_list(doc, i + 1):
                    break  # "no injury, my calf is swollen": a new clause
                i += 1
                continue
            covered[i] = cue
            if current.norm_ not in _LIST_JOINERS:
                counted += 1
            i += 1
    return covered


def _continues_a_list(doc, start: int) -> bool:
    """After a comma: a short item followed by "or", "nor" or another comma is a list, anything else a clause."""
    length = 0
    if start < len(doc) and doc[start].norm_ in _LIST_JOINERS:
        return True  # "not swollen, red, or hot"
    for token in doc[start:]:
        if token.text in _LIST_COMMAS or token.norm_ in _LIST_JOINERS:
            return 0 < length <= LIST_ITEM_WORDS
        if is_break(token):
            return False
        length += 1
        if length > LIST_ITEM_WORDS:
            return False
    return False  # "no injury, swollen": an item that ends the message is a new statement


def negated_tokens(doc) -> List[bool]:
    return [cue is not None for cue in scopes(doc)]
