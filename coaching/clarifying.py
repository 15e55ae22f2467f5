"""What to say when a message could not be used (see input_checks.py)."""

from __future__ import annotations

from typing import Optional

from coaching import input_checks

EXAMPLES = '"why do stiff ankles cause knee pain?" or "what exercises help my hips?"'

PROBLEM_REPLIES = {
    input_checks.EMPTY: (
        f"I didn't receive any text. What would you like to know about your knee? For example: {EXAMPLES}"
    ),
    input_checks.TOO_LONG: (
        "That's a long message, longer than I can read in one go "
        f"({input_checks.MAX_MESSAGE_CHARS:,} characters at most). Could you tell me the "
        "main thing you'd like to know in a sentence or two?"
    ),
    input_checks.NO_WORDS: (
        "I can only understand words, not emoji or symbols on their own. "
        f"What would you like to know? For example: {EXAMPLES}"
    ),
    input_checks.CODE_LIKE: (
        "That looks like code rather than a message, so I've ignored it. "
        f"What would you like to know about your knee? For example: {EXAMPLES}"
    ),
    input_checks.OTHER_LANGUAGE: (
        f"Sorry, I can only chat in English for now. Could you write your question in English? For example: {EXAMPLES}"
    ),
}

NOT_UNDERSTOOD = (
    "Sorry, I'm not sure I understood that. I can explain how stiff ankles and hip "
    f"instability relate to knee pain and suggest the article's exercises. Try {EXAMPLES}"
)


# In the middle of the questions the form asks its question again right after, so the
# reply names the problem only: "What would you like to know?" there would lose the thread.
IN_FORM_REPLIES = {
    input_checks.EMPTY: "I didn't receive any text.",
    input_checks.TOO_LONG: (
        "That's a long message, longer than I can read in one go "
        f"({input_checks.MAX_MESSAGE_CHARS:,} characters at most). A short answer is all I need."
    ),
    input_checks.NO_WORDS: "I can only understand words, not emoji or symbols on their own.",
    input_checks.CODE_LIKE: "That looks like code rather than a message, so I've ignored it.",
    input_checks.OTHER_LANGUAGE: "Sorry, I can only chat in English for now.",
}
NOT_UNDERSTOOD_IN_FORM = "Sorry, I didn't catch that."
BACK_TO_THE_QUESTIONS = "Back to your consultation:"


def reply_for_problem(problem: Optional[str], in_form: bool = False) -> str:
    if in_form:
        return f"{IN_FORM_REPLIES.get(problem or '', NOT_UNDERSTOOD_IN_FORM)} {BACK_TO_THE_QUESTIONS}"
    return PROBLEM_REPLIES.get(problem or "", NOT_UNDERSTOOD)
