"""Split a reply that is longer than a provider allows into several messages.

Cuts fall at paragraph, then sentence, then word boundaries, so no message ends
mid-sentence unless one sentence alone is over the limit.
"""

from __future__ import annotations

import re
from typing import List

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def split_message(text: str, limit: int) -> List[str]:
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: List[str] = []
    current = ""
    for piece in _pieces(text, limit):
        joined = f"{current} {piece}".strip() if current else piece
        if len(joined) <= limit:
            current = joined
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, limit: int) -> List[str]:
    """Sentences (and paragraphs), with any sentence over the limit cut at words."""
    pieces: List[str] = []
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        if not sentence:
            continue
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit + 1)
            cut = cut if cut > 0 else limit
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    return pieces
