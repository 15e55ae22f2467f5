"""The exercise library: the exercises each article names, loaded and checked.

An article that explains drivers links its exercises file in its metadata (``exercises:`` in
knowledge/sources/<stem>.meta.yml; the trainer's article links coaching/exercises.yml). A file
may list only exercises its article names (each ``article_phrase`` must be words of it), each
with steps, a starting dose, an easier version and when to stop; its ``target`` is one of the
article's drivers, and every driver needs at least one exercise. The library is every linked
file, in the order of the sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from knowledge.drivers import Catalogue, Driver, Source, load_catalogue
from knowledge.settings import default_sources

DATA_FILE = Path(__file__).resolve().parent / "exercises.yml"

MIN_STEPS, MAX_STEPS = 3, 5
_REQUIRED = ("id", "name", "target", "article_phrase", "how", "starting_dose", "easier", "stop_if", "max_pain_score")
_EASIER_FIELDS = ("how", "dose")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class ExerciseDataError(ValueError):
    """The exercises file is missing, malformed or names an exercise the article doesn't."""


@dataclass(frozen=True)
class EasierVersion:
    how: Tuple[str, ...]
    dose: str


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    target: str  # a driver of its article: "ankle" | "hip" | ...
    article_phrase: str
    how: Tuple[str, ...]
    starting_dose: str
    easier: EasierVersion
    stop_if: Tuple[str, ...]
    max_pain_score: int
    source_title: str = ""  # the article it comes from
    source_author: str = ""


@dataclass(frozen=True)
class ExerciseLibrary:
    source_title: str  # the first file's article
    source_author: str
    exercises: Tuple[Exercise, ...]
    drivers: Tuple[Driver, ...] = ()  # the articles' drivers, in order; () when not known

    def for_target(self, target: str) -> List[Exercise]:
        return [e for e in self.exercises if e.target == target]


