"""Held-out means held out: the NLU training examples, and a near-duplicate check against them.

A test message counts as a copy when its normalised text (lower case, letters
and digits only) equals a training example's or is within edit distance 3 of one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional

import yaml

from language.spelling import edit_distance

NLU_DIR = Path(__file__).resolve().parent.parent / "bot" / "data" / "nlu"
NEAR = 3
_ANNOTATION = re.compile(r"\[([^\]]*)\]\s*(?:\([^)]*\)|\{[^}]*\})")


def normalise(text: str) -> str:
    text = _ANNOTATION.sub(r"\1", text)  # "[left](side)" -> "left"
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@lru_cache(maxsize=1)
def training_examples() -> FrozenSet[str]:
    examples = set()
    for path in sorted(NLU_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.add(normalise(line[2:]))
    examples.discard("")
    return frozenset(examples)


@lru_cache(maxsize=1)
def _by_length() -> Dict[int, List[str]]:
    index: Dict[int, List[str]] = {}
    for example in training_examples():
        index.setdefault(len(example), []).append(example)
    return index


def training_copy(text: str) -> Optional[str]:
    """The training example this text copies (exactly or nearly), or None."""
    wanted = normalise(text)
    if wanted in training_examples():
        return wanted
    for length in range(len(wanted) - NEAR, len(wanted) + NEAR + 1):
        for example in _by_length().get(length, ()):
            if edit_distance(wanted, example, NEAR) <= NEAR:
                return example
    return None
