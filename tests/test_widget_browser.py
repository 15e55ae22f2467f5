"""The website chat widget in a real headless Chromium, against the real Rasa server.

The demo website (website_widget.server) runs on one port and Rasa on another,
so every test is a cross-origin embed over socket.io (websocket transport), as
on a trainer's real website. Each test has its own browser context: its own
localStorage, so its own conversation.

Screenshots (desktop and phone, widget open) and the measured time to the first
bot message go to results/ (untracked).

(Over 300 lines: one browser session's fixtures shared by every widget behaviour.)
"""

from __future__ import annotations

import json
import re
import time
from typing import List

import pytest
import requests

from tests.browser_support import (  # noqa: F401  (fixtures)
    RESULTS_DIR,
    browser,
    browser_required,
    page_factory,
    skip_unless_browser,
    website,
)

try:
    from playwright.sync_api import expect
except ImportError:  # the module is skipped (or fails in CI) through skip_unless_browser
    expect = None

pytestmark = skip_unless_browser()

ARTICLE_TITLE = "The Connection Between Knee Pain, Stiff Ankles, and Hip Instability"
REPLY_TIMEOUT = 60_000  # ms: Rasa answers in well under a second, but CI machines are busy
XSS = '<img src=x onerror="window.__kcXss=1">'


# --- helpers --------------------------------------------------------------------


def open_chat(page, website) -> None:
    page.goto(website.url)
    page.locator(".kc-launcher").click()
    expect(page.locator(".kc-panel")).to_be_visible()


def bot_messages(page):
    return page.locator(".kc-msg.kc-bot")


def user_messages(page):
    return page.locator(".kc-msg.kc-user")


def wait_for_greeting(page) -> None:
    expect(bot_messages(page).first).to_contain_text("not a doctor", timeout=REPLY_TIMEOUT)


def last_user_text(page):
    return user_messages(page).last.locator(".kc-text")


def send(page, text: str) -> int:
    """Types and sends a message; returns how many bot messages there were before."""
    before = bot_messages(page).count()
    page.locator("#kc-input").fill(text)
    page.locator("#kc-input").press("Enter")
    expect(last_user_text(page)).to_have_text(text)
    return before


def wait_for_reply(page, before: int, containing: str = "") -> str:
    """Waits for the bot's reply after `before` bot messages (one containing `containing`); returns it."""
    expect(bot_messages(page).nth(before)).to_be_visible(timeout=REPLY_TIMEOUT)
    deadline = time.monotonic() + REPLY_TIMEOUT / 1000
    while True:
        reply = "\n".join(bot_messages(page).all_inner_texts()[before:])
        if containing.lower() in reply.lower():
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"no bot reply containing {containing!r}; the reply was:\n{reply}")
        page.wait_for_timeout(100)
    expect(page.locator(".kc-typing")).to_be_hidden(timeout=REPLY_TIMEOUT)
    return reply


def settled_messages(page) -> List[str]:
    """All messages once none has arrived for 1.5 s (a reply can come as several messages)."""
    texts = page.locator(".kc-msg").all_inner_texts()
    stable_since = time.monotonic()
    deadline = stable_since + REPLY_TIMEOUT / 1000
    while time.monotonic() - stable_since < 1.5:
        if time.monotonic() > deadline:
            raise AssertionError(f"messages kept arriving: {texts}")
        page.wait_for_timeout(100)
        now = page.locator(".kc-msg").all_inner_texts()
        if now != texts:
            texts, stable_since = now, time.monotonic()
    return texts


def session_id(page) -> str:
    """The conversation's id, read where the widget keeps it for reloads (it offers page scripts no accessor)."""
    value = page.evaluate(
        """() => {
            const keys = Object.keys(localStorage).filter(key => key.startsWith("kneechat.v"));
            return keys.length === 1 ? JSON.parse(localStorage.getItem(keys[0])).sessionId : keys;
        }"""
    )
    assert isinstance(value, str) and value, value
    return value


