"""What each source article offers the consultation: its drivers, its exercises, its help line.

Beside the title and author, a source's ``<stem>.meta.yml`` may say:

* ``drivers``: the links to knee pain the article explains ("stiff ankles", "unstable hips").
  Each names the self-check findings that point to it, the section that explains it and the
  words the explanation and the exercise plan use for it (fields below);
* ``exercises``: the file of the exercises the article names, relative to the meta file
  (read by coaching/exercise_library.py; their ``target`` is one of these drivers);
* ``get_help``: the article's words for getting help, quoted at the end of an explanation.

Nothing here knows a particular article: a second source with the same fields reaches the
consultation's explanation and exercise plan without code changes. The names of findings,
knee locations and activities are checked where they are read (coaching/movement_profile.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .settings import default_sources
from .sources import discover_sources, load_meta, meta_path, read_source

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# name: id (the exercises' target, the profile's name); findings: self-check results that
# point to it; link: "stiff ankles"; body: "ankles" ("point towards the ankles");
# lead: the line before the quotes.
_REQUIRED = ("name", "findings", "link", "body", "lead")
# section: the heading that explains it (else the section with most of its causal links);
# also_explains: {finding of another check: what to say when this driver's check is missing};
# hints: weak hints from symptoms; plan_note: what the plan says about activities.
_OPTIONAL = ("section", "also_explains", "hints", "plan_note")


class SourceMetaError(ValueError):
    """A source's metadata is malformed; the message names the file and the driver."""


@dataclass(frozen=True)
class Hint:
    """A symptom that weakly points to a driver whose own check is missing.

    ``location`` (where the knee hurts): ``says`` is the whole clause. ``activities`` (what
    brings the pain on): ``says`` completes "stairs and squats bring it on, and ..."."""

    code: str
    says: str
    location: Optional[str] = None
    activities: Tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanNote:
    """Said with the plan when one of ``activities`` brings the pain on: "You said stairs bring
    it on on your pain: <says>"."""

    activities: Tuple[str, ...]
    says: str


@dataclass(frozen=True)
class Driver:
    name: str
    findings: Tuple[str, ...]
    link: str
    body: str
    lead: str
    source_title: str
    source_author: Optional[str] = None
    section: Optional[str] = None
    also_explains: Tuple[Tuple[str, str], ...] = ()
    hints: Tuple[Hint, ...] = ()
    plan_note: Optional[PlanNote] = None


