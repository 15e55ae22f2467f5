"""Red-flag triage: what must be seen by a clinician before any exercise advice.

The questions, the rules (each with its source), what each level tells the
person to do and the phrases people volunteer all live in
coaching/red_flags.yml; the sources' own words are in
coaching/safety_sources.yml. This package reads the file (loader), applies it
(evaluate), finds warning signs in free text (detector) and words the advice
(wording). It never diagnoses: it decides how soon someone should be seen,
and says why in plain words.
"""

from coaching.triage.evaluate import (
    assess,
    detect_volunteered,
    is_red_flag_level,
    next_question,
    screening_complete,
)
from coaching.triage.loader import DEFAULT_PATH, load_red_flags
from coaching.triage.model import (
    A_AND_E,
    EMERGENCY,
    LEVELS,
    NO,
    SAME_DAY,
    SELF_CARE,
    SEVERITY,
    SLOTS,
    SOON,
    STATES,
    UNASKED,
    UNKNOWN,
    YES,
    Citation,
    Level,
    Question,
    Reason,
    RedFlagRules,
    RedFlagsError,
    Rule,
    Sign,
    TriageResult,
    VolunteeredFlags,
)
from coaching.triage.wording import (
    NO_EXERCISES_YET,
    NO_WARNING_SIGNS,
    NOT_A_DIAGNOSIS,
    NOT_FINISHED,
    format_triage_message,
)

__all__ = [
    "A_AND_E",
    "DEFAULT_PATH",
    "EMERGENCY",
    "LEVELS",
    "NO",
    "NO_EXERCISES_YET",
    "NO_WARNING_SIGNS",
    "NOT_A_DIAGNOSIS",
    "NOT_FINISHED",
    "SAME_DAY",
    "SELF_CARE",
    "SEVERITY",
    "SLOTS",
    "SOON",
    "STATES",
    "UNASKED",
    "UNKNOWN",
    "YES",
    "Citation",
    "Level",
    "Question",
    "Reason",
    "RedFlagRules",
    "RedFlagsError",
    "Rule",
    "Sign",
    "TriageResult",
    "VolunteeredFlags",
    "assess",
    "detect_volunteered",
    "format_triage_message",
    "is_red_flag_level",
    "load_red_flags",
    "next_question",
    "screening_complete",
]
