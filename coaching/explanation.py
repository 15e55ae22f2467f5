"""The tailored explanation: which of the article's links fits a person's answers, in the
article's own words.

For each joint the profile points to, the explanation connects the person's findings ("You
told me your knee caves in on the single-leg squat") to sentences quoted from the trainer's
article, found through the knowledge base's causal links (knowledge/query.py), and cites
them. For an unclear profile it explains both links briefly and that a specialist can find
out which applies. It always says it is not a diagnosis and not a substitute for a clinician.

Which sentences are quoted for a joint (deterministic, from the knowledge base):

* its *section*: the one with the most sentences stating the joint's direct causal links
  ("Stiff Ankles and Knee Pain", "Hip Instability and Knee Pain");
* the *core*: the first two sentences of that section that carry a causal link of the joint
  (the mechanism, then what it leads to), never a sentence that also carries the other
  joint's direct links (such as the introduction, which names both);
* one *extra*, only when the person's symptoms call for it: a sentence of that section (or
  another sentence stating the joint's direct link) that is the best or nearly the best match
  for one of their symptom terms (coaching.movement_profile.symptom_terms), e.g. "sudden
  changes in direction" for pain when changing direction.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import List, Optional, Sequence, Tuple

from coaching.movement_profile import (
    ANKLE, BOTH, DRIVERS, FOUND, HIP, NOT_FOUND, MovementProfile, symptom_terms,
)

CORE_QUOTES = 2
EXTRA_QUOTES = 1
UNCLEAR_QUOTES = 1  # per link, when the profile is unclear
SEARCH_DEPTH = 10  # passages ranked per symptom when picking the extra quote
# The extra quote must score at least this share of the best match for one of the symptoms.
EXTRA_SCORE_RATIO = 0.75
HIGH_PAIN = 7

SPECIALIST_QUESTION = "seek guidance from a physical therapist or movement specialist"

DISCLAIMER = (
    "This is general information from the trainer's article, not a diagnosis and not a "
    "substitute for a clinician: a doctor or physiotherapist can assess your knee properly."
)

_LINK_NAMES = {ANKLE: "stiff ankles", HIP: "unstable hips"}
_JOINT_WORDS = {ANKLE: "ankles", HIP: "hips"}
_LEADS = {
    ANKLE: "The article explains how stiff ankles can lead to knee pain:",
    HIP: "The article explains how weak or unstable hips can affect the knee:",
}


def _sort_key(passage) -> Tuple[int, int]:
    return (getattr(passage, "document_id", 0), passage.position)


def _unique(passages) -> list:
    seen, result = set(), []
    for passage in passages:
        if passage.id not in seen:
            seen.add(passage.id)
            result.append(passage)
    return result


def driver_quotes(
    kb, driver: str, symptoms: Sequence[str] = (), core: int = CORE_QUOTES, extra: int = EXTRA_QUOTES
) -> list:
    """The article's sentences to quote for one joint ("ankle" or "hip"), in article order."""
    other = HIP if driver == ANKLE else ANKLE
    explanation = kb.explain_link(driver)  # symptoms are matched per term below
    shared = {s.passage.id for s in kb.explain_link(other).links if s.depth == 1}
    own = [s for s in explanation.links if s.passage.id not in shared]
    direct = [s for s in own if s.depth == 1]
    if not direct:  # vocabulary without causal links for this joint: fall back on search
        return sorted(kb.answer(f"{_LINK_NAMES[driver]} knee pain", limit=max(core, 1)), key=_sort_key)

    counts = Counter(p.section for p in _unique(s.passage for s in direct))
    first_position = {}
    for step in direct:
        first_position.setdefault(step.passage.section, _sort_key(step.passage))
    section = max(counts, key=lambda name: (counts[name], tuple(-n for n in first_position[name])))

    linked = sorted(_unique(s.passage for s in own), key=_sort_key)
    chosen = [p for p in linked if p.section == section][:core]
    if extra > 0 and symptoms:
        pool = {p.id for p in kb.passages if p.section == section} | {s.passage.id for s in direct}
        pool -= shared | {p.id for p in chosen}
        chosen.extend(_best_for_symptoms(kb, symptoms, pool)[:extra])
    return sorted(chosen, key=_sort_key)


