"""Which of the articles' links fits a person's answers: the drivers their self-checks point to.

The intake (a dict keyed by the bot's slot names) holds two self-checks and a few symptoms:

* knee-to-wall test (``ankle_wall_left_cm`` / ``ankle_wall_right_cm``): how far the toes can
  be from the wall while the knee still touches it. Under about 10 cm, or one side clearly
  shorter than the other, is the finding ``ankle_stiff`` (restricted dorsiflexion).
* single-leg stand / squat (``hip_check``): the findings ``pelvis_drop`` (the pelvis dropping
  on the other side) and ``knee_caves_in``.

Which link ("driver") a finding points to is the articles' say, not this module's: each
source's metadata (knowledge/sources/*.meta.yml, read by knowledge/drivers.py) lists its
drivers with the findings that point to each and the symptoms that hint at it. The trainer's
article declares "ankle" (ankle_stiff) and "hip" (pelvis_drop, knee_caves_in).

The checks decide the profile. Symptoms (where the knee hurts, what brings it on) are only
weak hints: they are reported for a driver whose check is unknown, and never make a profile on
their own, so with no usable check the profile is "unclear". The profile is named after the
drivers found: "unclear" for none, the driver's name for one, "both" when the articles have two
drivers and both are found, else the names joined with "+" ("hip+foot"). Nothing here is a
diagnosis: findings only say which answers point where.

The checks themselves are read in coaching/self_checks.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from coaching.self_checks import (  # noqa: F401 - the constants are part of this module's interface
    ACTIVITIES,
    ACTIVITY_WORDS,
    ANKLE_DIFFERENCE_CM,
    ANKLE_GUIDE_CM,
    CHECKS,
    FINDINGS,
    FOUND,
    HIP_CHECK_VALUES,
    KNEE_LOCATIONS,
    KNEE_SIDES,
    KNEE_TO_WALL,
    MAX_PLAUSIBLE_CM,
    NOT_FOUND,
    SINGLE_LEG,
    UNKNOWN,
    Check,
    _activities,
    _choice,
    _hip_observations,
    _join,
    _PLURAL_WORDS,
)
from knowledge.drivers import Catalogue, Driver, load_catalogue

BOTH, UNCLEAR = "both", "unclear"


@dataclass
class DriverSignal:
    """What the answers say about one driver ("ankle", "hip", or an article's own)."""

    driver: str
    status: str  # "found" | "not_found" | "unknown" (its self-check was missing or unusable)
    evidence: List[str] = field(default_factory=list)  # codes, e.g. "left_under_guide", "knee_caves_in"
    supporting_findings: List[str] = field(default_factory=list)  # clauses behind "found"
    findings: List[str] = field(default_factory=list)  # every clause about this driver's check
    hints: List[str] = field(default_factory=list)  # symptom hint codes (only when status is "unknown")
    hint_findings: List[str] = field(default_factory=list)
    details: Dict[str, object] = field(default_factory=dict)  # measurements, as plain data
    observed: List[str] = field(default_factory=list)  # the findings behind the evidence ("ankle_stiff")


@dataclass
class MovementProfile:
    profile: str  # "unclear", a driver's name, "both", or names joined with "+"
    findings: List[str]  # plain-language clauses: which answers led there, never a diagnosis
    driver_signals: Dict[str, DriverSignal]  # every driver of the articles, in their order
    # For "unclear" only: the driver the symptom hints point to, if they clearly point one way.
    leaning: Optional[str] = None
    checks: Dict[str, str] = field(default_factory=dict)  # status of each self-check the drivers use

    @property
    def drivers(self) -> Tuple[str, ...]:
        """The drivers the profile points to, in the articles' order: () for "unclear"."""
        return tuple(name for name, signal in self.driver_signals.items() if signal.status == FOUND)

    def to_dict(self) -> dict:
        """Plain data (e.g. for a slot or a log)."""
        return asdict(self)


def profile_name(found: Sequence[str], drivers: Sequence[str]) -> str:
    """The profile's name for the drivers found, out of all the articles' ``drivers``."""
    if not found:
        return UNCLEAR
    if len(found) == 1:
        return found[0]
    return BOTH if len(found) == len(drivers) == 2 else "+".join(found)


def profile_drivers(profile: str, drivers: Sequence[str]) -> Tuple[str, ...]:
    """The drivers a profile name stands for; "unclear" and "both" stand for all of them."""
    if profile in (UNCLEAR, BOTH):
        return tuple(drivers)
    parts = profile.split("+")
    if len(set(parts)) != len(parts) or not all(p in drivers for p in parts):
        raise ValueError(
            f"profile must be {UNCLEAR}, {BOTH} or driver names joined with '+' "
            f"(drivers: {', '.join(drivers)}), not {profile!r}"
        )
    return tuple(d for d in drivers if d in parts)


# ---------------------------------------------------------------------- drivers


def _uses(driver: Driver) -> List[str]:
    """The self-checks whose findings point to the driver, in report order."""
    return [name for name in CHECKS if any(FINDINGS[f] == name for f in driver.findings)]


def _signal(driver: Driver, checks: Dict[str, Check]) -> DriverSignal:
    signal = DriverSignal(driver.name, UNKNOWN)
    for name in _uses(driver):
        check = checks[name]
        for code, finding, clause in check.evidence:
            if finding in driver.findings:
                signal.evidence.append(code)
                signal.supporting_findings.append(clause)
                if finding not in signal.observed:
                    signal.observed.append(finding)
        signal.findings.extend(check.findings)
        signal.details.update(check.details)
    if signal.evidence:
        signal.status = FOUND
    elif all(checks[name].status != UNKNOWN for name in _uses(driver)):
        signal.status = NOT_FOUND
    return signal


def bring_phrase(words: List[str]) -> str:
    """The activities with their verb: "stairs and squats bring", "running brings"."""
    plural = len(words) > 1 or words[0] in _PLURAL_WORDS
    return _join(words) + (" bring" if plural else " brings")


def _add_symptom_hints(intake: dict, drivers: Sequence[Driver], signals: Dict[str, DriverSignal]) -> None:
    """Weak hints, recorded only for a driver whose check is unknown, in the order its article lists them."""
    location = _choice(intake.get("knee_location"), KNEE_LOCATIONS)
    activities = _activities(intake.get("aggravating_activities"))
    for driver in drivers:
        signal = signals[driver.name]
        if signal.status != UNKNOWN:
            continue
        for hint in driver.hints:
            if hint.location:
                clause = hint.says if hint.location == location else None
            else:
                matched = [ACTIVITY_WORDS[a] for a in activities if a in hint.activities]
                clause = f"{bring_phrase(matched)} it on, and {hint.says}" if matched else None
            if clause:
                signal.hints.append(hint.code)
                signal.hint_findings.append(f"{clause} (a weak hint only, without the check)")


def article_drivers(catalogue: Optional[Catalogue] = None) -> Tuple[Driver, ...]:
    """The articles' drivers, checked against the findings, locations and activities read here."""
    drivers = (catalogue or load_catalogue()).drivers
    for driver in drivers:
        where = f"{driver.source_title!r}: driver {driver.name!r}"
        unknown = [f for f in driver.findings if f not in FINDINGS]
        unknown += [h.location for h in driver.hints if h.location and h.location not in KNEE_LOCATIONS]
        unknown += [a for h in driver.hints for a in h.activities if a not in ACTIVITIES]
        unknown += [a for a in (driver.plan_note.activities if driver.plan_note else ()) if a not in ACTIVITIES]
        if unknown:
            raise ValueError(
                f"{where} names {', '.join(map(repr, unknown))}: findings are {', '.join(FINDINGS)}; "
                f"locations {', '.join(KNEE_LOCATIONS)}; activities {', '.join(ACTIVITIES)}"
            )
    return drivers


# ---------------------------------------------------------------------- public API


def movement_profile(intake: Optional[dict], catalogue: Optional[Catalogue] = None) -> MovementProfile:
    """The profile (see the module's docstring) and the answers that led there."""
    intake = intake if isinstance(intake, dict) else {}
    drivers = article_drivers(catalogue)
    used = [name for name in CHECKS if any(name in _uses(d) for d in drivers)]
    checks = {name: CHECKS[name](intake) for name in used}
    signals = {d.name: _signal(d, checks) for d in drivers}
    _add_symptom_hints(intake, drivers, signals)

    found = [d.name for d in drivers if signals[d.name].status == FOUND]
    profile = profile_name(found, [d.name for d in drivers])

    leaning = None
    if profile == UNCLEAR and drivers:
        counts = sorted(((len(signals[d.name].hints), d.name) for d in drivers), reverse=True)
        if len(counts) == 1 or counts[0][0] > counts[1][0]:
            leaning = counts[0][1] if counts[0][0] else None

    findings: List[str] = [clause for name in used for clause in checks[name].findings]
    for driver in drivers:
        findings.extend(signals[driver.name].hint_findings)
    if profile == UNCLEAR and drivers and all(s.status == NOT_FOUND for s in signals.values()):
        several = len({d.source_title for d in drivers}) > 1
        findings.append(
            f"neither check showed the {_join([d.name for d in drivers], 'or')} pattern "
            + ("the articles describe" if several else "the article describes")
        )
    return MovementProfile(profile, findings, signals, leaning, {name: checks[name].status for name in used})


# Words to look up in the knowledge base for a person's symptoms. Only words the article or
# the vocabulary knows: "sitting" and "kneeling" are not in the article and would only add noise.
_LOCATION_TERMS = {
    "front": "kneecap pain PFPS",
    "outside": "IT band",
    "inside": "meniscus ligament",
}
_ACTIVITY_TERMS = {
    "running": "running",
    "walking": "walking",
    "stairs": "stairs",
    "squatting": "squatting",
    "cycling": "cycling",
    "jumping": "jumping impact",
    "changing_direction": "changes in direction",
    "sport": "sport",
}
_HIP_CHECK_TERMS = {
    "pelvis_drop": "pelvis tilt",
    "knee_caves_in": "knee moves inwards maltracking",
}


def symptom_terms(intake: Optional[dict]) -> List[str]:
    """Search words for the knowledge base, from where it hurts, what brings it on and what the
    single-leg check showed; in a fixed order, without duplicates."""
    intake = intake if isinstance(intake, dict) else {}
    terms: List[str] = []
    location = _choice(intake.get("knee_location"), KNEE_LOCATIONS)
    if location in _LOCATION_TERMS:
        terms.append(_LOCATION_TERMS[location])
    for activity in _activities(intake.get("aggravating_activities")):
        if activity in _ACTIVITY_TERMS:
            terms.append(_ACTIVITY_TERMS[activity])
    seen, _ = _hip_observations(intake.get("hip_check"))
    for observation in ("knee_caves_in", "pelvis_drop"):
        if seen and observation in seen:
            terms.append(_HIP_CHECK_TERMS[observation])
    return list(dict.fromkeys(terms))


__all__ = [
    "BOTH",
    "UNCLEAR",
    "FINDINGS",
    "ANKLE_GUIDE_CM",
    "ANKLE_DIFFERENCE_CM",
    "MAX_PLAUSIBLE_CM",
    "DriverSignal",
    "MovementProfile",
    "article_drivers",
    "movement_profile",
    "profile_drivers",
    "profile_name",
    "symptom_terms",
]
