"""The trainer's inbox over HTTP: login, the lists, a conversation, replies, hand-back.

The inbox runs on a free port with a temporary SQLite database and talks to a
fake Rasa (tests/test_inbox_fakes.py).
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote, unquote

import requests

from records.store import RecordStore
from tests.test_inbox_fakes import (  # noqa: F401  (fixtures)
    PASSWORD,
    SECRET_KEY,
    USERNAME,
    by_the_inbox,
    fake_rasa,
    inbox,
    loop_thread,
    start_inbox,
)
from trainer_inbox import auth

TRANSCRIPT = [
    {"who": "person", "text": "Can I talk to a real person?", "at": "2024-05-01T10:00:00+00:00"},
    {"who": "assistant", "text": "I'll pass this to Sam.", "at": "2024-05-01T10:00:01+00:00"},
]


def open_handoff(store, conversation_id="conv-1", **overrides):
    values = dict(
        channel="socketio",
        reason="asked_for_human",
        summary="Triage: self_care. Left knee, hurts on stairs for 3 weeks.",
        transcript=TRANSCRIPT,
        triage_level="self_care",
    )
    values.update(overrides)
    return store.open_handoff(conversation_id, **values)


def seed_tracker(fake, conversation_id="conv-1"):
    fake.add_user(conversation_id, "my left knee hurts on stairs")
    fake.add_bot(conversation_id, "Thanks. How long has it hurt?")
    fake.add_user(conversation_id, "Can I talk to a real person?")
    fake.add_bot(conversation_id, "I'll pass this to Sam.")
    fake.pause(conversation_id)
    fake.add_bot(conversation_id, "Hi, Sam here, I've read your messages.", from_trainer=True)


def post_form(session, url, data, **kwargs):
    return session.post(url, data=data, allow_redirects=False, **kwargs)


# --- access -----------------------------------------------------------------------------------------
GET_PAGES = ["/", "/conversations/conv-1", "/bookings", "/stats", "/does-not-exist"]
GET_JSON = ["/conversations/conv-1/messages.json"]
POSTS = [
    "/logout",
    "/conversations/conv-1/reply",
    "/conversations/conv-1/resume",
    "/replies/1/retry",
    "/bookings/1/cancel",
]


def test_nothing_is_reachable_without_login(inbox):
    open_handoff(inbox.store)
    reply = inbox.store.record_reply("conv-1", "secret reply")
    client = inbox.client()
    for path in GET_PAGES:
        response = client.get(inbox.url + path, allow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["Location"].startswith("/login"), path
        assert "conv-1" not in response.text and "stairs" not in response.text
    for path in GET_JSON:
        response = client.get(inbox.url + path, allow_redirects=False)
        assert response.status_code == 401, path
        assert "stairs" not in response.text
    for path in POSTS:
        response = client.post(inbox.url + path, data={"text": "hi", "csrf_token": "x"}, allow_redirects=False)
        assert response.status_code == 401, path
    # An HTML client asking for JSON gets 401 rather than a redirect.
    assert client.get(inbox.url + "/", headers={"Accept": "application/json"}, allow_redirects=False).status_code == 401
    # Nothing happened: no reply sent, no resume, nothing recorded.
    assert inbox.fake.posted_events() == []
    assert [r["id"] for r in inbox.store.replies("conv-1")] == [reply["id"]]
    assert inbox.store.for_conversation("conv-1")["status"] == "open"
    # Only these two are public.
    assert client.get(inbox.url + "/health").json() == {"status": "ok"}
    assert client.get(inbox.url + "/login").status_code == 200
    assert client.get(inbox.url + "/static/inbox.css").status_code == 200


def test_redirect_to_login_keeps_the_page_and_returns_there(inbox):
    open_handoff(inbox.store)
    client = inbox.client()
    response = client.get(inbox.url + "/stats", allow_redirects=False)
    assert unquote(response.headers["Location"]) == "/login?next=/stats"
    page = client.get(inbox.url + response.headers["Location"])
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)
    assert 'name="next" value="/stats"' in page.text
    done = post_form(
        client,
        inbox.url + "/login",
        {"username": USERNAME, "password": PASSWORD, "login_csrf": token, "next": "/stats"},
    )
    assert done.status_code == 303 and done.headers["Location"] == "/stats"
    # Never an open redirect, however the other site is written.
    for target in (
        "//evil.example/",
        "/\t/evil.example",
        "/%09/evil.example",
        "https://evil.example/",
        "/\\evil.example",
        " //evil.example",
        "/\n/evil.example",
    ):
        client2 = inbox.client()
        page = client2.get(inbox.url + "/login", params={"next": target})
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)
        done = post_form(
            client2,
            inbox.url + "/login",
            {"username": USERNAME, "password": PASSWORD, "login_csrf": token, "next": target},
        )
        assert done.headers["Location"] in ("/", "/%09/evil.example"), (target, done.headers["Location"])


def _login_attempt(client, url, password, username=USERNAME):
    page = client.get(url + "/login")
    token = re.search(r'name="login_csrf" value="([^"]*)"', page.text).group(1)
    return post_form(client, url + "/login", {"username": username, "password": password, "login_csrf": token})


def test_wrong_password_or_username_is_refused(inbox):
    client = inbox.client()
    for username, password in [(USERNAME, "wrong"), ("admin", PASSWORD), (USERNAME, "")]:
        response = _login_attempt(client, inbox.url, password, username)
        assert response.status_code == 401
        assert "Wrong username or password." in response.text
        assert auth.SESSION_COOKIE not in response.cookies
    assert client.get(inbox.url + "/", allow_redirects=False).status_code == 303


def test_login_without_the_form_token_is_refused(inbox):
    client = inbox.client()
    response = post_form(client, inbox.url + "/login", {"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 403
    assert auth.SESSION_COOKIE not in response.cookies


def test_login_rate_limit(inbox):
    client = inbox.client()
    for _ in range(5):
        assert _login_attempt(client, inbox.url, "wrong").status_code == 401
    blocked = _login_attempt(client, inbox.url, PASSWORD)  # even the right password now
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert auth.SESSION_COOKIE not in blocked.cookies


def test_session_cookie_flags(inbox):
    client = inbox.client()
    page = client.get(inbox.url + "/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)
    response = post_form(
        client, inbox.url + "/login", {"username": USERNAME, "password": PASSWORD, "login_csrf": token}
    )
    header = [h for h in response.raw.headers.getlist("Set-Cookie") if h.startswith(auth.SESSION_COOKIE + "=")][0]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert f"Max-Age={12 * 3600}" in header
    assert "Secure" not in header  # plain http here; tests/test_inbox_security.py covers https


def test_tampered_cookie_is_rejected(inbox):
    session = inbox.login()
    cookie = session.cookies.get(auth.SESSION_COOKIE)
    assert session.get(inbox.url + "/", allow_redirects=False).status_code == 200
    body, signature = cookie.split(".")
    payload = json.loads(auth._b64decode(body))
    payload["exp"] += 3600 * 24 * 365
    forged = auth._b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()) + "." + signature
    attacker = inbox.client()
    attacker.cookies.set(auth.SESSION_COOKIE, forged)
    assert attacker.get(inbox.url + "/", allow_redirects=False).status_code == 303
    other_key, _ = auth.make_session("not the inbox key", USERNAME, inbox.config.password_hash)
    attacker.cookies.set(auth.SESSION_COOKIE, other_key)
    assert attacker.get(inbox.url + "/", allow_redirects=False).status_code == 303


def test_expired_session_is_rejected(inbox):
    expired, _ = auth.make_session(
        SECRET_KEY, USERNAME, inbox.config.password_hash, ttl_seconds=60, now=time.time() - 120
    )
    client = inbox.client()
    client.cookies.set(auth.SESSION_COOKIE, expired)
    assert client.get(inbox.url + "/", allow_redirects=False).status_code == 303
    fresh, _ = auth.make_session(SECRET_KEY, USERNAME, inbox.config.password_hash, ttl_seconds=60)
    client.cookies.set(auth.SESSION_COOKIE, fresh)
    assert client.get(inbox.url + "/", allow_redirects=False).status_code == 200


def test_logout_ends_the_session(inbox):
    session = inbox.login()
    cookie = session.cookies.get(auth.SESSION_COOKIE)
    assert post_form(session, inbox.url + "/logout", {}).status_code == 403  # CSRF applies here too
    token = inbox.csrf(session)
    response = post_form(session, inbox.url + "/logout", {"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    replay = inbox.client()
    replay.cookies.set(auth.SESSION_COOKIE, cookie)  # a copy of the old cookie no longer works
    assert replay.get(inbox.url + "/", allow_redirects=False).status_code == 303


def test_security_headers(inbox):
    session = inbox.login()
    for path in ["/", "/login", "/health"]:
        response = session.get(inbox.url + path)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
    page = session.get(inbox.url + "/").text
    assert "<script>" not in page and "style=" not in page  # nothing inline that the CSP would block
    assert 'src="/static/inbox.js"' in page and "http" not in re.sub(r'href="http[^"]*"', "", page).split("<body>")[0]


# --- the lists ----------------------------------------------------------------------------------------------
def test_handoff_created_while_the_inbox_was_down_is_listed(start_inbox, tmp_path):
    from records.handoffs import HandoffStore
    from tests.test_inbox_fakes import make_config

    url = make_config(tmp_path, "http://unused").app_db_url  # the same database the inbox will use
    open_handoff(HandoffStore(url), "before-start", reason="escalation", triage_level="same_day")
    inbox = start_inbox()
    page = inbox.login().get(inbox.url + "/")
    assert page.status_code == 200
    assert "Conversations handed to you (1)" in page.text
    assert "Consultation escalated" in page.text
    assert "website chat" in page.text
    assert 'href="/conversations/before-start"' in page.text
    assert "waiting for you" in page.text


def test_needs_attention_lists_red_flag_consultations(inbox):
    records = RecordStore(inbox.config.app_db_url)
    records.save_consultation(
        "flagged", channel="socketio", triage_level="same_day", triage_reasons=[], intake={}, summary="Swelled fast."
    )
    records.save_consultation("fine", channel="socketio", triage_level="self_care", triage_reasons=[], intake={})
    page = inbox.login().get(inbox.url + "/").text
    assert "(1)</h2>" in page.split("Red-flag consultations")[1][:80]
    assert 'href="/conversations/flagged"' in page
    assert 'href="/conversations/fine"' not in page
    assert "See someone today" in page


# --- a conversation -----------------------------------------------------------------------------------------------
def test_conversation_page_shows_transcript_and_intake(inbox):
    open_handoff(inbox.store)
    RecordStore(inbox.config.app_db_url).save_consultation(
        "conv-1",
        channel="socketio",
        triage_level="self_care",
        triage_reasons=[],
        intake={"side": "left", "pain_score": 4, "activities": ["stairs", "running"]},
        profile="ankle",
        exercises=["dorsiflexion_knee_to_wall", "glute_bridge"],
        summary="Left knee, 4/10, stairs and running.",
    )
    seed_tracker(inbox.fake)
    session = inbox.login()
    page = session.get(inbox.url + "/conversations/conv-1")
    assert page.status_code == 200
    text = page.text
    # Transcript, live from Rasa, in order, with who said what.
    order = [
        "my left knee hurts on stairs",
        "Thanks. How long has it hurt?",
        "Can I talk to a real person?",
        "Hi, Sam here, I&#39;ve read your messages.",
    ]
    positions = [text.index(fragment) for fragment in order]
    assert positions == sorted(positions)
    assert 'class="msg msg-trainer"' in text and 'class="msg msg-person"' in text
    # Intake summary beside it.
    assert "Left knee, hurts on stairs for 3 weeks." in text
    aside = text.split('id="summary-heading"')[1]
    assert "Self-care" in aside and "<dd>ankle</dd>" in aside
    assert "Knee-to-wall ankle bend (dorsiflexion exercise)" in aside and "Glute bridge" in aside
    assert "Pain score" in text and "stairs, running" in text
    assert "Left knee, 4/10, stairs and running." in text
    assert "Hand back to the assistant" in text
    assert 'data-messages-url="/conversations/conv-1/messages.json"' in text
    assert by_the_inbox(inbox.fake.requests[-1])


def test_unknown_conversation_is_not_found(inbox):
    session = inbox.login()
    assert session.get(inbox.url + "/conversations/nobody").status_code == 404
    assert session.get(inbox.url + "/conversations/nobody/messages.json").status_code == 404
    assert inbox.fake.requests == []  # not even asked Rasa


def test_rasa_down_falls_back_to_the_stored_transcript(inbox):
    open_handoff(inbox.store)
    inbox.fake.stop()
    page = inbox.login().get(inbox.url + "/conversations/conv-1").text
    assert "I&#39;ll pass this to Sam." in page
    notice = page.split('id="source-notice"')[1].split("</p>")[0]
    assert "hidden" not in notice.split(">")[0]
    assert "not reachable" in notice


def test_reply_needs_the_csrf_token(inbox):
    open_handoff(inbox.store)
    session = inbox.login()
    url = inbox.url + "/conversations/conv-1/reply"
    assert post_form(session, url, {"text": "hello"}).status_code == 403
    assert post_form(session, url, {"text": "hello", "csrf_token": "wrong"}).status_code == 403
    assert post_form(session, url, {"text": "hello"}, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    # Another session's token is not this session's token.
    other = inbox.login()
    assert post_form(session, url, {"text": "hello", "csrf_token": inbox.csrf(other)}).status_code == 403
    assert inbox.store.replies("conv-1") == []
    assert inbox.fake.posted_events() == []
    assert post_form(session, inbox.url + "/conversations/conv-1/resume", {}).status_code == 403
    assert inbox.store.for_conversation("conv-1")["status"] == "open"


def test_reply_is_delivered_through_rasa(inbox):
    open_handoff(inbox.store)
    seed_tracker(inbox.fake)
    session = inbox.login()
    token = inbox.csrf(session, "/conversations/conv-1")
    response = post_form(
        session,
        inbox.url + "/conversations/conv-1/reply",
        {"text": "  Hi, it's Sam. How are the stairs?  ", "csrf_token": token},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/conversations/conv-1?notice=sent"
    (call,) = inbox.fake.posted_events("conv-1")
    assert by_the_inbox(call)
    assert call.query["output_channel"] == "socketio"
    assert call.query["execute_side_effects"] == "true"
    assert call.body["event"] == "bot"
    assert call.body["text"] == "Hi, it's Sam. How are the stairs?"
    assert call.body["metadata"] == {"from_trainer": True}
    (reply,) = inbox.store.replies("conv-1")
    assert reply["status"] == "sent" and reply["sent_at"] is not None
    assert inbox.store.for_conversation("conv-1")["status"] == "replied"
    page = session.get(inbox.url + response.headers["Location"]).text
    assert "Reply sent." in page and "delivered" in page
    assert page.count("Hi, it&#39;s Sam. How are the stairs?") == 2  # in the thread (from Rasa) and in the replies list
    listing = session.get(inbox.url + "/").text
    assert "you replied" in listing


def test_empty_or_too_long_replies_are_refused(inbox):
    open_handoff(inbox.store)
    session = inbox.login()
    token = inbox.csrf(session, "/conversations/conv-1")
    url = inbox.url + "/conversations/conv-1/reply"
    empty = post_form(session, url, {"text": "   \n ", "csrf_token": token})
    assert empty.status_code == 400 and "Write a message before sending." in empty.text
    long_text = "x" * 4001
    too_long = post_form(session, url, {"text": long_text, "csrf_token": token})
    assert too_long.status_code == 400 and "the limit is 4000" in too_long.text
    assert long_text in too_long.text  # the draft is kept for editing
    assert inbox.store.replies("conv-1") == []
    assert inbox.fake.posted_events() == []
    exactly = post_form(session, url, {"text": "y" * 4000, "csrf_token": token})
    assert exactly.status_code == 303


def test_reply_when_rasa_is_down_is_failed_then_retried(inbox):
    open_handoff(inbox.store)
    session = inbox.login()
    token = inbox.csrf(session, "/conversations/conv-1")
    inbox.fake.stop()
    response = post_form(
        session, inbox.url + "/conversations/conv-1/reply", {"text": "Are you there?", "csrf_token": token}
    )
    assert response.headers["Location"] == "/conversations/conv-1?notice=failed"
    (reply,) = inbox.store.replies("conv-1")
    assert reply["status"] == "failed" and "not reachable" in reply["error"]
    assert inbox.store.for_conversation("conv-1")["status"] == "open"
    page = session.get(inbox.url + response.headers["Location"]).text
    assert "not delivered" in page
    assert f'action="/replies/{reply["id"]}/retry"' in page and "Retry sending" in page
    # Rasa answers 500: still failed.
    inbox.fake.start()
    inbox.fake.fail_status = 500
    retry_url = inbox.url + f"/replies/{reply['id']}/retry"
    response = post_form(session, retry_url, {"csrf_token": token})
    assert response.headers["Location"].endswith("notice=failed")
    assert "500" in inbox.store.get_reply(reply["id"])["error"]
    # Rasa is back: the retry delivers it.
    inbox.fake.fail_status = None
    response = post_form(session, retry_url, {"csrf_token": token})
    assert response.headers["Location"] == "/conversations/conv-1?notice=sent"
    assert inbox.store.get_reply(reply["id"])["status"] == "sent"
    delivered = [c for c in inbox.fake.posted_events("conv-1") if by_the_inbox(c)]
    assert delivered[-1].body["text"] == "Are you there?" and delivered[-1].query["output_channel"] == "socketio"
    # A delivered reply is not sent twice.
    before = len(inbox.fake.posted_events())
    response = post_form(session, retry_url, {"csrf_token": token})
    assert response.headers["Location"].endswith("notice=already_sent")
    assert len(inbox.fake.posted_events()) == before
    assert "Retry sending" not in session.get(inbox.url + "/conversations/conv-1").text


def test_resume_hands_back_and_closes(inbox):
    open_handoff(inbox.store)
    seed_tracker(inbox.fake)
    session = inbox.login()
    token = inbox.csrf(session, "/conversations/conv-1")
    assert inbox.fake.paused("conv-1")
    response = post_form(session, inbox.url + "/conversations/conv-1/resume", {"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/?notice=resumed"
    call, review = inbox.fake.posted_events("conv-1")
    # after the hand-back, the safety review reads what the person said while paused
    assert inbox.fake.executed == [("conv-1", "action_safety_review")]
    assert review.query["output_channel"] == "socketio" and by_the_inbox(review)
    assert call.query["output_channel"] == "socketio" and call.query["execute_side_effects"] == "true"
    assert by_the_inbox(call)
    assert call.body[0] == {"event": "resume", "timestamp": call.body[0]["timestamp"]}
    assert call.body[1]["event"] == "bot" and "assistant" in call.body[1]["text"]
    assert not inbox.fake.paused("conv-1")
    assert inbox.store.for_conversation("conv-1")["status"] == "closed"
    listing = session.get(inbox.url + response.headers["Location"]).text
    assert "Conversations handed to you (0)" in listing and "back with the assistant" in listing


def test_resume_when_rasa_is_down_keeps_the_handoff_open(inbox):
    open_handoff(inbox.store)
    session = inbox.login()
    token = inbox.csrf(session, "/conversations/conv-1")
    inbox.fake.stop()
    response = post_form(session, inbox.url + "/conversations/conv-1/resume", {"csrf_token": token})
    assert response.headers["Location"] == "/conversations/conv-1?notice=resume_failed"
    assert inbox.store.for_conversation("conv-1")["status"] == "open"


def test_messages_json_shows_what_the_person_wrote_while_paused(inbox):
    open_handoff(inbox.store)
    seed_tracker(inbox.fake)
    session = inbox.login()
    assert session.get(inbox.url + "/conversations/conv-1").status_code == 200
    inbox.fake.add_user("conv-1", "Hello? Is anyone there?")
    response = session.get(inbox.url + "/conversations/conv-1/messages.json")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["source"] == "rasa" and data["paused"] is True
    assert data["messages"][-1]["who"] == "person"
    assert data["messages"][-1]["text"] == "Hello? Is anyone there?"
    assert [m["who"] for m in data["messages"]][-2] == "trainer"
    # The header form works for fetch() too.
    token = inbox.csrf(session, "/conversations/conv-1")
    response = session.post(
        inbox.url + "/conversations/conv-1/reply",
        data={"text": "Yes!"},
        headers={"X-CSRF-Token": token},
        allow_redirects=False,
    )
    assert response.status_code == 303
    data = session.get(inbox.url + "/conversations/conv-1/messages.json").json()
    assert data["replies"][-1]["status"] == "sent" and data["messages"][-1]["who"] == "trainer"


def test_messages_json_when_rasa_is_down(inbox):
    open_handoff(inbox.store)
    inbox.fake.stop()
    data = inbox.login().get(inbox.url + "/conversations/conv-1/messages.json").json()
    assert data["source"] == "stored"
    assert [m["text"] for m in data["messages"]] == [m["text"] for m in TRANSCRIPT]


def test_what_people_write_is_escaped(inbox):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    conversation_id = "<b>id</b>"
    open_handoff(inbox.store, conversation_id, summary=evil, transcript=[{"who": "person", "text": evil, "at": ""}])
    inbox.fake.add_user(conversation_id, evil)
    session = inbox.login()
    for path in ["/", "/conversations/" + quote(conversation_id, safe="")]:
        page = session.get(inbox.url + path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text and "<img src=x" not in page.text and "<b>id</b>" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
        assert "&lt;b&gt;id&lt;/b&gt;" in page.text
    data = session.get(inbox.url + "/conversations/" + quote(conversation_id, safe="") + "/messages.json").json()
    assert data["messages"][0]["text"] == evil  # JSON keeps the text; the page's script sets textContent
    script = session.get(inbox.url + "/static/inbox.js").text
    assert "innerHTML" not in script.replace("never innerHTML", "")


def test_health(inbox):
    response = requests.get(inbox.url + "/health", timeout=5)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_reply_left_pending_by_a_stopped_inbox_can_be_retried_after_restart(start_inbox, tmp_path):
    from datetime import timedelta

    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from records.handoffs import HandoffStore, TrainerReply
    from tests.test_inbox_fakes import make_config

    store = HandoffStore(make_config(tmp_path, "http://unused").app_db_url)
    open_handoff(store)
    stuck = store.record_reply("conv-1", "Sent just as the inbox stopped")
    with Session(store.engine) as session, session.begin():
        session.execute(
            update(TrainerReply)
            .where(TrainerReply.id == stuck["id"])
            .values(created_at=stuck["created_at"] - timedelta(minutes=10))
        )
    inbox = start_inbox()
    assert inbox.store.get_reply(stuck["id"])["status"] == "failed"
    session = inbox.login()
    page = session.get(inbox.url + "/conversations/conv-1").text
    assert f'action="/replies/{stuck["id"]}/retry"' in page
    token = inbox.csrf(session, "/conversations/conv-1")
    response = post_form(session, inbox.url + f"/replies/{stuck['id']}/retry", {"csrf_token": token})
    assert response.headers["Location"].endswith("notice=sent")
    # A pending reply (being sent right now) has no Retry button and is not resent.
    pending = inbox.store.record_reply("conv-1", "on its way")
    before = len(inbox.fake.posted_events())
    response = post_form(session, inbox.url + f"/replies/{pending['id']}/retry", {"csrf_token": token})
    assert response.status_code == 303 and len(inbox.fake.posted_events()) == before