def user_texts(assistant, session: str) -> List[str]:
    events = assistant.tracker(session)["events"]
    return [event.get("text") for event in events if event.get("event") == "user"]


def assert_no_errors(errors: List[str]) -> None:
    assert not errors, "\n".join(errors)


def record_metric(name: str, value) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "widget_metrics.json"
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        metrics = {}
    metrics[name] = value
    path.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")


# --- tests --------------------------------------------------------------------------


def test_greeting_disclaimer_and_an_answer_from_the_article(page_factory, website, assistant, capsys):
    view = page_factory()
    page = view.page
    websockets: List[str] = []
    polling: List[str] = []
    page.on("websocket", lambda socket: websockets.append(socket.url))
    page.on("request", lambda request: polling.append(request.url) if "/socket.io/" in request.url else None)

    open_chat(page, website)
    wait_for_greeting(page)
    first_ms = page.evaluate("window.KneeChat.metrics.firstBotMessageMs")
    assert isinstance(first_ms, (int, float)) and 0 < first_ms < REPLY_TIMEOUT
    record_metric("firstBotMessageMs", first_ms)
    with capsys.disabled():
        print(f"\n[widget] time to first bot message (script load -> greeting rendered): {first_ms:.0f} ms")

    disclaimer = page.locator(".kc-disclaimer")
    expect(disclaimer).to_be_visible()
    expect(disclaimer).to_contain_text("Not a substitute for a clinician")
    expect(page.locator(".kc-title")).to_have_text("Knee pain assistant")

    # the widget talked to Rasa on another origin, over a websocket only (no polling, no CORS)
    assert website.url.rstrip("/") != website.rasa_url
    assert [url.split("?")[0] for url in websockets] == [website.rasa_url.replace("http", "ws", 1) + "/socket.io/"]
    assert not polling, polling

    before = send(page, "why do stiff ankles cause knee pain")
    answer = wait_for_reply(page, before, containing=ARTICLE_TITLE)
    assert "ankle joint lacks flexibility" in answer.lower() and "“" in answer, answer

    page.screenshot(path=str(RESULTS_DIR / "widget-desktop.png"))
    assert user_texts(assistant, session_id(page)) == ["/greet", "why do stiff ankles cause knee pain"]
    assert_no_errors(view.errors)


def test_typing_indicator_shows_while_waiting_and_hides_on_the_reply(page_factory, website):
    view = page_factory()
    page = view.page
    open_chat(page, website)
    wait_for_greeting(page)
    expect(page.locator(".kc-typing")).to_be_hidden()
    page.evaluate(
        """() => {
          window.__kcTypingSeen = false;
          const typing = document.querySelector('.kc-typing');
          new MutationObserver(() => { if (!typing.hidden) window.__kcTypingSeen = true; })
            .observe(typing, {attributes: true, attributeFilter: ['hidden']});
        }"""
    )
    before = send(page, "what is maltracking")
    wait_for_reply(page, before, containing="maltracking")
    assert page.evaluate("window.__kcTypingSeen") is True
    assert_no_errors(view.errors)


def test_buttons_send_their_payload_show_their_title_and_are_disabled_after(page_factory, website, assistant):
    view = page_factory()
    page = view.page
    open_chat(page, website)
    wait_for_greeting(page)

    before = send(page, "can you assess my knee")
    wait_for_reply(page, before, containing="Is that okay")
    consent = page.locator(".kc-msg.kc-bot .kc-button", has_text="Yes, that's okay")
    expect(consent).to_be_visible()
    expect(consent).to_be_enabled()
    assert consent.evaluate("node => node.tagName") == "BUTTON"
    before = bot_messages(page).count()
    consent.click()

    expect(last_user_text(page)).to_have_text("Yes, that's okay")
    wait_for_reply(page, before, containing="how old")
    consent_message = page.locator(".kc-msg.kc-bot", has=page.locator(".kc-button", has_text="Yes, that's okay"))
    for button in consent_message.locator("button.kc-button").all():
        expect(button).to_be_disabled()

    session = session_id(page)
    assert user_texts(assistant, session)[-1] == "/affirm"  # the payload, not the title
    assert assistant.tracker(session)["slots"].get("consent_given") is True
    assert_no_errors(view.errors)


