"""The tailored explanation: which of the articles' links fits a person's answers, in the
articles' own words.

For each driver the profile points to, the explanation connects the person's findings ("You
told me your knee caves in on the single-leg squat") to sentences quoted from the article that
declares the driver (knowledge/drivers.py reads its metadata), found through the knowledge
base, and cites them. For an unclear profile it explains every link briefly and that a
specialist can find out which applies. It always says it is not a diagnosis and not a
substitute for a clinician.

Which sentences are quoted for a driver (deterministic, only from its own article):

* its *section*: the one its metadata names, else the one with the most sentences stating the
  driver's direct causal links (knowledge/query.py);
* the *core*: the first two sentences of that section that carry a causal link of the driver
  (the mechanism, then what it leads to), never a sentence that also carries another driver's
  direct links (such as an introduction that names both); when the vocabulary links fewer,
  the section's first sentences make up the two;
* one *extra*, only when the person's symptoms call for it: a sentence of that section (or
  another sentence stating the driver's direct link) that is the best or nearly the best match
  in its article for one of their symptom terms (coaching.movement_profile.symptom_terms).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import List, Optional, Sequence, Tuple

from coaching.movement_profile import (
    KNEE_TO_WALL,
    NOT_FOUND,
    SINGLE_LEG,
    UNKNOWN,
    MovementProfile,
    article_drivers,
    symptom_terms,
)
from knowledge.drivers import Catalogue, Driver, load_catalogue

CORE_QUOTES = 2
EXTRA_QUOTES = 1
UNCLEAR_QUOTES = 1  # per link, when the profile is unclear
SEARCH_DEPTH = 10  # passages of the article ranked per symptom when picking the extra quote
# The extra quote must score at least this share of the best match for one of the symptoms.
EXTRA_SCORE_RATIO = 0.75
HIGH_PAIN = 7

DISCLAIMER = (
    "This is general information from the trainer's article, not a diagnosis and not a "
    "substitute for a clinician: a doctor or physiotherapist can assess your knee properly."
)

# How the explanation names the self-checks (coaching/movement_profile.py) when none decided.
_CHECK_CLEAR = {
    KNEE_TO_WALL: "your ankles met the knee-to-wall guide",
    SINGLE_LEG: "your single-leg check looked steady",
}
_CHECK_NAMES = {KNEE_TO_WALL: "the knee-to-wall ankle test", SINGLE_LEG: "the single-leg check"}
_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _sort_key(passage) -> Tuple[int, int]:
    return (getattr(passage, "document_id", 0), passage.position)


def _unique(passages) -> list:
    seen, result = set(), []
    for passage in passages:
        if passage.id not in seen:
            seen.add(passage.id)
            result.append(passage)
    return result


def _links(kb, driver: str) -> tuple:
    """The knowledge base's causal steps from the driver (none when its vocabulary has no such joint)."""
    try:
        return kb.explain_link(driver).links
    except ValueError:
        return ()


def _spec(driver: str, catalogue: Optional[Catalogue]) -> Tuple[Driver, Tuple[Driver, ...]]:
    drivers = article_drivers(catalogue)
    spec = next((d for d in drivers if d.name == driver), None)
    if spec is None:
        raise ValueError(f"driver must be one of {', '.join(d.name for d in drivers)}, not {driver!r}")
    return spec, drivers


def driver_quotes(
    kb,
    driver: str,
    symptoms: Sequence[str] = (),
    core: int = CORE_QUOTES,
    extra: int = EXTRA_QUOTES,
    catalogue: Optional[Catalogue] = None,
) -> list:
    """The sentences to quote for one driver ("ankle", "hip", ...), from its article, in article order."""
    spec, drivers = _spec(driver, catalogue)

    def ours(passage) -> bool:
        return passage.document_title == spec.source_title

    shared = {s.passage.id for d in drivers if d.name != spec.name for s in _links(kb, d.name) if s.depth == 1}
    own = [s for s in _links(kb, spec.name) if s.passage.id not in shared and ours(s.passage)]
    direct = [s for s in own if s.depth == 1]
    section = spec.section or _busiest_section(direct)
    passages = [p for p in kb.passages if ours(p)]
    if section is None:  # neither a section named nor causal links: fall back on search
        ranked = [p for p in kb.answer(f"{spec.link} knee pain", limit=len(kb.passages)) if ours(p)]
        return sorted(ranked[: max(core, 1)], key=_sort_key)

    linked = sorted(_unique(s.passage for s in own), key=_sort_key)
    chosen = [p for p in linked if p.section == section][:core]
    if len(chosen) < core:  # a section the vocabulary links too little: its first sentences
        taken = shared | {p.id for p in chosen}
        chosen += [p for p in passages if p.section == section and p.id not in taken][: core - len(chosen)]
    if extra > 0 and symptoms:
        pool = {p.id for p in passages if p.section == section} | {s.passage.id for s in direct}
        pool -= shared | {p.id for p in chosen}
        chosen.extend(_best_for_symptoms(kb, symptoms, pool, ours)[:extra])
    return sorted(chosen, key=_sort_key)


