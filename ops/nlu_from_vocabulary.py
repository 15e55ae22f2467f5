"""Feed the trainer's vocabulary (knowledge/vocabulary.yml) into the NLU data.

Writes bot/data/nlu/generated_vocabulary.yml (not committed): a lookup table
per entity, which the RegexFeaturizer turns into features, and synonyms that
map everyday words to the entity values the actions expect ("jogging" ->
running). A trainer who adds a synonym improves understanding at the next
training, with no code change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from knowledge.vocabulary import load_vocabulary

import settings

TARGET = settings.ROOT / "bot" / "data" / "nlu" / "generated_vocabulary.yml"
# Vocabulary kind -> NLU entity; concept names are the entity values.
ENTITY_FOR_KIND = {"activity": "activity"}
SKIP_CONCEPTS = {"weight_bearing"}  # a grouping in the article, not something people report


def render(vocabulary_path: Path | None = None) -> str:
    lookups: Dict[str, List[str]] = {}
    synonyms: Dict[str, List[str]] = {}
    for concept in load_vocabulary(vocabulary_path):
        entity = ENTITY_FOR_KIND.get(concept.kind)
        if not entity or concept.name in SKIP_CONCEPTS:
            continue
        surfaces = sorted({s.lower() for s in concept.synonyms} | {concept.name.replace("_", " ")})
        lookups.setdefault(entity, []).extend(surfaces)
        synonyms[concept.name] = [s for s in surfaces if s != concept.name]
    lines = [
        'version: "3.1"',
        "# Generated from knowledge/vocabulary.yml by ops/nlu_from_vocabulary.py. Do not edit.",
        "nlu:",
    ]
    for entity, values in sorted(lookups.items()):
        lines += [f"- lookup: {entity}", "  examples: |"] + [f"    - {v}" for v in sorted(set(values))]
    for value, surfaces in sorted(synonyms.items()):
        if surfaces:
            lines += [f"- synonym: {value}", "  examples: |"] + [f"    - {s}" for s in surfaces]
    return "\n".join(lines) + "\n"


def write(vocabulary_path: Path | None = None) -> bool:
    """Write the file if its content changed; True when it did."""
    content = render(vocabulary_path)
    if TARGET.exists() and TARGET.read_text(encoding="utf-8") == content:
        return False
    TARGET.write_text(content, encoding="utf-8")
    return True
