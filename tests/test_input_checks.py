"""Plain-Python checks that decide which messages go to the fallback."""

import pytest

from coaching import input_checks as checks


@pytest.mark.parametrize(
    "text, problem",
    [
        (None, checks.EMPTY),
        ("", checks.EMPTY),
        (" \n\t", checks.EMPTY),
        ("a" * (checks.MAX_MESSAGE_CHARS + 1), checks.TOO_LONG),
        ("😀😀🙏", checks.NO_WORDS),
        ("???!!", checks.NO_WORDS),
        ("🦵", checks.NO_WORDS),
        ("hola, me duele mucho la rodilla cuando corro", checks.OTHER_LANGUAGE),
        ("J'ai mal au genou quand je cours", checks.OTHER_LANGUAGE),
        ("Ich habe Schmerzen im Knie", checks.OTHER_LANGUAGE),
        ("mijn knie doet pijn als ik ren", checks.OTHER_LANGUAGE),
        ("у меня болит колено", checks.OTHER_LANGUAGE),
        ("膝が痛い", checks.OTHER_LANGUAGE),
        ("'; DROP TABLE events; --", checks.CODE_LIKE),
        ("<script>alert('x')</script>", checks.CODE_LIKE),
        ("Robert'); DROP TABLE Students;--", checks.CODE_LIKE),
        ("' OR '1'='1", checks.CODE_LIKE),
        ("SELECT * FROM users WHERE 1=1", checks.CODE_LIKE),
        ("${jndi:ldap://x}", checks.CODE_LIKE),
        ("asdfgh jkl", checks.KEYBOARD_MASH),
        ("qwrtp blorf", checks.KEYBOARD_MASH),
        ("zxcvbnm", checks.KEYBOARD_MASH),
        ("hjkl hjkl", checks.KEYBOARD_MASH),
        ("ASDF", checks.KEYBOARD_MASH),
    ],
)
def test_unusable_messages(text, problem):
    assert checks.classify_message(text) == problem


@pytest.mark.parametrize(
    "text",
    [
        "7",
        "6/10",
        "hi",
        "no",
        "idk",
        "nope",
        "left",
        "runners knee",
        "my nee hurtz wen i run up stares",
        "wat is maltraking",
        "why do stiff ankles cause knee pain?",
        "can weak hipps cause menicus tears",
        "left knee, front, hurts on stairs for 3 weeks, about 6/10",
        "ive got pfps and itbs lol",
        "knee hurts when i squat and go dwn stairs",
        "a" * checks.MAX_MESSAGE_CHARS,
        "i had to drop my table tennis sessions",
        "select the exercises from the article for me",
        "my hip dropped a bit; knee went in",
        # chat shorthand and drawn-out words are not keyboard mashing
        "thnks",
        "thx",
        "ttyl",
        "gtg",
        "k",
        "tmrw afternoon",
        "hmmmm",
        "plzzz",
        "brb",
        "asdf is that my knee",
    ],
)
def test_english_the_way_people_write_it_is_accepted(text):
    assert checks.classify_message(text) is None


@pytest.mark.parametrize(
    "problem", [checks.EMPTY, checks.NO_WORDS, checks.CODE_LIKE, checks.OTHER_LANGUAGE, checks.TOO_LONG, None]
)
def test_in_the_middle_of_the_questions_a_problem_is_named_without_asking_what_they_want(problem):
    from coaching.clarifying import reply_for_problem

    reply = reply_for_problem(problem, in_form=True)
    assert reply.endswith("Back to your consultation:")
    assert "What would you like to know" not in reply and "For example" not in reply
    assert reply != reply_for_problem(problem)


def test_an_unusable_message_does_not_count_as_an_attempt_at_the_question():
    from coaching.consultation import is_attempted_answer

    assert is_attempted_answer("the left one", "inform_symptoms")
    assert not is_attempted_answer("👍👍", "nlu_fallback")
    assert not is_attempted_answer("", None)
