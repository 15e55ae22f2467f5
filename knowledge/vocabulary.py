"""Load and validate the trainer-edited concept vocabulary (knowledge/vocabulary.yml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from .settings import DEFAULT_VOCABULARY

KINDS = ("joint", "condition", "mechanism", "exercise", "activity", "symptom", "body_part", "care")


class VocabularyError(ValueError):
    """The vocabulary file is malformed; the message names the concept at fault."""


@dataclass(frozen=True)
class ConceptSpec:
    name: str
    kind: str
    label: str
    target: Optional[str] = None
    group: bool = False
    synonyms: Tuple[str, ...] = ()
    implied_by: Tuple[Tuple[str, ...], ...] = field(default=())
    broader: Tuple[str, ...] = ()

    @property
    def phrases(self) -> Tuple[str, ...]:
        """Every surface form to match: label, synonyms and the name itself, without duplicates."""
        seen, out = set(), []
        for phrase in (self.label, *self.synonyms, self.name.replace("_", " ")):
            key = phrase.strip().lower()
            if key and key not in seen:
                seen.add(key)
                out.append(phrase.strip())
        return tuple(out)


def _as_list(value, what: str, name: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise VocabularyError(f"concept {name!r}: {what} must be a list")
    return value


def parse_concepts(entries: Iterable[dict]) -> List[ConceptSpec]:
    concepts: List[ConceptSpec] = []
    names: Dict[str, ConceptSpec] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("name"):
            raise VocabularyError(f"every concept needs a name: {entry!r}")
        name = str(entry["name"]).strip()
        kind = str(entry.get("kind", "")).strip()
        if kind not in KINDS:
            raise VocabularyError(f"concept {name!r}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if name in names:
            raise VocabularyError(f"concept {name!r} is defined twice")
        synonyms = tuple(str(s) for s in _as_list(entry.get("synonyms"), "synonyms", name) if str(s).strip())
        implied = tuple(
            tuple(str(part) for part in _as_list(group, "implied_by group", name))
            for group in _as_list(entry.get("implied_by"), "implied_by", name)
        )
        broader = tuple(str(b) for b in _as_list(entry.get("broader"), "broader", name))
        spec = ConceptSpec(
            name=name,
            kind=kind,
            label=str(entry.get("label") or name.replace("_", " ")),
            target=(str(entry["target"]) if entry.get("target") else None),
            group=bool(entry.get("group", False)),
            synonyms=synonyms,
            implied_by=implied,
            broader=broader,
        )
        names[name] = spec
        concepts.append(spec)
    joints = {c.name for c in concepts if c.kind == "joint"}
    for spec in concepts:
        if spec.target and spec.target not in joints:
            raise VocabularyError(f"concept {spec.name!r}: target {spec.target!r} is not a joint concept")
        for group in spec.implied_by:
            missing = [part for part in group if part not in names]
            if missing or len(group) < 2:
                raise VocabularyError(
                    f"concept {spec.name!r}: implied_by {list(group)} needs two or more known concepts"
                )
        unknown = [b for b in spec.broader if b not in names]
        if unknown:
            raise VocabularyError(f"concept {spec.name!r}: broader concepts {unknown} are not defined")
    return concepts


def load_vocabulary(path: Optional[Path] = None) -> List[ConceptSpec]:
    path = Path(path) if path else DEFAULT_VOCABULARY
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return parse_concepts(data.get("concepts") or [])
