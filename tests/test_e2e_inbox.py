"""The trainer's inbox as a real process, against the real Rasa server and action server.

A person asks for a human over the chat; the trainer logs in, sees the handoff
with transcript and summary, replies, sees the person's message sent while the
bot was paused, and hands the conversation back to the bot.
"""

from __future__ import annotations

import re

import requests

from tests.conftest import INBOX_PASSWORD as PASSWORD
from tests.conftest import new_sender, texts


def csrf(html: str, name: str = "csrf_token") -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def login(inbox: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{inbox}/login", timeout=10)
    response = session.post(
        f"{inbox}/login",
        data={"username": "trainer", "password": PASSWORD, "login_csrf": csrf(page.text, "login_csrf")},
        timeout=10,
    )
    assert response.status_code == 200 and "Log out" in response.text or "logout" in response.text.lower(), (
        response.text[:500]
    )
    return session


def test_nothing_in_the_inbox_is_reachable_without_login(inbox):
    for path in ("/", "/bookings", "/stats", "/conversations/someone"):
        response = requests.get(f"{inbox}{path}", allow_redirects=False, timeout=10)
        assert response.status_code in (302, 303, 401), (path, response.status_code)
    assert requests.post(f"{inbox}/conversations/x/reply", data={"text": "hi"}, timeout=10).status_code in (401, 403)
    bad = requests.Session()
    page = bad.get(f"{inbox}/login", timeout=10)
    response = bad.post(
        f"{inbox}/login",
        data={"username": "trainer", "password": "wrong", "login_csrf": csrf(page.text, "login_csrf")},
        timeout=10,
    )
    assert "Log out" not in response.text


def test_trainer_takes_over_a_conversation_and_hands_it_back(assistant, inbox):
    sender = new_sender()
    assistant.send("hi", sender=sender)
    assistant.send("why do stiff ankles cause knee pain?", sender=sender)
    assert "will reply to you here" in texts(
        assistant.send("can I talk to a real person instead please", sender=sender)
    )

    trainer = login(inbox)
    listing = trainer.get(f"{inbox}/", timeout=10).text
    assert sender in listing

    page = trainer.get(f"{inbox}/conversations/{sender}", timeout=30).text
    assert "why do stiff ankles cause knee pain?" in page  # the transcript
    assert "No consultation" in page  # the intake summary beside it

    # the person writes while the bot is paused: no bot answer, but the trainer sees it
    assert assistant.send("hello?? anyone", sender=sender) == []
    messages = trainer.get(f"{inbox}/conversations/{sender}/messages.json", timeout=30).json()
    assert "hello?? anyone" in str(messages)

    response = trainer.post(
        f"{inbox}/conversations/{sender}/reply",
        data={"text": "Hi, it's the trainer. Tell me more?", "csrf_token": csrf(page)},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:500]
    bots = [e for e in assistant.tracker(sender)["events"] if e["event"] == "bot"]
    assert bots[-1]["text"] == "Hi, it's the trainer. Tell me more?"
    assert bots[-1]["metadata"].get("from_trainer") is True
    # the reply is listed as delivered (a badge the page shows only for a sent reply)
    assert 'badge-sent reply-status">delivered' in trainer.get(f"{inbox}/conversations/{sender}", timeout=30).text

    # a reply without the CSRF token is refused and not delivered
    forged = trainer.post(f"{inbox}/conversations/{sender}/reply", data={"text": "forged"}, timeout=30)
    assert forged.status_code == 403
    assert "forged" not in [e.get("text") for e in assistant.tracker(sender)["events"]]

    page = trainer.get(f"{inbox}/conversations/{sender}", timeout=30).text
    response = trainer.post(f"{inbox}/conversations/{sender}/resume", data={"csrf_token": csrf(page)}, timeout=30)
    assert response.status_code == 200
    assert assistant.tracker(sender)["paused"] is False
    assert "“" in texts(assistant.send("could weak hips be causing knee pain?", sender=sender))


def test_a_new_booking_shows_in_the_inbox(assistant, inbox):
    from tests.test_e2e_booking import Booker, offer_and_pick

    booker = Booker(assistant)
    offer_and_pick(booker)
    booker.say("Nia Shah")
    booker.say("nia@example.com")
    reply = booker.say("yes")
    reference = re.search(r"reference is (\S+)\.", reply).group(1)
    trainer = login(inbox)
    assert (
        reference in trainer.get(f"{inbox}/", timeout=10).text
        or "Nia Shah" in trainer.get(f"{inbox}/", timeout=10).text
    )
    bookings_page = trainer.get(f"{inbox}/bookings", timeout=10).text
    assert "Nia Shah" in bookings_page and "nia@example.com" in bookings_page