def test_reload_shows_the_history_and_continues_the_same_conversation(page_factory, website, assistant):
    view = page_factory()
    page = view.page
    open_chat(page, website)
    wait_for_greeting(page)
    before = send(page, "what is maltracking")
    wait_for_reply(page, before, containing="maltracking")
    session = session_id(page)
    history = settled_messages(page)

    page.reload()
    expect(page.locator(".kc-panel")).to_be_visible()  # it was open: it opens again
    expect(page.locator(".kc-msg")).to_have_count(len(history))
    assert page.locator(".kc-msg").all_inner_texts() == history
    assert session_id(page) == session
    expect(page.locator(".kc-root")).to_have_attribute("data-kc-connection", "connected", timeout=REPLY_TIMEOUT)

    before = send(page, "what exercises help my ankles?")
    wait_for_reply(page, before, containing="calf")
    assert user_texts(assistant, session) == ["/greet", "what is maltracking", "what exercises help my ankles?"]

    # closed, the panel stays closed after a reload, and the history is still there
    count = len(settled_messages(page))
    page.keyboard.press("Escape")
    page.reload()
    expect(page.locator(".kc-panel")).to_be_hidden()
    page.locator(".kc-launcher").click()
    expect(page.locator(".kc-msg")).to_have_count(count)
    assert user_texts(assistant, session).count("/greet") == 1  # greeted once, not on every load
    assert_no_errors(view.errors)


def test_a_dropped_connection_reconnects_to_the_same_conversation_and_sends_queued_messages(
    page_factory, website, assistant
):
    view = page_factory()
    page, context = view.page, view.context
    open_chat(page, website)
    wait_for_greeting(page)
    before = send(page, "what is maltracking")
    wait_for_reply(page, before, containing="maltracking")
    session = session_id(page)
    first_socket = page.evaluate("window.KneeChat._socket().id")

    # the network goes away and the open websocket drops
    context.set_offline(True)
    page.evaluate("window.KneeChat._socket().io.engine.close()")
    status = page.locator(".kc-status")
    expect(status).to_be_visible()
    expect(status).to_contain_text("Reconnecting")
    expect(page.locator(".kc-root")).to_have_attribute("data-kc-connection", "reconnecting")

    # typed while offline: shown, marked as not sent yet, and kept
    before = bot_messages(page).count()
    page.locator("#kc-input").fill("what exercises help my ankles?")
    page.locator("#kc-input").press("Enter")
    pending = user_messages(page).last
    expect(pending).to_contain_text("what exercises help my ankles?")
    expect(pending).to_have_class(re.compile(r"\bkc-pending\b"))
    page.wait_for_timeout(2000)  # a few reconnection attempts fail meanwhile
    expect(pending).to_have_class(re.compile(r"\bkc-pending\b"))
    assert bot_messages(page).count() == before

    context.set_offline(False)
    expect(page.locator(".kc-root")).to_have_attribute("data-kc-connection", "connected", timeout=REPLY_TIMEOUT)
    expect(status).to_be_hidden()
    wait_for_reply(page, before, containing="calf")
    expect(pending).not_to_have_class(re.compile(r"\bkc-pending\b"))
    assert page.evaluate("window.KneeChat._socket().id") != first_socket  # really a new connection
    assert session_id(page) == session
    assert user_texts(assistant, session) == ["/greet", "what is maltracking", "what exercises help my ankles?"]
    # the browser logs the failed reconnection attempts while offline; nothing else may fail
    assert not [e for e in view.errors if "WebSocket" not in e and "ERR_INTERNET_DISCONNECTED" not in e], view.errors


