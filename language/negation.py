"""Which words a negation covers, bounded by the clause it stands in.

"no swelling, redness or heat" denies all three; "didn't fall, it just swelled
up massively" and "no injury, my calf is really swollen" deny the fall and the
injury but not the swelling. A negation covers at most WINDOW words after it
and never crosses a clause break: a full stop, "but", "and", "now", "just", or
a comma that starts a new clause rather than continuing a list. A "no" that
answers ("no wait, the right one", "no it's the left") denies nothing after it.

Readers that work on character positions ask ``negations(text).covers(pos)``;
those that read "I can't run" as naming the running, not denying it, pass
``inability=False`` ("can't", "can barely": see ``is_inability``).
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
from typing import List, Optional

from language.tokens import tokenizer

CUES = frozenset(
    {
        "no",
        "not",
        "n't",
        "nt",
        "never",
        "without",
        "nor",
        "neither",
        "none",
        "nothing",
        "hardly",
        "barely",
        "nope",
        "nah",
        "denies",
        "zero",
    }
)
# Words that start a new thought: a negation stops there.
BREAK_WORDS = frozenset(
    {
        "but",
        "and",
        "although",
        "though",
        "however",
        "yet",
        "except",
        "whereas",
        "while",
        "because",
        "cos",
        "coz",
        "so",
        "then",
        "now",
        "just",
        "still",
        "apart",
        "only",
        "mostly",
        "mainly",
        "maybe",
        "perhaps",
        "&",
        "+",
    }
)
# "no wait, the right", "nah it's the left", "no the left one": an answer word, and a new thought starts after it
# (a "no" that denies is followed by what it denies: "no swelling", never by "the" or "it").
ANSWER_CUES = frozenset({"no", "nope", "nah"})
NEW_THOUGHT_STARTS = frozenset(
    {
        "wait",
        "sorry",
        "actually",
        "hang",
        "hold",
        "i",
        "it",
        "its",
        "that",
        "this",
        "he",
        "she",
        "they",
        "we",
        "you",
        "the",
        "a",
        "an",
        "my",
        "your",
        "his",
        "her",
        "our",
        "their",
    }
)
# A pattern's gap may run over these, though a negation stops at them ("pain so bad", "weight's just dropping").
GAP_BREAK_WORDS = BREAK_WORDS - {"just", "still", "only", "now", "so", "mostly", "mainly", "maybe", "perhaps"}
WINDOW = 6  # "I don't think it's swollen": the thing denied may come a few words later
LIST_ITEM_WORDS = 2  # "no swelling, redness or heat": a list item after a comma is this short
_LIST_JOINERS = frozenset({"or", "nor"})
_LIST_COMMAS = (",", "/")


def is_break(token) -> bool:
    """A token that ends a clause for negation, gaps and look-ahead alike."""
    return (token.is_punct and token.text not in _LIST_COMMAS) or token.is_space or token.norm_ in BREAK_WORDS


def is_cue(token) -> bool:
    return token.norm_ in CUES or token.lower_ in CUES


def denies_verb(token) -> bool:
    """ "doesn't", "not", "never": says the clause's verb didn't happen ("lost weight without trying" doesn't)."""
    return token.norm_ in ("not", "never") or token.lower_ in ("not", "nt", "n't", "never")


def _answers(doc, cue: int) -> bool:
    """ "no wait", "no it's the right one": "no" answers a question rather than denying what follows."""
    return doc[cue].norm_ in ANSWER_CUES and cue + 1 < len(doc) and doc[cue + 1].norm_ in NEW_THOUGHT_STARTS


def scopes(doc) -> List[Optional[int]]:
    """For each token of a spaCy Doc, the index of the negation word that covers it (or None)."""
    covered: List[Optional[int]] = [None] * len(doc)
    for cue, token in enumerate(doc):
        if not is_cue(token) or _answers(doc, cue):
            continue
        counted, i = 0, cue + 1
        while i < len(doc) and counted < WINDOW:
            current = doc[i]
            if is_break(current) and not (current.norm_ == "so" and i == cue + 1):
                break  # but "not so much running": "so" says how much
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


def is_inability(doc, cue: int) -> bool:
    """ "can't run", "couldn't kneel", "can barely walk": the negation says what is hard, rather than denying it."""
    return cue > 0 and doc[cue].norm_ in ("not", "barely", "hardly") and doc[cue - 1].norm_ in ("can", "could")


class Negations:
    """Which characters of a text a negation covers, for readers that work on positions."""

    def __init__(self, text: str):
        doc = tokenizer()(text)
        self._starts = [token.idx for token in doc]
        self._ends = [token.idx + len(token.text) for token in doc]
        self._cue = scopes(doc)
        self._inability = [cue is not None and is_inability(doc, cue) for cue in self._cue]
        self._is_cue = [is_cue(token) for token in doc]

    def _token_at(self, pos: int) -> Optional[int]:
        i = bisect_right(self._starts, pos) - 1
        return i if i >= 0 and pos < self._ends[i] else None

    def covers(self, pos: int, *, inability: bool = True) -> bool:
        """Is the word at ``pos`` denied? With ``inability=False``, "can't run" does not deny running."""
        i = self._token_at(pos)
        if i is None or self._cue[i] is None:
            return False
        return inability or not self._inability[i]

    def has_cue(self, start: int, end: int) -> bool:
        """Does text[start:end] hold a negation word ("didn't", "no", "never")?"""
        return any(cue and start <= first < end for first, cue in zip(self._starts, self._is_cue))


@lru_cache(maxsize=256)
def negations(text: str) -> Negations:
    return Negations(text)
