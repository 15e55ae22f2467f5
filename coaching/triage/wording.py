"""What the person reads: what to do now first, then why, then what this is not."""

from __future__ import annotations

from coaching.triage.model import TriageResult

NOT_A_DIAGNOSIS = (
    "This is a safety check, not a diagnosis: only a clinician who examines your knee can "
    "tell what's causing it. I'm an automated assistant, not a substitute for one."
)
NO_EXERCISES_YET = "I won't suggest exercises or self-checks until a clinician has checked your knee."
NO_WARNING_SIGNS = "You didn't mention any of the warning signs I check for."
NOT_FINISHED = "I still have a few safety questions to ask before I can suggest any exercises."


def format_triage_message(result: TriageResult) -> str:
    parts = [result.advice]  # each level's advice opens with exactly what to do ("Call 999 now")
    if result.reasons:
        parts.append("Based on what you told me:\n" + "\n".join(f"• {r.reason}" for r in result.reasons))
    elif result.screening_complete:
        parts.append(NO_WARNING_SIGNS)
    else:
        parts = [NOT_FINISHED]  # nothing ruled out yet: no "carry on" advice
    parts.append(NOT_A_DIAGNOSIS)
    if result.is_red_flag:
        parts.append(NO_EXERCISES_YET)
    return "\n\n".join(parts)