def test_keyboard_only(page_factory, website):
    view = page_factory()
    page = view.page
    page.goto(website.url)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('kc-launcher')"):
            break
    else:
        pytest.fail("Tab never reached the chat launcher")
    launcher = page.locator(".kc-launcher")
    assert launcher.evaluate("node => getComputedStyle(node).outlineStyle") != "none"  # visible focus
    expect(launcher).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Enter")
    expect(page.locator(".kc-panel")).to_be_visible()
    expect(page.locator("#kc-input")).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    wait_for_greeting(page)

    before = bot_messages(page).count()
    page.keyboard.type("whats runners knee")
    page.keyboard.press("Enter")
    expect(last_user_text(page)).to_have_text("whats runners knee")
    wait_for_reply(page, before, containing="patellofemoral")

    page.keyboard.press("Tab")
    expect(page.locator(".kc-send")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".kc-panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#kc-input")).to_be_focused()
    assert_no_errors(view.errors)


def test_accessible_structure(page_factory, website):
    view = page_factory()
    page = view.page
    open_chat(page, website)
    panel = page.get_by_role("dialog", name="Knee pain assistant")
    expect(panel).to_be_visible()
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_label("Your message")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("button", name="Close chat")).to_be_visible()
    page.get_by_role("button", name="Close chat").click()
    expect(panel).to_be_hidden()
    expect(page.locator(".kc-launcher")).to_be_focused()
    # the demo site's own buttons open the chat too (data-kneechat-open)
    page.get_by_role("button", name="Ask the knee assistant").click()
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Ask the knee assistant")).to_be_focused()
    assert_no_errors(view.errors)


