"""Which of the article's two links fits a person's answers: stiff ankles, unstable hips, both.

The intake (a dict keyed by the bot's slot names) holds two self-checks and a few symptoms:

* knee-to-wall test (``ankle_wall_left_cm`` / ``ankle_wall_right_cm``): how far the toes can
  be from the wall while the knee still touches it. Under about 10 cm, or one side clearly
  shorter than the other, suggests a stiff ankle (restricted dorsiflexion).
* single-leg stand / squat (``hip_check``): the pelvis dropping on the other side, or the knee
  caving in, suggests the hips are not holding the leg steady.

The checks decide the profile. Symptoms (where the knee hurts, what brings it on) are only
weak hints: they are reported for a joint whose check is unknown, and never make a profile on
their own, so with no usable check the profile is "unclear". Nothing here is a diagnosis:
findings only say which answers point where.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from coaching.self_check_answers import FINE, STIFF

ANKLE, HIP, BOTH, UNCLEAR = "ankle", "hip", "both", "unclear"
PROFILES = (ANKLE, HIP, BOTH, UNCLEAR)
DRIVERS = (ANKLE, HIP)

# Knee-to-wall guide: a toe-to-wall distance under about 10 cm is commonly read as restricted
# ankle dorsiflexion. Strictly below: 9.9 cm counts as restricted, 10 cm does not.
ANKLE_GUIDE_CM = 10.0
# Left-right difference that counts as a clear asymmetry: 2 cm or more. A common clinical rule
# of thumb, chosen to sit well above the ~1 cm that a home measurement can vary between tries;
# the shorter side is the stiffer one. Differences are compared rounded to the millimetre.
ANKLE_DIFFERENCE_CM = 2.0
# A knee-to-wall distance beyond this is not a plausible measurement in cm (mm or inches?),
# so it is set aside rather than guessed at.
MAX_PLAUSIBLE_CM = 25.0

# Status of one joint's self-check.
FOUND, NOT_FOUND, UNKNOWN = "found", "not_found", "unknown"

HIP_CHECK_VALUES = ("pelvis_drop", "knee_caves_in", "both", "normal")
KNEE_SIDES = ("left", "right", "both")
KNEE_LOCATIONS = ("front", "inside", "outside", "back", "whole")
ACTIVITIES = (
    "running", "stairs", "squatting", "cycling", "sitting", "jumping", "walking",
    "kneeling", "changing_direction", "sport",
)

_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:cm|cms|centimet(?:er|re)s?)?\s*$", re.IGNORECASE)

# Symptom hints: (code, driver, plain-language clause). Each one only points towards a joint,
# using what the article says (or, for stairs and squats, how much ankle bend they need).
_LOCATION_HINTS = {
    "front": (
        "front_of_knee", ANKLE,
        "you feel it at the front of the knee, around the kneecap, and the article links "
        "kneecap pain (PFPS) to stiff ankles",
    ),
    "outside": (
        "outside_of_knee", ANKLE,
        "you feel it on the outside of the knee, and the article links IT band syndrome to stiff ankles",
    ),
    "inside": (
        "inside_of_knee", HIP,
        "you feel it on the inside of the knee, where meniscus and ligament problems often show, "
        "and the article links those to unstable hips",
    ),
}
_ACTIVITY_HINTS = (
    (
        "deep_knee_bends", ANKLE, ("stairs", "squatting"),
        "{} on, and those need a lot of bend at the ankle",
    ),
    (
        "weight_bearing", ANKLE, ("walking", "running"),
        "{} on, and the article says stiff ankles restrict the range of motion walking and running need",
    ),
    (
        "direction_or_impact", HIP, ("changing_direction", "jumping", "sport"),
        "{} on, and the article says weak hips fail to support the knee especially "
        "in sudden changes of direction or impact",
    ),
)
_PLURAL_WORDS = {"stairs", "squats"}
_ACTIVITY_WORDS = {
    "running": "running", "stairs": "stairs", "squatting": "squats", "cycling": "cycling",
    "sitting": "sitting", "jumping": "jumping", "walking": "walking", "kneeling": "kneeling",
    "changing_direction": "changing direction", "sport": "sport",
}


@dataclass
class DriverSignal:
    """What the answers say about one joint ("ankle" or "hip")."""

    driver: str
    status: str  # "found" | "not_found" | "unknown" (the self-check was missing or unusable)
    evidence: List[str] = field(default_factory=list)  # codes, e.g. "left_under_guide", "knee_caves_in"
    supporting_findings: List[str] = field(default_factory=list)  # clauses behind "found"
    findings: List[str] = field(default_factory=list)  # every clause about this joint's check
    hints: List[str] = field(default_factory=list)  # symptom hint codes (only when status is "unknown")
    hint_findings: List[str] = field(default_factory=list)
    details: Dict[str, object] = field(default_factory=dict)  # measurements, as plain data


@dataclass
class MovementProfile:
    profile: str  # "ankle" | "hip" | "both" | "unclear"
    findings: List[str]  # plain-language clauses: which answers led there, never a diagnosis
    driver_signals: Dict[str, DriverSignal]
    # For "unclear" only: the joint the symptom hints point to, if they clearly point one way.
    leaning: Optional[str] = None

    @property
    def drivers(self) -> Tuple[str, ...]:
        """The joints the profile points to, ankle first: () for "unclear"."""
        return {ANKLE: (ANKLE,), HIP: (HIP,), BOTH: (ANKLE, HIP)}.get(self.profile, ())

    def to_dict(self) -> dict:
        """Plain data (e.g. for a slot or a log)."""
        return asdict(self)


# ---------------------------------------------------------------------- reading answers


def _known(value) -> bool:
    return value is not None and not (isinstance(value, str) and value.strip().lower() in ("", "unknown"))


def _choice(value, allowed: Iterable[str]) -> Optional[str]:
    if not isinstance(value, str):
        return None
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    return key if key in allowed else None


def _centimetres(value) -> Tuple[Optional[float], bool]:
    """(cm, given): cm is None when missing or unusable; given says whether anything was answered."""
    if not _known(value):
        return None, False
    if isinstance(value, bool):
        return None, True
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        match = _NUMBER.match(value)
        if not match:
            return None, True
        number = float(match.group(1).replace(",", "."))
    else:
        return None, True
    if not math.isfinite(number) or number < 0 or number > MAX_PLAUSIBLE_CM:
        return None, True
    return number, True


def _hip_observations(value) -> Tuple[Optional[set], bool]:
    """The set of things seen on the single-leg check, or None when unknown."""
    if not _known(value):
        return None, False
    values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
    seen = set()
    for item in values:
        choice = _choice(item, HIP_CHECK_VALUES)
        if choice == "both":
            seen.update(("pelvis_drop", "knee_caves_in"))
        elif choice:
            seen.add(choice)
    return (seen or None), True


def _activities(value) -> List[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set, frozenset)):
        return []
    found = {_choice(v, ACTIVITIES) for v in value}
    return [a for a in ACTIVITIES if a in found]  # fixed order, duplicates dropped


def _cm(number: float) -> str:
    return f"{round(number, 2):g} cm"


def _join(words: List[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# ---------------------------------------------------------------------- the two checks


def _same_side(side: str, knee_side: Optional[str]) -> str:
    return ", on the same side as your sore knee" if knee_side == side else ""


def _ankle_signal(intake: dict) -> DriverSignal:
    signal = DriverSignal(ANKLE, UNKNOWN)
    knee_side = _choice(intake.get("knee_side"), KNEE_SIDES)
    measured: Dict[str, float] = {}
    for side in ("left", "right"):
        said = intake.get(f"ankle_wall_{side}_cm")
        if said in (STIFF, FINE):  # answered in words (coaching/self_check_answers.py)
            signal.details[f"{side}_felt"] = said
            if said == STIFF:
                clause = f"you said your {side} ankle felt tight or stiff in the knee-to-wall test"
                clause += _same_side(side, knee_side)
                signal.evidence.append(f"{side}_felt_stiff")
                signal.supporting_findings.append(clause)
            else:
                clause = f"you said your {side} ankle moved fine in the knee-to-wall test"
            signal.findings.append(clause)
            continue
        cm, given = _centimetres(said)
        signal.details[f"{side}_cm"] = cm
        if cm is None:
            if given:
                signal.findings.append(
                    f"your {side} ankle measurement ({intake.get(f'ankle_wall_{side}_cm')!s}) doesn't look like a "
                    f"knee-to-wall distance in cm, so I left it out"
                )
            continue
        measured[side] = cm
        if cm < ANKLE_GUIDE_CM:
            clause = f"your {side} ankle reached {_cm(cm)} from the wall, under the ~{ANKLE_GUIDE_CM:g} cm guide"
            clause += _same_side(side, knee_side)
            signal.evidence.append(f"{side}_under_guide")
            signal.supporting_findings.append(clause)
        else:
            clause = f"your {side} ankle reached {_cm(cm)} from the wall, which meets the ~{ANKLE_GUIDE_CM:g} cm guide"
        signal.findings.append(clause)

    if len(measured) == 2:
        difference = round(abs(measured["left"] - measured["right"]), 1)
        signal.details["difference_cm"] = difference
        if difference >= ANKLE_DIFFERENCE_CM:
            stiffer = "left" if measured["left"] < measured["right"] else "right"
            other = "right" if stiffer == "left" else "left"
            signal.details["stiffer_side"] = stiffer
            clause = (
                f"your {stiffer} ankle reached {_cm(difference)} less than your {other} "
                f"({measured[stiffer]:g} vs {measured[other]:g} cm), a difference of "
                f"{ANKLE_DIFFERENCE_CM:g} cm or more"
            )
            signal.evidence.append(f"{stiffer}_stiffer")
            signal.supporting_findings.append(clause)
            signal.findings.append(clause)

    if signal.evidence:
        signal.status = FOUND
        stiff_sides = {e.split("_")[0] for e in signal.evidence}  # "left_under_guide", "left_felt_stiff"...
        if knee_side in ("left", "right") and knee_side not in stiff_sides:
            signal.findings.append(
                f"your sore knee is the {knee_side} one, while the stiffer ankle is on the other side"
            )
    elif measured:
        signal.status = NOT_FOUND
    else:
        signal.findings.append("I don't have a usable knee-to-wall measurement, so I can't tell about your ankles")
    return signal


def _hip_signal(intake: dict) -> DriverSignal:
    signal = DriverSignal(HIP, UNKNOWN)
    seen, given = _hip_observations(intake.get("hip_check"))
    if seen is None:
        signal.findings.append(
            "I don't have a usable single-leg check"
            + (f" (I couldn't read {intake.get('hip_check')!r})" if given else "")
            + ", so I can't tell about your hips"
        )
        return signal
    signal.details["observed"] = sorted(seen)
    if "pelvis_drop" in seen:
        signal.evidence.append("pelvis_drop")
        signal.supporting_findings.append("on the single-leg stand your pelvis dropped on the other side")
    if "knee_caves_in" in seen:
        signal.evidence.append("knee_caves_in")
        signal.supporting_findings.append("your knee caves in on the single-leg squat")
    signal.findings.extend(signal.supporting_findings)
    if signal.evidence:
        signal.status = FOUND
        if "normal" in seen:
            # e.g. one leg looked fine and the other didn't: what went wrong is what counts
            signal.details["conflict"] = True
            signal.findings.append(
                "you also said the check looked normal; I've gone by what you saw go wrong, "
                "which may be on one leg only"
            )
    else:
        signal.status = NOT_FOUND
        signal.findings.append("your single-leg check looked steady (no pelvis drop, no knee caving in)")
    return signal


def _add_symptom_hints(intake: dict, signals: Dict[str, DriverSignal]) -> None:
    """Weak hints, recorded only for a joint whose check is unknown."""
    hints: List[Tuple[str, str, str]] = []
    location = _choice(intake.get("knee_location"), KNEE_LOCATIONS)
    if location in _LOCATION_HINTS:
        hints.append(_LOCATION_HINTS[location])
    activities = _activities(intake.get("aggravating_activities"))
    for code, driver, names, template in _ACTIVITY_HINTS:
        matched = [_ACTIVITY_WORDS[a] for a in activities if a in names]
        if matched:
            plural = len(matched) > 1 or matched[0] in _PLURAL_WORDS
            hints.append((code, driver, template.format(_join(matched) + (" bring it" if plural else " brings it"))))
    for code, driver, clause in hints:
        signal = signals[driver]
        if signal.status == UNKNOWN:
            signal.hints.append(code)
            signal.hint_findings.append(f"{clause} (a weak hint only, without the check)")


# ---------------------------------------------------------------------- public API


def movement_profile(intake: Optional[dict]) -> MovementProfile:
    """The profile ("ankle", "hip", "both" or "unclear") and the answers that led there."""
    intake = intake if isinstance(intake, dict) else {}
    signals = {ANKLE: _ankle_signal(intake), HIP: _hip_signal(intake)}
    _add_symptom_hints(intake, signals)

    found = [d for d in DRIVERS if signals[d].status == FOUND]
    profile = BOTH if len(found) == 2 else (found[0] if found else UNCLEAR)

    leaning = None
    if profile == UNCLEAR:
        ankle_hints, hip_hints = len(signals[ANKLE].hints), len(signals[HIP].hints)
        if ankle_hints != hip_hints:
            leaning = ANKLE if ankle_hints > hip_hints else HIP

    findings: List[str] = []
    for driver in DRIVERS:
        findings.extend(signals[driver].findings)
    for driver in DRIVERS:
        findings.extend(signals[driver].hint_findings)
    if profile == UNCLEAR and all(signals[d].status == NOT_FOUND for d in DRIVERS):
        findings.append("neither check showed the ankle or hip pattern the article describes")
    return MovementProfile(profile=profile, findings=findings, driver_signals=signals, leaning=leaning)


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
    "ANKLE", "HIP", "BOTH", "UNCLEAR", "PROFILES", "ANKLE_GUIDE_CM", "ANKLE_DIFFERENCE_CM",
    "MAX_PLAUSIBLE_CM", "DriverSignal", "MovementProfile", "movement_profile", "symptom_terms",
]