def _best_for_symptoms(kb, symptoms: Sequence[str], pool: set) -> list:
    """Sentences of ``pool`` that are (nearly) the best match for one of the symptoms, in the
    order of the symptoms: a sentence that merely mentions the knee doesn't qualify."""
    found = []
    for term in symptoms:
        ranked = kb.answer(term, limit=SEARCH_DEPTH)
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
    first = passages[0] if passages else None
    title = getattr(first, "document_title", None)
    author = getattr(first, "author", None)
    if not title:
        return "Here's how your answers connect to the trainer's article."
    return f'Here\'s how your answers connect to the trainer\'s article "{title}"' + (
        f" by {author}." if author else "."
    )


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


def _driver_part(profile: MovementProfile, driver: str, quotes: Sequence, kb) -> str:
    signal = profile.driver_signals[driver]
    lines = []
    if signal.supporting_findings:
        lines.append(_told_me(signal.supporting_findings))
    lines.append(_LEADS[driver])
    lines.append(_quoted(quotes, kb))
    ankle_unknown = profile.driver_signals[ANKLE].status not in (FOUND, NOT_FOUND)
    if driver == HIP and "knee_caves_in" in signal.evidence and ankle_unknown:
        lines.append(
            "The article also says stiff ankles can make the knee move inwards, so the knee-to-wall "
            "ankle test is worth doing too."
        )
    return "\n".join(lines)


def _unclear_reason(profile: MovementProfile) -> str:
    words = {
        (ANKLE, NOT_FOUND): "your ankles met the knee-to-wall guide",
        (HIP, NOT_FOUND): "your single-leg check looked steady",
    }
    missing = [d for d in DRIVERS if profile.driver_signals[d].status != NOT_FOUND]
    parts = [words[(d, NOT_FOUND)] for d in DRIVERS if d not in missing]
    if missing:
        names = {ANKLE: "the knee-to-wall ankle test", HIP: "the single-leg check"}
        parts.append("I don't have usable results from " + " or ".join(names[d] for d in missing))
    return " and ".join(parts)


def compose_explanation(profile: MovementProfile, intake: Optional[dict], kb) -> str:
    """The explanation for this person, quoting and citing the article; deterministic."""
    intake = intake if isinstance(intake, dict) else {}
    symptoms = symptom_terms(intake)
    parts: List[str] = []
    body: List[str] = []
    all_quotes: List = []

    if profile.profile in (ANKLE, HIP, BOTH):
        for driver in profile.drivers:
            quotes = driver_quotes(kb, driver, symptoms)
            all_quotes.extend(quotes)
            body.append(_driver_part(profile, driver, quotes, kb))
        if profile.profile == BOTH:
            body.append(
                "Both links may play a part for you: your answers fit the ankle link and the hip link, "
                "which is why the exercises work on both."
            )
        else:
            body.append(
                f"Your answers point towards the {_JOINT_WORDS[profile.profile]}: a pointer, not a diagnosis."
            )
    else:
        body.append(
            f"From your answers I can't tell which of the article's two links applies to you: "
            f"{_unclear_reason(profile)}. The article describes both:"
        )
        for driver in DRIVERS:
            quotes = driver_quotes(kb, driver, (), core=UNCLEAR_QUOTES, extra=0)
            all_quotes.extend(quotes)
            body.append(f"{_capitalise(_LINK_NAMES[driver])}:\n{_quoted(quotes, kb)}")
        if profile.leaning in DRIVERS:
            body.append(
                f"Where your knee hurts and what brings it on point a little towards the "
                f"{_JOINT_WORDS[profile.leaning]}, but without the checks that is only a weak hint."
            )
        body.append("A physical therapist or movement specialist can find out which link, if either, applies to you.")

    specialist = [p for p in kb.answer(SPECIALIST_QUESTION, limit=1) if p.id not in {q.id for q in all_quotes}]
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