# ---------------------------------------------------------------------- checking


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _text(value, where: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ExerciseDataError(f"{where}: {name} must be a non-empty text")
    return value.strip()


def _texts(value, where: str, name: str, least: int, most: Optional[int] = None) -> Tuple[str, ...]:
    if not isinstance(value, list):
        raise ExerciseDataError(f"{where}: {name} must be a list")
    items = tuple(_text(v, where, f"each item of {name}") for v in value)
    if len(items) < least or (most is not None and len(items) > most):
        size = f"{least} to {most}" if most is not None else f"at least {least}"
        raise ExerciseDataError(f"{where}: {name} must have {size} items, not {len(items)}")
    return items


def _either(names: Sequence[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _exercise(raw, number: int, source: str, article: Optional[str], targets: Optional[Sequence[str]]) -> Exercise:
    where = f"{source}: exercise {number}"
    if not isinstance(raw, dict):
        raise ExerciseDataError(f"{where}: expected a mapping of {', '.join(_REQUIRED)}")
    if isinstance(raw.get("id"), str):
        where += f" ({raw['id']})"
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ExerciseDataError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(str(k) for k in raw if k not in _REQUIRED)
    if unknown:
        raise ExerciseDataError(f"{where}: unknown field(s) {', '.join(unknown)} (expected {', '.join(_REQUIRED)})")
    exercise_id = _text(raw["id"], where, "id")
    if not _ID.match(exercise_id):
        raise ExerciseDataError(f"{where}: id must be snake_case letters, digits and _")
    target = raw["target"]
    if targets is not None and target not in targets:
        raise ExerciseDataError(f"{where}: target must be {_either(targets)}, not {target!r}")
    if not isinstance(target, str) or not _ID.match(target):
        raise ExerciseDataError(f"{where}: target must be a driver's snake_case name, not {target!r}")
    phrase = _text(raw["article_phrase"], where, "article_phrase")
    if article is not None and _normalised(phrase) not in article:
        raise ExerciseDataError(
            f"{where}: article_phrase {phrase!r} is not in the article: only the article's exercises may be listed"
        )
    easier = raw["easier"]
    if not isinstance(easier, dict):
        raise ExerciseDataError(f"{where}: easier must be a mapping with how and dose")
    missing = [k for k in _EASIER_FIELDS if k not in easier]
    unknown = sorted(str(k) for k in easier if k not in _EASIER_FIELDS)
    if missing or unknown:
        raise ExerciseDataError(
            f"{where}: easier must have exactly the fields how and dose"
            + (f" (missing {', '.join(missing)})" if missing else "")
            + (f" (unknown {', '.join(unknown)})" if unknown else "")
        )
    max_pain = raw["max_pain_score"]
    if isinstance(max_pain, bool) or not isinstance(max_pain, int) or not 0 <= max_pain <= 10:
        raise ExerciseDataError(f"{where}: max_pain_score must be a whole number from 0 to 10, not {max_pain!r}")
    return Exercise(
        id=exercise_id,
        name=_text(raw["name"], where, "name"),
        target=target,
        article_phrase=phrase,
        how=_texts(raw["how"], where, "how", MIN_STEPS, MAX_STEPS),
        starting_dose=_text(raw["starting_dose"], where, "starting_dose"),
        easier=EasierVersion(
            how=_texts(easier["how"], where, "easier.how", 1, MAX_STEPS),
            dose=_text(easier["dose"], where, "easier.dose"),
        ),
        stop_if=_texts(raw["stop_if"], where, "stop_if", 1),
        max_pain_score=max_pain,
    )


def parse_exercises(
    data, source: str = "exercises", article_text: Optional[str] = None, drivers: Optional[Sequence[Driver]] = None
) -> ExerciseLibrary:
    """Validate already-loaded YAML data; ``article_text`` (if given) must contain every
    article_phrase, and ``drivers`` (if given) are the only targets, each with an exercise."""
    if not isinstance(data, dict):
        raise ExerciseDataError(f"{source}: expected a mapping with 'source' and 'exercises'")
    unknown = sorted(str(k) for k in data if k not in ("source", "exercises"))
    if unknown:
        raise ExerciseDataError(f"{source}: unknown top-level field(s) {', '.join(unknown)}")
    meta = data.get("source")
    if not isinstance(meta, dict):
        raise ExerciseDataError(f"{source}: missing 'source' with the article's title and author")
    title = _text(meta.get("title"), source, "source.title")
    author = _text(meta.get("author"), source, "source.author")
    raw_exercises = data.get("exercises")
    if not isinstance(raw_exercises, list) or not raw_exercises:
        raise ExerciseDataError(f"{source}: 'exercises' must be a non-empty list")
    article = _normalised(article_text) if article_text is not None else None
    targets = [d.name for d in drivers] if drivers else None
    exercises = tuple(
        replace(_exercise(raw, n, source, article, targets), source_title=title, source_author=author)
        for n, raw in enumerate(raw_exercises, start=1)
    )
    seen: Dict[str, int] = {}
    for number, exercise in enumerate(exercises, start=1):
        if exercise.id in seen:
            raise ExerciseDataError(f"{source}: exercise {number}: id {exercise.id!r} is used twice")
        seen[exercise.id] = number
    for target in targets or ():
        if not any(e.target == target for e in exercises):
            raise ExerciseDataError(f"{source}: no exercise has target {target!r}")
    return ExerciseLibrary(title, author, exercises, tuple(drivers or ()))


# ---------------------------------------------------------------------- loading


_cache: Dict[tuple, ExerciseLibrary] = {}


def _all_texts(folder: Path) -> Optional[str]:
    if not folder.is_dir():
        return None
    texts = [p.read_text(encoding="utf-8-sig") for p in sorted(folder.iterdir()) if p.suffix in (".txt", ".md")]
    return "\n".join(texts) if texts else None


def _load_file(path: Path, catalogue: Catalogue, folder: Path) -> ExerciseLibrary:
    """One exercises file, checked against the article that links it (or has its title)."""
    try:
        stat = path.stat()
    except OSError as error:
        raise ExerciseDataError(f"{path}: cannot read the exercises file ({error.strerror})") from error
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, catalogue, str(folder))
    if key not in _cache:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ExerciseDataError(f"{path}: not valid YAML: {error}") from error
        title = (data.get("source") or {}).get("title") if isinstance(data, dict) else None
        article = _article_of(path, title, catalogue)
        if article is None:  # no article claims it: every source's words, and any target
            _cache[key] = parse_exercises(data, str(path), _all_texts(folder))
        else:
            text = article.path.read_text(encoding="utf-8-sig")
            _cache[key] = parse_exercises(data, str(path), text, article.drivers or None)
    return _cache[key]


def _article_of(path: Path, title, catalogue: Catalogue) -> Optional[Source]:
    linking = next((s for s in catalogue.sources if s.exercises and s.exercises == path.resolve()), None)
    if linking is not None and isinstance(title, str) and title.strip() != linking.title:
        raise ExerciseDataError(
            f"{path}: source.title {title.strip()!r} is not the title of {linking.path.name}, which links this file"
        )
    return linking or (catalogue.source(title.strip()) if isinstance(title, str) else None)


def load_exercises(path: Optional[Path] = None, sources_dir: Optional[Path] = None) -> ExerciseLibrary:
    """The exercise library: every exercises file the articles in ``sources_dir`` (default: the
    knowledge base's sources) link, or the one file at ``path``; cached until a file changes.

    Every article_phrase is checked against its article, so an exercise the article doesn't
    name is rejected, and every target against the article's drivers."""
    folder = Path(sources_dir) if sources_dir is not None else default_sources()
    catalogue = load_catalogue(folder)
    if path is not None:
        return _load_file(Path(path), catalogue, folder)
    for source in catalogue.sources:
        if source.drivers and source.exercises is None:
            raise ExerciseDataError(f"{source.path}: the article declares drivers but links no exercises file")
    linked = [s.exercises for s in catalogue.sources if s.exercises is not None]
    libraries = [_load_file(p, catalogue, folder) for p in linked] or [_load_file(DATA_FILE, catalogue, folder)]
    if len(libraries) == 1:
        return libraries[0]
    exercises = tuple(e for library in libraries for e in library.exercises)
    ids = [e.id for e in exercises]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ExerciseDataError(f"exercise id(s) {', '.join(twice)} used in two exercises files")
    first = libraries[0]
    return ExerciseLibrary(first.source_title, first.source_author, exercises, catalogue.drivers)


__all__ = [
    "DATA_FILE",
    "EasierVersion",
    "Exercise",
    "ExerciseDataError",
    "ExerciseLibrary",
    "load_exercises",
    "parse_exercises",
]
