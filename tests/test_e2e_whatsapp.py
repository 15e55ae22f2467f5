"""WhatsApp end to end: signed webhooks into the real Rasa server, replies out to a stand-in Cloud API.

The stand-in (tests/standins/whatsapp.py) records every call and refuses what Meta
refuses, so each test reads what the person would see in WhatsApp. Forged and
malformed webhooks must leave no trace.
"""

from __future__ import annotations

import itertools
import json
import random
from datetime import timedelta
from typing import Dict, List, Optional

import requests
from sqlalchemy.orm import Session

from common.clock import utc_now
from records.channel_identities import ChannelAddress, ChannelStore, conversation_id_for
from tests.heldout import training_copy
from tests.standins import whatsapp as meta
from tests.test_e2e_consultation import EXERCISE_NAMES, NO_TO_ALL_SCREENING
from tests.test_e2e_inbox import csrf, login

_message_ids = itertools.count(random.randint(10_000, 90_000) * 1000)


def shown(message: Dict) -> str:
    """What the person reads of one message: its text, and the titles of its buttons or rows."""
    kind = message.get("type")
    if kind == "text":
        return message["text"]["body"]
    if kind == "interactive":
        interactive = message["interactive"]
        action = interactive["action"]
        titles = [b["reply"]["title"] for b in action.get("buttons", [])]
        titles += [r["title"] for s in action.get("sections", []) for r in s["rows"]]
        return "\n".join([interactive["body"]["text"], *titles])
    if kind == "template":
        return " ".join(p["text"] for c in message["template"]["components"] for p in c["parameters"])
    return ""


class WhatsAppPerson:
    """One person writing to the business number."""

    def __init__(self, assistant, whatsapp_api):
        self.assistant, self.api = assistant, whatsapp_api
        self.number = f"4477009{random.randint(10**5, 10**6 - 1)}"
        self.conversation_id = conversation_id_for("whatsapp", self.number, "test-conversation-id-key")
        self.last_choices: List[Dict] = []  # [{"id", "title", "kind"}] of the latest buttons or list

    @property
    def url(self) -> str:
        return f"{self.assistant.url}/webhooks/whatsapp/webhook"

    def post(self, body: Dict, data: Optional[bytes] = None, signature: Optional[str] = "sign"):
        raw, headers = meta.signed(body)
        raw = data if data is not None else raw
        if signature is None:
            headers.pop("X-Hub-Signature-256")
        elif signature != "sign":
            headers["X-Hub-Signature-256"] = signature
        elif data is not None:
            headers["X-Hub-Signature-256"] = meta.sign(raw, meta.APP_SECRET)
        return requests.post(self.url, data=raw, headers=headers, timeout=60)

    def sent_to_me(self, before: int = 0) -> List[Dict]:
        return [c.body for c in self.api.recorded("/messages")[before:] if c.body.get("to") == self.number]

    def send(self, body: Dict) -> str:
        before = len(self.api.recorded())
        response = self.post(body)
        assert response.status_code == 200, response.text
        replies = self.sent_to_me(before)
        for reply in replies:
            if reply.get("type") == "interactive":
                interactive = reply["interactive"]
                kind = "button_reply" if interactive["type"] == "button" else "list_reply"
                self.last_choices = [{**b["reply"], "kind": kind} for b in interactive["action"].get("buttons", [])]
                self.last_choices += [
                    {**r, "kind": kind} for s in interactive["action"].get("sections", []) for r in s["rows"]
                ]
        return "\n".join(shown(r) for r in replies)

    def message(self, text: str, message_id: Optional[str] = None) -> Dict:
        return meta.text_body(self.number, message_id or f"wamid.E2E{next(_message_ids)}", text)

    def say(self, text: str) -> str:
        if len(text.split()) >= 4:
            assert not training_copy(text), f"an end-to-end message must not be a training example: {text!r}"
        return self.send(self.message(text))

    def tap(self, title_part: str) -> str:
        [choice] = [c for c in self.last_choices if title_part.lower() in c["title"].lower()][:1]
        return self.send(
            meta.reply_body(
                self.number, f"wamid.E2E{next(_message_ids)}", choice["id"], choice["title"], kind=choice["kind"]
            )
        )

    def user_events(self) -> List[Dict]:
        response = requests.get(
            f"{self.assistant.url}/conversations/{self.conversation_id}/tracker",
            params={"token": self.assistant.token},
            timeout=30,
        )
        response.raise_for_status()
        return [e for e in response.json()["events"] if e["event"] == "user"]


