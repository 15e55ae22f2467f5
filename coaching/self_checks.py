"""The two self-checks read from a person's answers: knee-to-wall (ankle) and single-leg (hip).

Each check turns the intake's answers (numbers, words, "unknown") into a status (found, not
found, unknown), the findings it shows ("ankle_stiff", "pelvis_drop", "knee_caves_in") and the
plain-language clauses that say which answers led there. Which driver a finding points to is
for the articles to say (coaching/movement_profile.py reads that); nothing here is a diagnosis.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from coaching.self_check_answers import FINE, STIFF

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

# Status of one self-check, and of one driver.
FOUND, NOT_FOUND, UNKNOWN = "found", "not_found", "unknown"

# The self-checks, in the order they are reported, and the findings each can show: the names
# an article's drivers may declare.
KNEE_TO_WALL, SINGLE_LEG = "knee_to_wall", "single_leg"
FINDINGS = {"ankle_stiff": KNEE_TO_WALL, "pelvis_drop": SINGLE_LEG, "knee_caves_in": SINGLE_LEG}

HIP_CHECK_VALUES = ("pelvis_drop", "knee_caves_in", "both", "normal")
KNEE_SIDES = ("left", "right", "both")
KNEE_LOCATIONS = ("front", "inside", "outside", "back", "whole")
ACTIVITIES = (
    "running",
    "stairs",
    "squatting",
    "cycling",
    "sitting",
    "jumping",
    "walking",
    "kneeling",
    "changing_direction",
    "sport",
)
ACTIVITY_WORDS = {
    "running": "running",
    "stairs": "stairs",
    "squatting": "squats",
    "cycling": "cycling",
    "sitting": "sitting",
    "jumping": "jumping",
    "walking": "walking",
    "kneeling": "kneeling",
    "changing_direction": "changing direction",
    "sport": "sport",
}
_PLURAL_WORDS = {"stairs", "squats"}

_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:cm|cms|centimet(?:er|re)s?)?\s*$", re.IGNORECASE)


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
    seen: set = set()
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


def _join(words: List[str], last: str = "and") -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


# ---------------------------------------------------------------------- the two checks


@dataclass
class Check:
    status: str = UNKNOWN
    evidence: List[Tuple[str, str, str]] = field(default_factory=list)  # (code, finding, clause)
    findings: List[str] = field(default_factory=list)
    details: Dict[str, object] = field(default_factory=dict)


def _same_side(side: str, knee_side: Optional[str]) -> str:
    return ", on the same side as your sore knee" if knee_side == side else ""


def _knee_to_wall(intake: dict) -> Check:
    check = Check()
    knee_side = _choice(intake.get("knee_side"), KNEE_SIDES)
    measured: Dict[str, float] = {}
    for side in ("left", "right"):
        said = intake.get(f"ankle_wall_{side}_cm")
        if said in (STIFF, FINE):  # answered in words (coaching/self_check_answers.py)
            check.details[f"{side}_felt"] = said
            if said == STIFF:
                clause = f"you said your {side} ankle felt tight or stiff in the knee-to-wall test"
                clause += _same_side(side, knee_side)
                check.evidence.append((f"{side}_felt_stiff", "ankle_stiff", clause))
            else:
                clause = f"you said your {side} ankle moved fine in the knee-to-wall test"
            check.findings.append(clause)
            continue
        cm, given = _centimetres(said)
        check.details[f"{side}_cm"] = cm
        if cm is None:
            if given:
                check.findings.append(
                    f"your {side} ankle measurement ({intake.get(f'ankle_wall_{side}_cm')!s}) doesn't look like a "
                    f"knee-to-wall distance in cm, so I left it out"
                )
            continue
        measured[side] = cm
        if cm < ANKLE_GUIDE_CM:
            clause = f"your {side} ankle reached {_cm(cm)} from the wall, under the ~{ANKLE_GUIDE_CM:g} cm guide"
            clause += _same_side(side, knee_side)
            check.evidence.append((f"{side}_under_guide", "ankle_stiff", clause))
        else:
            clause = f"your {side} ankle reached {_cm(cm)} from the wall, which meets the ~{ANKLE_GUIDE_CM:g} cm guide"
        check.findings.append(clause)

    if len(measured) == 2:
        difference = round(abs(measured["left"] - measured["right"]), 1)
        check.details["difference_cm"] = difference
        if difference >= ANKLE_DIFFERENCE_CM:
            stiffer = "left" if measured["left"] < measured["right"] else "right"
            other = "right" if stiffer == "left" else "left"
            check.details["stiffer_side"] = stiffer
            clause = (
                f"your {stiffer} ankle reached {_cm(difference)} less than your {other} "
                f"({measured[stiffer]:g} vs {measured[other]:g} cm), a difference of "
                f"{ANKLE_DIFFERENCE_CM:g} cm or more"
            )
            check.evidence.append((f"{stiffer}_stiffer", "ankle_stiff", clause))
            check.findings.append(clause)

    if check.evidence:
        check.status = FOUND
        stiff_sides = {code.split("_")[0] for code, _, _ in check.evidence}  # "left_under_guide", ...
        if knee_side in ("left", "right") and knee_side not in stiff_sides:
            check.findings.append(
                f"your sore knee is the {knee_side} one, while the stiffer ankle is on the other side"
            )
    elif measured:
        check.status = NOT_FOUND
    else:
        check.findings.append("I don't have a usable knee-to-wall measurement, so I can't tell about your ankles")
    return check


def _single_leg(intake: dict) -> Check:
    check = Check()
    seen, given = _hip_observations(intake.get("hip_check"))
    if seen is None:
        check.findings.append(
            "I don't have a usable single-leg check"
            + (f" (I couldn't read {intake.get('hip_check')!r})" if given else "")
            + ", so I can't tell about your hips"
        )
        return check
    check.details["observed"] = sorted(seen)
    if "pelvis_drop" in seen:
        check.evidence.append(
            ("pelvis_drop", "pelvis_drop", "on the single-leg stand your pelvis dropped on the other side")
        )
    if "knee_caves_in" in seen:
        check.evidence.append(("knee_caves_in", "knee_caves_in", "your knee caves in on the single-leg squat"))
    check.findings.extend(clause for _, _, clause in check.evidence)
    if check.evidence:
        check.status = FOUND
        if "normal" in seen:
            # e.g. one leg looked fine and the other didn't: what went wrong is what counts
            check.details["conflict"] = True
            check.findings.append(
                "you also said the check looked normal; I've gone by what you saw go wrong, "
                "which may be on one leg only"
            )
    else:
        check.status = NOT_FOUND
        check.findings.append("your single-leg check looked steady (no pelvis drop, no knee caving in)")
    return check


CHECKS = {KNEE_TO_WALL: _knee_to_wall, SINGLE_LEG: _single_leg}