def _busiest_section(direct) -> Optional[str]:
    """The section with the most sentences stating a direct link (the first one on a tie)."""
    if not direct:
        return None
    counts = Counter(p.section for p in _unique(s.passage for s in direct))
    first_position: dict = {}
    for step in direct:
        first_position.setdefault(step.passage.section, _sort_key(step.passage))
    return max(counts, key=lambda name: (counts[name], tuple(-n for n in first_position[name])))


def _best_for_symptoms(kb, symptoms: Sequence[str], pool: set, ours) -> list:
    """Sentences of ``pool`` that are (nearly) the best match in their article for one of the
    symptoms, in the order of the symptoms: a sentence that merely mentions the knee doesn't qualify."""
    found: list = []
    for term in symptoms:
        ranked = [p for p in kb.answer(term, limit=len(kb.passages)) if ours(p)][:SEARCH_DEPTH]
        for passage in ranked:
            if passage.score < EXTRA_SCORE_RATIO * ranked[0].score:
                break
            if passage.id in pool and passage.id not in {p.id for p in found}:
                found.append(passage)
    return found


def _quoted(passages: Sequence, kb) -> str:
    """Each sentence in “ ”, with the source after the last quote of each run from one section."""
    lines: List[str] = []
    for index, passage in enumerate(passages):
        lines.append(f"\u201c{passage.text.strip()}\u201d")
        citation = kb.cite(passage)
        following = kb.cite(passages[index + 1]) if index + 1 < len(passages) else None
        if citation != following:
            lines.append(f"({citation})")
    return "\n".join(lines)


def _join(words: Sequence[str], last: str = "and") -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


def _told_me(clauses: Sequence[str]) -> str:
    clauses = [c.rstrip(".") for c in clauses]
    if len(clauses) == 1:
        return f"You told me that {clauses[0]}."
    return "You told me that " + ", that ".join(clauses[:-1]) + " and that " + clauses[-1] + "."


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pain_score(value) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        match = re.match(r"^\s*(\d{1,2})\s*(?:/\s*10)?\s*$", value)
        value = int(match.group(1)) if match else None
    if isinstance(value, (int, float)) and 0 <= value <= 10:
        return int(round(value))
    return None


def _source_line(passages: Sequence) -> str:
    sources = list(
        dict.fromkeys(
            (p.document_title, getattr(p, "author", None)) for p in passages if getattr(p, "document_title", None)
        )
    )
    if not sources:
        return "Here's how your answers connect to the trainer's article."
    named = [f'"{title}"' + (f" by {author}" if author else "") for title, author in sources]
    return f"Here's how your answers connect to the trainer's article{'s' if len(named) > 1 else ''} {_join(named)}."


def _cautions(intake: dict) -> List[str]:
    notes = []
    pain = _pain_score(intake.get("pain_score"))
    if pain is not None and pain >= HIGH_PAIN:
        notes.append(
            f"You rated your pain {pain}/10, which is high: please have your knee checked by a doctor "
            "or physiotherapist rather than relying on exercises alone."
        )
    if isinstance(intake.get("pain_onset"), str) and intake["pain_onset"].strip().lower() == "sudden":
        notes.append(
            "You said the pain started suddenly. Pain that starts suddenly, especially with swelling or "
            "the knee giving way, should be checked by a clinician."
        )
    return notes


def _driver_part(profile: MovementProfile, spec: Driver, quotes: Sequence, kb, said: set, drivers) -> str:
    signal = profile.driver_signals[spec.name]
    lines = []
    told = [c for c in signal.supporting_findings if c not in said]
    if told:  # a finding two articles explain is told once, before the first
        lines.append(_told_me(told))
        said.update(told)
    lines.append(spec.lead)
    lines.append(_quoted(quotes, kb))
    for other in drivers:  # another link the article gives for the same finding, whose check is missing
        if profile.driver_signals[other.name].status != UNKNOWN:
            continue
        note = next((text for finding, text in other.also_explains if finding in signal.observed), None)
        if note and note not in said:
            lines.append(note)
            said.add(note)
    return "\n".join(lines)