def test_meta_verifies_the_webhook_with_the_verify_token(assistant):
    url = f"{assistant.url}/webhooks/whatsapp/webhook"
    asked = {"hub.mode": "subscribe", "hub.verify_token": meta.VERIFY_TOKEN, "hub.challenge": "1158201444"}
    answer = requests.get(url, params=asked, timeout=30)
    assert answer.status_code == 200 and answer.text == "1158201444"
    assert answer.headers["content-type"].startswith("text/plain")
    for wrong in (
        {**asked, "hub.verify_token": "guess"},
        {**asked, "hub.verify_token": ""},
        {**asked, "hub.mode": "unsubscribe"},
        {"hub.challenge": "1158201444"},
    ):
        refused = requests.get(url, params=wrong, timeout=30)
        assert refused.status_code == 403 and "1158201444" not in refused.text


def test_forged_and_malformed_webhooks_are_refused_and_leave_no_trace(assistant, whatsapp_api):
    person = WhatsAppPerson(assistant, whatsapp_api)
    body = person.message("my knee gave out on the stairs")
    before = len(whatsapp_api.recorded())
    assert person.post(body, signature=None).status_code == 403
    assert person.post(body, signature=meta.sign(json.dumps(body).encode(), "not-the-app-secret")).status_code == 403
    other = json.dumps(person.message("something else entirely")).encode()
    assert person.post(body, signature=meta.sign(other, meta.APP_SECRET)).status_code == 403
    assert person.post(body, signature="sha256=" + "0" * 64).status_code == 403
    assert person.post(body, signature="garbage").status_code == 403
    assert person.post(body, data=b'{"object": "whatsapp_business_account", "entry": [').status_code == 400
    huge = json.dumps(person.message("a" * 2_000_000)).encode()
    assert person.post(body, data=huge).status_code == 413
    assert person.user_events() == [] and len(whatsapp_api.recorded()) == before


def test_a_replayed_message_is_answered_once(assistant, whatsapp_api):
    person = WhatsAppPerson(assistant, whatsapp_api)
    body = person.message("my kneecap has ached since last weekend")
    assert person.send(body)
    assert person.send(body) == ""  # Meta's retry: 200, nothing processed or sent
    assert len(person.user_events()) == 1


def test_delivery_statuses_are_accepted_and_nothing_is_sent(assistant, whatsapp_api):
    person = WhatsAppPerson(assistant, whatsapp_api)
    before = len(whatsapp_api.recorded())
    for state in ("sent", "delivered", "read"):
        assert person.send(meta.status_body(person.number, "wamid.OUT1", state)) == ""
    assert len(whatsapp_api.recorded()) == before and person.user_events() == []
    # a message WhatsApp could not deliver shows up among the conversation's failures
    person.say("hello")
    failed = meta.status_body(
        person.number, "wamid.OUT2", "failed", errors=[{"code": 131026, "title": "Message undeliverable"}]
    )
    assert person.send(failed) == "" and person.send(failed) == ""
    [failure] = ChannelStore(assistant.env["APP_DB_URL"]).failures(person.conversation_id)
    assert "Message undeliverable" in failure["error"]


def test_a_photo_gets_the_text_only_answer_and_nothing_is_stored(assistant, whatsapp_api):
    person = WhatsAppPerson(assistant, whatsapp_api)
    photo = meta.message_body(
        person.number,
        f"wamid.E2E{next(_message_ids)}",
        "image",
        {"image": {"id": "1234", "mime_type": "image/jpeg", "sha256": "abc"}},
    )
    assert "only read text" in person.send(photo)
    voice = meta.message_body(
        person.number, f"wamid.E2E{next(_message_ids)}", "audio", {"audio": {"id": "5678", "voice": True}}
    )
    assert "only read text" in person.send(voice)
    assert person.user_events() == []
    assert ChannelStore(assistant.env["APP_DB_URL"]).address(person.conversation_id) is None


def test_the_consent_question_comes_as_buttons_and_a_tap_moves_the_conversation_on(assistant, whatsapp_api):
    person = WhatsAppPerson(assistant, whatsapp_api)
    before = len(whatsapp_api.recorded())
    question = person.say("my left knee keeps aching when i walk downhill")
    assert "is that okay" in question.lower(), question
    [interactive] = [m for m in person.sent_to_me(before) if m["type"] == "interactive"]
    assert interactive["interactive"]["type"] == "button"
    assert [c["id"] for c in person.last_choices] == ["/affirm", "/deny"]
    assert "how old" in person.tap("Yes").lower()
    events = person.user_events()
    assert [e["parse_data"]["intent"]["name"] for e in events][-1] == "affirm"
    # the tracker is keyed by the hashed number, never the number itself
    assert person.number not in person.conversation_id and person.number not in json.dumps(events)