def test_phone_viewport_full_screen_with_the_input_visible(page_factory, website):
    view = page_factory(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = view.page
    page.goto(website.url)
    page.locator(".kc-launcher").tap()
    wait_for_greeting(page)

    box = page.locator(".kc-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 375, "height": 667}, box
    for selector in ("#kc-input", ".kc-send", ".kc-disclaimer", ".kc-close"):
        element = page.locator(selector).bounding_box()
        assert element and element["x"] >= 0 and element["y"] >= 0, (selector, element)
        assert element["x"] + element["width"] <= 375 and element["y"] + element["height"] <= 667, (selector, element)
    expect(page.locator("#kc-input")).to_be_in_viewport()

    before = send(page, "can you assess my knee")
    wait_for_reply(page, before, containing="Is that okay")
    expect(page.locator("#kc-input")).to_be_in_viewport()
    page.screenshot(path=str(RESULTS_DIR / "widget-phone.png"))
    assert_no_errors(view.errors)


def test_markup_is_shown_as_text_for_the_user_and_for_a_live_trainer_message(page_factory, website, assistant):
    view = page_factory()
    page = view.page
    open_chat(page, website)
    wait_for_greeting(page)

    before = send(page, f"{XSS} hello")
    expect(last_user_text(page)).to_have_text(f"{XSS} hello")
    wait_for_reply(page, before)

    # The trainer answers from the inbox: a BotUttered event through Rasa's HTTP API
    # (what trainer_inbox sends), delivered live over the socket, labelled with the name.
    session = session_id(page)
    trainer_text = f"Hi, it's Sam. {XSS}\nMore here: https://example.com/knees."
    response = requests.post(
        f"{assistant.url}/conversations/{session}/tracker/events",
        params={"token": assistant.token, "output_channel": "latest", "execute_side_effects": "true"},
        json={"event": "bot", "text": trainer_text, "metadata": {"from_trainer": True}, "timestamp": time.time()},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    trainer_message = page.locator(".kc-msg.kc-from-trainer")
    expect(trainer_message).to_be_visible(timeout=REPLY_TIMEOUT)
    expect(trainer_message.locator(".kc-label")).to_have_text(website.trainer)
    expect(trainer_message.locator(".kc-text")).to_have_text(trainer_text.replace("\n", ""))
    assert trainer_message.locator(".kc-text br").count() == 1  # the line break

    link = trainer_message.locator("a")
    expect(link).to_have_attribute("href", "https://example.com/knees")
    expect(link).to_have_text("https://example.com/knees")
    expect(link).to_have_attribute("target", "_blank")
    assert "noopener" in link.get_attribute("rel")

    assert page.locator(".kc-log img").count() == 0
    assert page.evaluate("window.__kcXss") is None
    assert_no_errors(view.errors)


def test_every_shape_of_bot_message_is_rendered_safely(page_factory, website):
    """Payload shapes Rasa's socket.io channel can emit, fed to the widget's bot_uttered handler."""
    view = page_factory()
    page = view.page
    open_chat(page, website)
    wait_for_greeting(page)
    before = bot_messages(page).count()
    payloads = [
        {
            "text": "See (https://example.com/a). Or https://en.wikipedia.org/wiki/Knee_(joint) not javascript:alert(1) <b>x</b>"
        },
        {"custom": {"text": "From the custom field", "from_trainer": True, "trainer_name": "Coach <Sam>"}},
        {
            "text": "Pick one",
            "buttons": [
                {"title": "<i>One</i>", "payload": "/one"},
                {"title": "Article", "url": "https://example.com/article"},
            ],
        },
        {"attachment": {"type": "image", "payload": {"src": "javascript:alert(1)"}}},  # unsafe: nothing to show
        {"text": "not from the trainer", "metadata": "from_trainer"},
        "a bare string",
    ]
    page.evaluate(
        "payloads => { const handle = window.KneeChat._socket().listeners('bot_uttered')[0]; payloads.forEach(p => handle(p)); }",
        payloads,
    )
    added = bot_messages(page)
    expect(added).to_have_count(before + 5)

    links = added.nth(before).locator("a")
    expect(links).to_have_count(2)
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        "https://example.com/a",
        "https://en.wikipedia.org/wiki/Knee_(joint)",
    ]
    expect(added.nth(before)).to_contain_text("not javascript:alert(1) <b>x</b>")
    assert added.nth(before).locator("b").count() == 0

    trainer = added.nth(before + 1)
    expect(trainer).to_have_class(re.compile(r"\bkc-from-trainer\b"))
    expect(trainer.locator(".kc-label")).to_have_text("Coach <Sam>")

    choices = added.nth(before + 2)
    expect(choices.locator("button.kc-button")).to_have_text("<i>One</i>")
    assert choices.locator("i").count() == 0
    expect(choices.locator("a.kc-button")).to_have_attribute("href", "https://example.com/article")

    expect(added.nth(before + 3)).not_to_have_class(re.compile(r"\bkc-from-trainer\b"))
    expect(added.nth(before + 4).locator(".kc-text")).to_have_text("a bare string")
    assert page.locator(".kc-log img").count() == 0
    assert_no_errors(view.errors)


def test_the_session_id_is_not_handed_to_page_scripts(page_factory, website):
    view = page_factory()
    page = view.page
    open_chat(page, website)
    wait_for_greeting(page)
    exposed = page.evaluate(
        """id => {
            const found = [];
            if ("sessionId" in window.KneeChat) found.push("KneeChat.sessionId");
            for (const [name, value] of Object.entries(window.KneeChat)) {
                if (typeof value !== "function" && String(JSON.stringify(value)).includes(id)) found.push(name);
            }
            for (const name of Object.keys(window)) {
                if (typeof window[name] === "string" && window[name].includes(id)) found.push("window." + name);
            }
            if (document.documentElement.outerHTML.includes(id)) found.push("the page");
            return found;
        }""",
        session_id(page),
    )
    assert exposed == []
    assert_no_errors(view.errors)


def test_reset_starts_a_new_conversation(page_factory, website, assistant):
    view = page_factory()
    page = view.page
    open_chat(page, website)
    wait_for_greeting(page)
    old = session_id(page)
    page.evaluate("window.KneeChat.reset()")
    expect(page.locator(".kc-msg")).to_have_count(0)
    wait_for_greeting(page)
    new = session_id(page)
    assert new != old
    assert user_texts(assistant, new) == ["/greet"]
    assert_no_errors(view.errors)