@dataclass(frozen=True)
class Source:
    path: Path
    title: str
    author: Optional[str]
    exercises: Optional[Path] = None
    get_help: Optional[str] = None
    drivers: Tuple[Driver, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    sources: Tuple[Source, ...]

    @property
    def drivers(self) -> Tuple[Driver, ...]:
        """Every source's drivers, in source order then as each meta file lists them."""
        return tuple(d for s in self.sources for d in s.drivers)

    def driver(self, name: str) -> Optional[Driver]:
        return next((d for d in self.drivers if d.name == name), None)

    def source(self, title: str) -> Optional[Source]:
        return next((s for s in self.sources if s.title == title), None)

    def source_of(self, driver: Driver) -> Optional[Source]:
        return next((s for s in self.sources if driver in s.drivers), None)


# ---------------------------------------------------------------------- parsing


def _text(value, where: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SourceMetaError(f"{where}: {name} must be a non-empty text")
    return value.strip()


def _names(value, where: str, name: str, least: int = 1) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or len(value) < least:
        raise SourceMetaError(f"{where}: {name} must be a list of at least {least} name(s)")
    names = tuple(_text(v, where, f"each item of {name}") for v in value)
    bad = [n for n in names if not _NAME.match(n)]
    if bad:
        raise SourceMetaError(f"{where}: {name} must be snake_case names, not {', '.join(map(repr, bad))}")
    return names


def _mapping(value, where: str, name: str, fields: Tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise SourceMetaError(f"{where}: {name} must be a mapping of {', '.join(fields)}")
    unknown = sorted(str(k) for k in value if k not in fields)
    if unknown:
        raise SourceMetaError(f"{where}: {name} has unknown field(s) {', '.join(unknown)}")
    return value


def _hint(raw, where: str) -> Hint:
    raw = _mapping(raw, where, "each hint", ("code", "says", "location", "activities"))
    if ("location" in raw) == ("activities" in raw):
        raise SourceMetaError(f"{where}: a hint has either a location or activities")
    code = _names(raw.get("code"), where, "hint code")[0]
    says = _text(raw.get("says"), where, f"hint {code}: says")
    if "location" in raw:
        return Hint(code, says, location=_names(raw["location"], where, f"hint {code}: location")[0])
    return Hint(code, says, activities=_names(raw["activities"], where, f"hint {code}: activities"))


def _driver(raw, number: int, where: str, source: Source, headings: List[str]) -> Driver:
    where = f"{where}: driver {number}"
    raw = _mapping(raw, where, "a driver", _REQUIRED + _OPTIONAL)
    if isinstance(raw.get("name"), str):
        where += f" ({raw['name']})"
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise SourceMetaError(f"{where}: missing field(s) {', '.join(missing)}")
    section = raw.get("section")
    if section is not None:
        section = _text(section, where, "section")
        if section not in headings:
            raise SourceMetaError(f"{where}: section {section!r} is not a heading of {source.path.name}")
    also = raw.get("also_explains") or {}
    if not isinstance(also, dict):
        raise SourceMetaError(f"{where}: also_explains must be a mapping of finding: what to say")
    hints = raw.get("hints") or []
    if not isinstance(hints, list):
        raise SourceMetaError(f"{where}: hints must be a list")
    note = None
    if raw.get("plan_note") is not None:
        plan = _mapping(raw["plan_note"], where, "plan_note", ("activities", "says"))
        note = PlanNote(
            _names(plan.get("activities"), where, "plan_note.activities"),
            _text(plan.get("says"), where, "plan_note.says"),
        )
    return Driver(
        name=_names(raw["name"], where, "name")[0],
        findings=_names(raw["findings"], where, "findings"),
        link=_text(raw["link"], where, "link"),
        body=_text(raw["body"], where, "body"),
        lead=_text(raw["lead"], where, "lead"),
        source_title=source.title,
        source_author=source.author,
        section=section,
        also_explains=tuple(
            (_names(k, where, "also_explains")[0], _text(v, where, f"also_explains.{k}")) for k, v in also.items()
        ),
        hints=tuple(_hint(h, where) for h in hints),
        plan_note=note,
    )


def read_catalogue_source(path: Path) -> Source:
    """One source with what its meta file says for the consultation (no meta: nothing)."""
    document = read_source(path)
    meta = load_meta(path)
    where = str(meta_path(path))
    source = Source(path=Path(path), title=document.title, author=document.author)
    exercises = meta.get("exercises")
    if exercises is not None:
        exercises = (meta_path(path).parent / _text(exercises, where, "exercises")).resolve()
    get_help = _text(meta["get_help"], where, "get_help") if meta.get("get_help") is not None else None
    raw = meta.get("drivers") or []
    if not isinstance(raw, list):
        raise SourceMetaError(f"{where}: drivers must be a list")
    headings = [s.heading for s in document.sections]
    drivers = tuple(_driver(d, n, where, source, headings) for n, d in enumerate(raw, start=1))
    return Source(source.path, source.title, source.author, exercises, get_help, drivers)


def parse_catalogue(paths) -> Catalogue:
    sources = tuple(read_catalogue_source(p) for p in paths)
    seen: Dict[str, Source] = {}
    for source in sources:
        for driver in source.drivers:
            if driver.name in seen:
                raise SourceMetaError(
                    f"driver {driver.name!r} is declared by both {seen[driver.name].path.name} and "
                    f"{source.path.name}: give each article's driver its own name"
                )
            seen[driver.name] = source
    return Catalogue(sources)


_cache: Dict[tuple, Catalogue] = {}


def load_catalogue(sources_dir: Optional[Path] = None) -> Catalogue:
    """The sources of ``sources_dir`` (default: the knowledge base's sources), cached until a
    source or meta file changes; an empty catalogue when the folder doesn't exist."""
    folder = Path(sources_dir) if sources_dir is not None else default_sources()
    if not folder.is_dir():
        return Catalogue(())
    paths = discover_sources(folder)
    files = [p for source in paths for p in (source, meta_path(source)) if p.exists()]
    key = tuple((str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if key not in _cache:
        _cache[key] = parse_catalogue(paths)
    return _cache[key]


__all__ = [
    "Catalogue",
    "Driver",
    "Hint",
    "PlanNote",
    "Source",
    "SourceMetaError",
    "load_catalogue",
    "parse_catalogue",
    "read_catalogue_source",
]