def _last_wrote_hours_ago(assistant, person, hours: float) -> None:
    store = ChannelStore(assistant.env["APP_DB_URL"])
    with Session(store.engine) as session, session.begin():
        session.get(ChannelAddress, person.conversation_id).last_inbound_at = utc_now() - timedelta(hours=hours)


def test_a_whole_consultation_over_whatsapp_reaches_the_explanation_and_exercises(assistant, whatsapp_api):
    person = WhatsAppPerson(assistant, whatsapp_api)
    assert "is that okay" in person.say("my right knee has been sore going up and down stairs").lower()
    assert "how old" in person.tap("Yes").lower()
    person.say("38")
    for answer in NO_TO_ALL_SCREENING:
        reply = person.say(answer)
    assert "nothing you've told me needs urgent care" in reply.lower(), reply
    for answer in ["slowly over a few weeks", "about a month", "3", "i play five a side weekly", "11 cm", "10cm"]:
        person.say(answer)
    conclusion = person.say("my knee went inwards and my hip dipped").lower()
    assert "glute bridge" in conclusion and "hip" in conclusion and "“" in conclusion, conclusion
    assert "not a substitute" in conclusion or "not a diagnosis" in conclusion
    assert all(len(shown(m)) <= 4096 for m in person.sent_to_me())


def test_a_red_flag_over_whatsapp_gets_urgent_advice_and_no_exercises(assistant, whatsapp_api):
    person = WhatsAppPerson(assistant, whatsapp_api)
    reply = person.say("my calf is red and swollen and i'm really short of breath")
    assert "999" in reply, reply
    reply += person.say("ok but what exercises help knees")
    assert not any(name in reply.lower() for name in EXERCISE_NAMES), reply


def test_booking_a_slot_by_tapping_a_list_row(assistant, whatsapp_api):
    person = WhatsAppPerson(assistant, whatsapp_api)
    reply = person.say("id like to book in with the movement specialist")
    rows = [c for c in person.last_choices if c["kind"] == "list_reply"]
    assert rows and all(len(r["title"]) <= 24 for r in rows), reply
    assert "name" in person.tap(rows[0]["title"]).lower()
    person.say("Alex Whats")
    reply = person.say("alex.wa@example.com")
    assert "read that back" in reply, reply
    assert "you're booked" in person.tap("Yes"), person.last_choices


def test_handoff_and_the_trainers_replies_inside_and_outside_the_24_hour_window(assistant, inbox, whatsapp_api):
    person = WhatsAppPerson(assistant, whatsapp_api)
    person.say("hiya")
    assert "will reply to you here" in person.say("can i speak to the actual trainer please")
    trainer = login(inbox)
    listing = trainer.get(f"{inbox}/", timeout=30).text
    assert person.conversation_id in listing and person.number not in listing
    page = trainer.get(f"{inbox}/conversations/{person.conversation_id}", timeout=30).text
    assert "WhatsApp" in page and 'id="whatsapp-window"' not in page
    before = len(whatsapp_api.recorded())
    trainer.post(
        f"{inbox}/conversations/{person.conversation_id}/reply",
        data={"text": "Hello, the trainer here.", "csrf_token": csrf(page)},
        timeout=60,
    )
    [sent] = person.sent_to_me(before)
    assert sent["type"] == "text" and sent["text"]["body"] == "Hello, the trainer here."

    # a day later the window has closed: the inbox says so before the trainer writes, and the reply is a template
    _last_wrote_hours_ago(assistant, person, 25)
    page = trainer.get(f"{inbox}/conversations/{person.conversation_id}", timeout=30).text
    assert 'id="whatsapp-window"' in page and "trainer_follow_up" in page
    before = len(whatsapp_api.recorded())
    trainer.post(
        f"{inbox}/conversations/{person.conversation_id}/reply",
        data={"text": "Checking in: how is the knee today?", "csrf_token": csrf(page)},
        timeout=60,
    )
    [sent] = person.sent_to_me(before)
    assert sent["type"] == "template" and sent["template"]["name"] == "trainer_follow_up"
    assert shown(sent) == "Checking in: how is the knee today?"
