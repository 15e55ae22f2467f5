"""The triage vocabulary: levels, screening slots, answer states, and the data types."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

if TYPE_CHECKING:  # the detector needs spaCy; the model stays importable without it
    from coaching.triage.detector import Detector

SELF_CARE, SOON, SAME_DAY, A_AND_E, EMERGENCY = "self_care", "soon", "same_day", "a_and_e", "emergency"
LEVELS = (SELF_CARE, SOON, SAME_DAY, A_AND_E, EMERGENCY)  # least to most urgent
SEVERITY = {name: rank for rank, name in enumerate(LEVELS)}

# The Rasa slots of the screening; the YAML must use exactly these. The last
# ones are never asked as questions: free text, the age and the pain score set them.
SLOTS = (
    "rf_injury",
    "rf_can_bear_weight",
    "rf_can_bend_90",
    "rf_pop_swelling",
    "rf_age_55_plus",
    "rf_hot_red_swollen",
    "rf_calf_pain_swelling",
    "rf_breathless_chest_pain",
    "rf_locking_giving_way",
    "rf_other_warning_signs",
    "rf_deformity",
    "rf_severe_pain",
    "rf_faint_from_pain",
    "rf_cold_foot",
    "rf_several_joints",
    "rf_operated_knee",
    "rf_chest_pain",
    "rf_coughing_blood",
    "rf_under_16",
)
# Answer states the rules are written in.
YES, NO, UNKNOWN, UNASKED = "yes", "no", "unknown", "unasked"
STATES = frozenset({YES, NO, UNKNOWN, UNASKED})


def answer_state(value: Any) -> Optional[str]:
    """The state an answer stands for (True -> yes, None -> unasked, "Unknown" -> unknown), or None if unreadable.

    YAML 1.1 and Rasa slots both turn yes/no into booleans, so both spellings count.
    """
    if value is True:
        return YES
    if value is False:
        return NO
    if value is None:
        return UNASKED
    if isinstance(value, str):
        text = {"true": YES, "false": NO}.get(value.strip().lower(), value.strip().lower())
        return text if text in STATES else None
    return None


class RedFlagsError(ValueError):
    """red_flags.yml is malformed; the message says where."""


@dataclass(frozen=True)
class Question:
    slot: str
    text: str
    flag_when: str  # YES or NO: the answer that is the warning sign
    ask_when: Mapping[str, FrozenSet[str]]
    source: str
    asked: bool = True  # False: set from free text, the age or the pain score, never asked

    @property
    def flag_value(self) -> bool:
        return self.flag_when == YES


@dataclass(frozen=True)
class Citation:
    """Where a rule's level comes from: a source in safety_sources.yml and its words."""

    source: str
    says: str
    why_level: Optional[str] = None  # where the rule's level differs from the cited section's


@dataclass(frozen=True)
class Rule:
    id: str
    when: Mapping[str, FrozenSet[str]]
    flag: str
    level: str
    reason: str
    source: str
    cites: Optional[Citation] = None


@dataclass(frozen=True)
class Level:
    name: str
    title: str
    advice: str
    allows_exercises: bool


@dataclass(frozen=True)
class Sign:
    """A warning sign people mention unasked, and the answers it implies."""

    id: str
    sets: Mapping[str, bool]
    reason: Optional[str] = None  # more precise than the rule's reason, e.g. "numbness"
    source: Optional[str] = None
    cleared: Optional[str] = None  # what the assistant confirms when the person takes it back


@dataclass(frozen=True)
class Reason:
    flag: str  # the question (slot) this reason is about
    reason: str
    source: str
    rule: str


@dataclass(frozen=True)
class TriageResult:
    level: str
    title: str
    reasons: List[Reason]
    advice: str
    # Only self_care with the screening finished: an unfinished screen has not
    # ruled the warning signs out yet.
    allows_exercises: bool
    is_red_flag: bool
    screening_complete: bool


@dataclass(frozen=True)
class VolunteeredFlags:
    flags: FrozenSet[str]  # sign ids from red_flags.yml
    answers: Dict[str, bool]  # slot -> answer implied by the text
    denied: FrozenSet[str] = frozenset()  # signs the text says are NOT there ("my calf isn't swollen")
    correction: bool = False  # the text takes something back ("I misspoke", "sorry, I meant")

    def __bool__(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class RedFlagRules:
    path: Path
    questions: Tuple[Question, ...]
    rules: Tuple[Rule, ...]
    levels: Mapping[str, Level]
    signs: Mapping[str, Sign]
    detector: "Detector" = field(repr=False, compare=False)

    def question(self, slot: str) -> Question:
        return next(q for q in self.questions if q.slot == slot)
