"""Requests for a diagnosis ("is it patellar tendinopathy?", "did I tear a ligament?").

The assistant never diagnoses. It says so kindly, says what a clinician would
look at for that worry, lists the signs that mean getting seen today (the
safety rules' same-day and urgent signs, in plain words), and offers the
consultation or the specialist. Nothing here names what the person has.
"""

from __future__ import annotations

import re
from typing import Optional

# What the worry is about, in the person's words: used only to echo it back.
_CONDITION = (
    r"(?:a\s+|an\s+|the\s+|my\s+)?(?:(?:acl|mcl|pcl|lcl|ligament|meniscus|menisc\w*|cartilage|tendon|patella\w*|"
    r"tendin\w+|tendon\w*|arthritis|osteo\w*|bursitis|baker'?s\s+cyst|cyst|fracture|break|broken|tear|torn|"
    r"sprain\w*|runner'?s\s+knee|jumper'?s\s+knee|pfps|it\s*band\w*|itbs|osgood\w*|chondromalacia|dislocat\w*|"
    r"gout|infection|dvt|clot)\b[\w'\s-]{0,30})"
)
# "is it X?", "do I have X?": the worry is a named condition
_ASKS = re.compile(
    rf"\b(?:is\s+(?:it|this|that|my\s+knee)|could\s+(?:it|this)\s+be|might\s+(?:it|this)\s+be|"
    rf"do\s+(?:i|you\s+think\s+i)\s+have|have\s+i\s+got|does\s+(?:it|this)\s+sound\s+like|"
    rf"am\s+i\s+(?:likely\s+to\s+)?(?:have|having))\s+(?P<worry>{_CONDITION})",
    re.I,
)
# "did I tear something?", "is my ACL torn?": the worry is damage
_DAMAGE = re.compile(
    r"\b(?:(?:did|have)\s+i\s+(?:tear|torn|break|broken|rip|ripped|damage|damaged|rupture|ruptured|sprain\w*)|"
    r"(?:is|are)\s+my\s+[\w\s]{1,20}?\s+(?:torn|broken|ruptured|damaged|snapped|gone))\b",
    re.I,
)
DAMAGE = "damage"  # the worry when someone asks whether something is torn or broken
_GENERAL = re.compile(
    r"\b(?:what(?:'s|s|\s+is)\s+wrong\s+with\s+(?:my|me|it)|diagnose\s+(?:me|my\s+knee|this|it)|"
    r"what\s+(?:do|have)\s+i\s+(?:got|have)|what\s+is\s+it\s+then|what\s+injury\s+(?:is|have)\b)",
    re.I,
)

CLINICIAN_CHECKS = (
    "A doctor or physiotherapist would ask how it started and what makes it worse, look at the knee, "
    "test how far it moves, how strong and how stable it is, press around the joint to find where it is "
    "tender, and sometimes arrange an X-ray or a scan."
)
GO_TODAY = (
    "Please get seen today (an urgent GP appointment or NHS 111) if you can't put weight on the leg, it "
    "swelled up quickly after an injury, it locks or keeps giving way, it's hot and red or you feel "
    "feverish, or your calf is painful or swollen. Call 999 if you're breathless or have chest pain."
)
OFFER = (
    'If you like, I can go through a short consultation with you (say "check my knee"): a few safety '
    "questions first, then what the trainer's article says about knees like yours. Or you can talk to "
    '{trainer} (say "talk to a person").'
)


def diagnosis_worry(text: str) -> Optional[str]:
    """The worry named in a request for a diagnosis ("" when unnamed), or None when it isn't one."""
    text = (text or "")[:500]
    asked = _ASKS.search(text)
    if asked:
        return " ".join(asked.group("worry").split()).rstrip(" ?.!")
    if _DAMAGE.search(text):
        return DAMAGE
    return "" if _GENERAL.search(text) else None


def answer_diagnosis_request(worry: str, trainer: str) -> str:
    about = {"": " what's causing it", DAMAGE: " whether anything is torn or damaged"}.get(
        worry, f" whether it's {worry}"
    )
    return "\n\n".join(
        [
            f"I can't tell you{about}: I'm an automated assistant, not a clinician, and only someone who "
            "examines your knee can diagnose it.",
            CLINICIAN_CHECKS,
            GO_TODAY,
            OFFER.format(trainer=trainer),
        ]
    )
