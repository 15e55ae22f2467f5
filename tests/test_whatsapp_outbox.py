"""What the WhatsApp output channel sends (connectors/whatsapp_outbox.py), with a fake client and real stores:
text, buttons and lists within the 24-hour window, numbered choices, templates after it, failures recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from common.clock import utc_now
from connectors import whatsapp_buttons as offers
from connectors.provider_http import ProviderError
from connectors.whatsapp_outbox import TOKEN_PREFIX, Outbox
from connectors.whatsapp_window import WindowClosed
from records.channel_identities import ChannelStore
from records.channel_options import OptionStore
from tests.standins.whatsapp import message_problem
from tests.test_whatsapp_connector import LONG_PAYLOAD, NUMBER, buttons


class FakeClient:
    def __init__(self, fail=None):
        self.sent, self.fail = [], fail

    def send(self, to, message):
        if self.fail:
            raise self.fail
        assert message_problem({"messaging_product": "whatsapp", "to": to, **message}) is None, message
        self.sent.append((to, message))
        return {"messages": [{"id": f"wamid.F{len(self.sent)}"}]}


@pytest.fixture
def stores(tmp_path):
    url = f"sqlite:///{tmp_path / 'channels.db'}"
    return ChannelStore(url), OptionStore(url)


def outbox(stores, client, **extra):
    store, options = stores
    store.remember("wa-1", "whatsapp", NUMBER)
    return Outbox(client, store, options, **extra)


def test_replies_within_the_window_are_text_and_interactive(stores):
    fake = FakeClient()
    box = outbox(stores, fake)
    box.send(
        "wa-1",
        "Is that okay?",
        [{"title": "Yes, that's okay", "payload": "/affirm"}, {"title": "No thanks", "payload": "/deny"}],
    )
    box.send("wa-1", "Long. " * 1000)
    [(to, first), *rest] = fake.sent
    assert to == NUMBER and first["type"] == "interactive"
    assert [b["reply"] for b in first["interactive"]["action"]["buttons"]] == [
        {"id": "/affirm", "title": "Yes, that's okay"},
        {"id": "/deny", "title": "No thanks"},
    ]
    assert len(rest) == 2 and all(m["type"] == "text" and len(m["text"]["body"]) <= 4096 for _, m in rest)


def test_a_long_question_with_buttons_is_sent_as_text_then_a_short_interactive_body(stores):
    fake = FakeClient()
    outbox(stores, fake).send("wa-1", "Some context first. " * 70 + "Which one?", buttons("A", "B"))
    kinds = [m["type"] for _, m in fake.sent]
    assert kinds == ["text", "interactive"]
    assert fake.sent[1][1]["interactive"]["body"]["text"].endswith("Which one?")


def test_a_long_payload_travels_as_a_token_and_comes_back(stores):
    fake = FakeClient()
    box = outbox(stores, fake)
    box.send("wa-1", "When?", [{"title": "Tue 8 Dec, 10:00", "payload": LONG_PAYLOAD}])
    button_id = fake.sent[0][1]["interactive"]["action"]["buttons"][0]["reply"]["id"]
    assert button_id.startswith(TOKEN_PREFIX) and len(button_id) <= 256
    assert box.payload_for("wa-1", button_id) == LONG_PAYLOAD
    assert box.payload_for("wa-2", button_id) is None  # another conversation's token means nothing
    assert box.payload_for("wa-1", "/affirm") == "/affirm"


def test_more_than_ten_choices_are_numbered_and_remembered_until_the_next_answer(stores):
    fake = FakeClient()
    box = outbox(stores, fake)
    box.send("wa-1", "Which one?", buttons(*[f"Choice {i}" for i in range(1, 13)]))
    [(_, message)] = fake.sent
    assert message["type"] == "text" and "12. Choice 12" in message["text"]["body"]
    assert box.options.take("wa-1") == [p for _, p in offers.options(buttons(*[f"Choice {i}" for i in range(1, 13)]))]
    assert box.options.take("wa-1") == []  # one answer per offer
    box.send("wa-1", "Which one?", buttons(*[f"Choice {i}" for i in range(1, 13)]))
    box.send("wa-1", "Or pick here", buttons("A", "B"))  # a newer offer replaces the numbered one
    assert box.options.peek("wa-1") is None


def test_after_24_hours_the_configured_template_goes_out(stores):
    fake = FakeClient()
    box = outbox(
        stores,
        fake,
        template_name="follow_up",
        template_language="en_GB",
        clock=lambda: utc_now() + timedelta(hours=25),
    )
    box.send("wa-1", "Hi, it's the trainer.\nHow is the knee?", buttons("Better", "Worse"))
    [(to, message)] = fake.sent
    assert to == NUMBER and message == {
        "type": "template",
        "template": {
            "name": "follow_up",
            "language": {"code": "en_GB"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {
                            "type": "text",
                            "text": "Hi, it's the trainer. How is the knee? 1. Better 2. Worse "
                            "Reply with the number of your choice.",
                        }
                    ],
                }
            ],
        },
    }
    assert len(box.options.peek("wa-1")) == 2  # the numbers typed back still mean the buttons


def test_after_24_hours_without_a_template_nothing_is_sent_and_the_failure_is_recorded(stores):
    fake = FakeClient()
    box = outbox(stores, fake, clock=lambda: utc_now() + timedelta(hours=25))
    with pytest.raises(WindowClosed):
        box.send("wa-1", "Are you still there?")
    assert fake.sent == []
    [failure] = box.store.failures("wa-1")
    assert failure["text"] == "Are you still there?" and "24 hours" in failure["error"]
    assert "WHATSAPP_TEMPLATE_NAME" in failure["error"]


def test_a_provider_failure_is_recorded_and_raised(stores):
    box = outbox(stores, FakeClient(fail=ProviderError("WhatsApp", "messages", 401, "Invalid OAuth access token.")))
    with pytest.raises(ProviderError):
        box.send("wa-1", "Hello again")
    [failure] = box.store.failures("wa-1")
    assert failure["text"] == "Hello again" and "401" in failure["error"]


def test_a_conversation_without_a_whatsapp_number_is_refused(stores):
    box = outbox(stores, FakeClient())
    box.store.remember("tg-1", "telegram", "12345")
    for conversation_id in ("tg-1", "unknown"):
        with pytest.raises(ProviderError):
            box.send(conversation_id, "hello")


def test_numbered_options_are_erased_with_the_conversation(stores):
    _, options = stores
    options.offer("wa-1", ["/a", "/b"])
    assert options.delete_conversation_data("wa-1") == 1 and options.peek("wa-1") is None