def _unclear_reason(profile: MovementProfile) -> str:
    missing = [c for c, status in profile.checks.items() if status == UNKNOWN]
    parts = [_CHECK_CLEAR[c] for c, status in profile.checks.items() if status == NOT_FOUND]
    if missing:
        parts.append("I don't have usable results from " + " or ".join(_CHECK_NAMES[c] for c in missing))
    return " and ".join(parts)


def _unclear_part(profile: MovementProfile, drivers: Sequence[Driver]) -> str:
    count = len(drivers)
    several = len({d.source_title for d in drivers}) > 1
    whose, describe = (
        ("the articles'", "The articles describe") if several else ("the article's", "The article describes")
    )
    if count == 1:
        return f"From your answers I can't tell whether {whose} link applies to you: {_unclear_reason(profile)}. {describe} it:"
    every = "both" if count == 2 else f"all {_NUMBERS.get(count, count)}"
    return (
        f"From your answers I can't tell which of {whose} {_NUMBERS.get(count, count)} links applies to you: "
        f"{_unclear_reason(profile)}. {describe} {every}:"
    )


def _get_help(kb, drivers: Sequence[Driver], catalogue: Optional[Catalogue], quoted: set) -> list:
    """The article's advice to get help: the top match for the first explained article's words."""
    catalogue = catalogue or load_catalogue()
    for title in dict.fromkeys(d.source_title for d in drivers):
        source = catalogue.source(title)
        if source is not None and source.get_help:
            top = [p for p in kb.answer(source.get_help, limit=len(kb.passages)) if p.document_title == title][:1]
            return [p for p in top if p.id not in quoted]
    return []


def compose_explanation(
    profile: MovementProfile, intake: Optional[dict], kb, catalogue: Optional[Catalogue] = None
) -> str:
    """The explanation for this person, quoting and citing the articles; deterministic."""
    intake = intake if isinstance(intake, dict) else {}
    drivers = article_drivers(catalogue)
    by_name = {d.name: d for d in drivers}
    symptoms = symptom_terms(intake)
    parts: List[str] = []
    body: List[str] = []
    all_quotes: List = []

    if profile.drivers:
        explained = [by_name[name] for name in profile.drivers]
        said: set = set()
        for spec in explained:
            quotes = driver_quotes(kb, spec.name, symptoms, catalogue=catalogue)
            all_quotes.extend(quotes)
            body.append(_driver_part(profile, spec, quotes, kb, said, drivers))
        if len(explained) > 1:
            count = _NUMBERS.get(len(explained), len(explained))
            every, which = ("Both", "both") if len(explained) == 2 else (f"All {count}", f"all {count}")
            links = _join([f"the {d.name} link" for d in explained])
            body.append(
                f"{every} links may play a part for you: your answers fit {links}, "
                f"which is why the exercises work on {which}."
            )
        else:
            body.append(f"Your answers point towards the {explained[0].body}: a pointer, not a diagnosis.")
    else:
        explained = list(drivers)
        body.append(_unclear_part(profile, drivers))
        for spec in drivers:
            quotes = driver_quotes(kb, spec.name, (), core=UNCLEAR_QUOTES, extra=0, catalogue=catalogue)
            all_quotes.extend(quotes)
            body.append(f"{_capitalise(spec.link)}:\n{_quoted(quotes, kb)}")
        if profile.leaning in by_name:
            body.append(
                f"Where your knee hurts and what brings it on point a little towards the "
                f"{by_name[profile.leaning].body}, but without the checks that is only a weak hint."
            )
        which = "if either" if len(drivers) == 2 else "if any"
        body.append(f"A physical therapist or movement specialist can find out which link, {which}, applies to you.")

    specialist = _get_help(kb, explained, catalogue, {q.id for q in all_quotes})
    if specialist:
        body.append("The article also recommends getting help with this:\n" + _quoted(specialist, kb))
        all_quotes.extend(specialist)

    parts.append(_source_line(all_quotes))
    if profile.findings:
        parts.append("What you told me:\n" + "\n".join(f"- {_capitalise(f)}" for f in profile.findings))
    parts.extend(body)
    parts.extend(_cautions(intake))
    parts.append(DISCLAIMER)
    return "\n\n".join(parts)


__all__ = ["DISCLAIMER", "compose_explanation", "driver_quotes"]
