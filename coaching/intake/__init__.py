"""Turning chat answers into normalised intake values.

The intake asks which knee hurts, where, how much, for how long, how it
started, what makes it worse, how active the person is and the results of two
self-tests (knee-to-wall and single-leg squat). People answer the way they
chat: typos ("stiars", "rite"), slang ("dunno", "footy"), several facts in one
message and corrections ("left... no wait, right"). Every function here takes
the raw message and, where Rasa extracts them, its entities, and returns a
normalised value or None when the message does not say.

Rules shared by all parsers:

* The words are read with the shared toolkit (language/): its cleaning,
  text-speak, typo corrector, clause-bounded negation, numbers and durations.
* Entities are only a hint: the text is always parsed as well, because the
  classifier misses entities. A valid entity wins over the text for the span
  it covers; a mention the classifier missed still counts.
* Mentions that are negated ("not the left", "doesn't hurt when running") are
  ignored; after a correction ("actually", "no wait", "sorry, I mean") only what
  follows counts.
* Nothing here raises: a bug is logged and the function returns its "nothing
  found" value, so the conversation goes on and the bot simply asks again.

Modules: reading (how a message is read), mentions (negations, corrections,
entities), location (side and place), pain, onset (and duration), activities,
activity_level, self_checks (knee-to-wall, single-leg squat), yes_no (and
"don't know"), facts (everything in one message).
"""

from coaching.intake.activities import ACTIVITIES, parse_activities
from coaching.intake.activity_level import ACTIVITY_LEVELS, parse_activity_level
from coaching.intake.facts import extract_intake_facts, warm_up
from coaching.intake.location import KNEE_LOCATIONS, SIDES, parse_knee_location, parse_side
from coaching.intake.onset import ONSETS, parse_duration_days, parse_onset
from coaching.intake.pain import PAIN_SCORE_MAX, PAIN_SCORE_MIN, pain_score_out_of_range, parse_pain_score
from coaching.intake.self_checks import HIP_CHECK_RESULTS, parse_distance_cm, parse_hip_check
from coaching.intake.yes_no import UNKNOWN, is_dont_know, parse_yes_no

__all__ = [
    "ACTIVITIES",
    "ACTIVITY_LEVELS",
    "HIP_CHECK_RESULTS",
    "KNEE_LOCATIONS",
    "ONSETS",
    "PAIN_SCORE_MAX",
    "PAIN_SCORE_MIN",
    "SIDES",
    "UNKNOWN",
    "extract_intake_facts",
    "is_dont_know",
    "pain_score_out_of_range",
    "parse_activities",
    "parse_activity_level",
    "parse_distance_cm",
    "parse_duration_days",
    "parse_hip_check",
    "parse_knee_location",
    "parse_onset",
    "parse_pain_score",
    "parse_side",
    "parse_yes_no",
    "warm_up",
]
