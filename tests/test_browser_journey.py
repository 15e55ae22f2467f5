"""The whole journey in a real headless Chromium: the person in the widget, the trainer in the inbox.

Two browser contexts (two people, two cookie jars): the person has a short
consultation exchange on the demo website, books a slot and downloads the
calendar invite, reloads and sees the history, asks for a human; the trainer
logs into the inbox, finds the conversation with its transcript, replies, and
the reply arrives live in the person's widget.
"""

from __future__ import annotations

import re

import requests

from tests.browser_support import (  # noqa: F401  (fixtures)
    browser,
    browser_required,
    page_factory,
    skip_unless_browser,
    website,
)
from tests.conftest import INBOX_PASSWORD
from tests.test_widget_browser import (
    REPLY_TIMEOUT,
    assert_no_errors,
    bot_messages,
    open_chat,
    send,
    session_id,
    wait_for_greeting,
    wait_for_reply,
)

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

pytestmark = skip_unless_browser()


def click_button(page, title_starts: str) -> None:
    button = page.locator(".kc-msg.kc-bot button:not([disabled])", has_text=title_starts).last
    expect(button).to_be_visible(timeout=REPLY_TIMEOUT)
    button.click()


def test_book_a_slot_in_the_widget_and_download_the_invite(page_factory, website, assistant):
    person = page_factory()
    page = person.page
    open_chat(page, website)
    wait_for_greeting(page)

    before = send(page, "I'd like to book a session")
    wait_for_reply(page, before, "next free times")
    slot_button = page.locator(".kc-msg.kc-bot button:not([disabled])").first
    chosen = slot_button.inner_text()
    before = bot_messages(page).count()
    slot_button.click()
    wait_for_reply(page, before, "what name")
    before = send(page, "Robin Fox")
    wait_for_reply(page, before, "email address or phone number")
    before = send(page, "robin.fox@example.com")
    readback = wait_for_reply(page, before, "read that back")
    assert chosen in readback and "Robin Fox" in readback
    before = bot_messages(page).count()
    click_button(page, "Yes, confirm")
    confirmation = wait_for_reply(page, before, "you're booked")

    link = page.locator(".kc-msg.kc-bot a[href*='/invite/']").last
    expect(link).to_be_visible()
    token = re.search(r"/invite/([^/]+)\.ics", link.get_attribute("href")).group(1)
    invite = requests.get(f"{website.url}invite/{token}.ics", timeout=10)
    assert invite.status_code == 200 and invite.headers["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in invite.text and "BEGIN:VEVENT" in invite.text
    assert re.search(r"reference is (\S+)\.", confirmation).group(1) in invite.text
    assert requests.get(f"{website.url}invite/not-a-real-token-123456.ics", timeout=10).status_code == 404
    assert_no_errors(person.errors)


def test_the_trainer_replies_from_the_inbox_and_the_reply_arrives_in_the_widget(
    page_factory, website, assistant, inbox
):
    person = page_factory()
    page = person.page
    open_chat(page, website)
    wait_for_greeting(page)
    before = send(page, "why do stiff ankles cause knee pain?")
    wait_for_reply(page, before, "Simon Jarvis")

    # reload: the history is there and it is the same conversation
    conversation = session_id(page)
    page.reload()
    expect(page.locator(".kc-panel")).to_be_visible()  # it was open: it opens again
    expect(bot_messages(page).filter(has_text="Simon Jarvis").first).to_be_visible()
    assert session_id(page) == conversation
    expect(page.locator(".kc-root")).to_have_attribute("data-kc-connection", "connected", timeout=REPLY_TIMEOUT)

    before = send(page, "can I talk to a real person")
    wait_for_reply(page, before, "will reply to you here")

    # the trainer, in a second browser context
    trainer = page_factory()
    inbox_page = trainer.page
    inbox_page.goto(f"{inbox}/")
    expect(inbox_page).to_have_url(re.compile(r"/login"))
    inbox_page.fill("#username", "trainer")
    inbox_page.fill("#password", INBOX_PASSWORD)
    inbox_page.locator("form[action='/login'] button[type=submit], form[action='/login'] input[type=submit]").click()
    expect(inbox_page.locator(f"a[href='/conversations/{conversation}']").first).to_be_visible(timeout=15_000)
    inbox_page.locator(f"a[href='/conversations/{conversation}']").first.click()
    expect(inbox_page.locator("body")).to_contain_text("why do stiff ankles cause knee pain?")
    expect(inbox_page.locator("body")).to_contain_text("No consultation")

    # the person writes while the bot is paused: it appears in the trainer's thread without a reload
    send(page, "thanks, I'll wait here")
    expect(inbox_page.locator("body")).to_contain_text("thanks, I'll wait here", timeout=15_000)

    before = bot_messages(page).count()
    inbox_page.fill("#reply-text", "Hi, it's Sam. When does the knee hurt most?")
    inbox_page.locator("button", has_text="Send reply").click()
    reply = wait_for_reply(page, before, "When does the knee hurt most?")
    assert "Sam" in reply
    trainer_message = bot_messages(page).last
    expect(trainer_message).to_contain_text("When does the knee hurt most?")

    # hand back: the bot answers again
    inbox_page.locator("button", has_text="Hand back to the assistant").click()
    expect(inbox_page.locator("body")).to_contain_text(re.compile(r"(handed back|closed|assistant)", re.I))
    before = send(page, "can weak hips cause knee pain?")
    wait_for_reply(page, before, "Simon Jarvis")
    assert_no_errors(person.errors)
