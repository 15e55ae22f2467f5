"""The WhatsApp pieces without Rasa: signatures, webhook bodies, buttons, the 24-hour window and
the Cloud API client (against the stand-in). What the output channel sends: test_whatsapp_outbox.py."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from common.clock import utc_now
from connectors import whatsapp_buttons as offers
from connectors import whatsapp_webhook as webhook
from connectors.provider_http import ProviderError, ProviderHTTP
from connectors.whatsapp_api import WhatsAppClient, template_parameters
from connectors.whatsapp_window import needs_template, window_closes_at
from tests.standins import whatsapp as meta
from tests.standins.whatsapp import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, message_problem, whatsapp_standin

NUMBER = "447700900123"
LONG_PAYLOAD = '/inform_booking_details{"slot_choice": "' + "2026-12-08T10:00:00+00:00" * 12 + '"}'


# --- signature -----------------------------------------------------------------------------------

BODY = json.dumps(meta.text_body(NUMBER, "wamid.1", "my knee aches")).encode()


def test_a_signature_over_the_exact_body_with_the_app_secret_is_accepted():
    assert webhook.signature_valid(BODY, webhook.sign(BODY, APP_SECRET), APP_SECRET)
    assert webhook.signature_valid(
        BODY, webhook.sign(BODY, APP_SECRET).upper().replace("SHA256=", "sha256="), APP_SECRET
    )


@pytest.mark.parametrize(
    "header",
    [
        webhook.sign(BODY, "another-secret"),  # wrong secret
        webhook.sign(BODY + b" ", APP_SECRET),  # a different body
        webhook.sign(b"{}", APP_SECRET),
        None,
        "",  # missing
        "sha256=",
        "sha256=zz",
        "sha1=" + webhook.sign(BODY, APP_SECRET)[7:],
        webhook.sign(BODY, APP_SECRET)[7:],
        "sha256=" + "é" * 64,
        "sha256 " + webhook.sign(BODY, APP_SECRET)[7:],  # malformed
    ],
)
def test_anything_else_is_refused(header):
    assert not webhook.signature_valid(BODY, header, APP_SECRET)


def test_no_app_secret_means_nothing_is_accepted():
    assert not webhook.signature_valid(BODY, webhook.sign(BODY, ""), "")


# --- reading webhook bodies ----------------------------------------------------------------------


def test_a_text_message_is_read_with_its_sender_and_id():
    found = webhook.read_webhook(meta.text_body(NUMBER, "wamid.A", "my knee aches"), PHONE_NUMBER_ID)
    assert found.messages == [webhook.Inbound(webhook.TEXT, "wamid.A", NUMBER, "my knee aches")]
    assert found.statuses == []


@pytest.mark.parametrize("kind", ["button_reply", "list_reply"])
def test_a_tapped_button_or_row_comes_back_with_the_id_we_gave_it(kind):
    found = webhook.read_webhook(meta.reply_body(NUMBER, "wamid.B", "/affirm", "Yes", kind=kind))
    assert found.messages == [webhook.Inbound(webhook.BUTTON, "wamid.B", NUMBER, "/affirm")]


@pytest.mark.parametrize("state", ["sent", "delivered", "read"])
def test_statuses_are_not_messages(state):
    found = webhook.read_webhook(meta.status_body(NUMBER, "wamid.OUT", state))
    assert found.messages == [] and found.statuses == [webhook.Status("wamid.OUT", state, NUMBER)]


def test_a_failed_status_carries_the_reason():
    body = meta.status_body(NUMBER, "wamid.OUT", "failed", errors=[{"code": 131047, "title": "Re-engagement message"}])
    [status] = webhook.read_webhook(body).statuses
    assert status.status == "failed" and status.error == "Re-engagement message"


@pytest.mark.parametrize(
    "kind, content",
    [
        ("image", {"image": {"id": "m1", "mime_type": "image/jpeg"}}),
        ("audio", {"audio": {"id": "m2", "voice": True}}),
        ("sticker", {"sticker": {"id": "m3"}}),
        ("location", {"location": {"latitude": 51.5, "longitude": -0.1}}),
        ("video", {"video": {"id": "m4"}}),
        ("document", {"document": {"id": "m5"}}),
        ("unsupported", {"errors": [{"code": 131051}]}),
    ],
)
def test_media_and_locations_are_not_text(kind, content):
    [message] = webhook.read_webhook(meta.message_body(NUMBER, "wamid.M", kind, content)).messages
    assert (message.kind, message.sender, message.text) == (webhook.NOT_TEXT, NUMBER, "")


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "x",
        {},
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account", "entry": "x"},
        meta.message_body(NUMBER, "wamid.R", "reaction", {"reaction": {"message_id": "wamid.X", "emoji": "👍"}}),
        meta.message_body(NUMBER, "wamid.S", "system", {"system": {"body": "changed number"}}),
        meta.message_body(NUMBER, "wamid.U", "hologram", {}),  # a kind added later
        meta.message_body("not-a-number", "wamid.N", "text", {"text": {"body": "hi"}}),
        meta.message_body(NUMBER, "", "text", {"text": {"body": "hi"}}),
        meta.message_body(NUMBER, "wamid.T", "text", {"text": {"body": 5}}),
        meta.message_body(NUMBER, "wamid.G", "text", {"text": {"body": "hi all"}, "group_id": "120363"}),
        meta.message_body(NUMBER, "wamid.I", "interactive", {"interactive": {"type": "nfm_reply"}}),
        meta.text_body(NUMBER, "wamid.O", "for another business number", phone_number_id="999"),
    ],
)
def test_unknown_shapes_groups_and_other_numbers_are_ignored(body):
    found = webhook.read_webhook(body, PHONE_NUMBER_ID)
    assert found.messages == [] and found.statuses == []


def test_a_batched_call_yields_every_message_and_status():
    body = meta.text_body(NUMBER, "wamid.1", "first")
    value = body["entry"][0]["changes"][0]["value"]
    value["messages"].append({"from": "447700900999", "id": "wamid.2", "type": "text", "text": {"body": "second"}})
    value["statuses"] = [{"id": "wamid.OUT", "status": "read", "recipient_id": NUMBER}]
    found = webhook.read_webhook(body, PHONE_NUMBER_ID)
    assert [(m.message_id, m.text) for m in found.messages] == [("wamid.1", "first"), ("wamid.2", "second")]
    assert len(found.statuses) == 1


# --- buttons ---------------------------------------------------------------------------------------


def buttons(*titles):
    return [{"title": t, "payload": f'/choose{{"n": {i}}}'} for i, t in enumerate(titles)]


def same_id(payload, limit):
    assert len(payload) <= limit
    return payload


@pytest.mark.parametrize("count", [1, 2, 3])
def test_up_to_three_buttons_are_reply_buttons(count):
    offered = offers.options(buttons(*[f"Choice {i}" for i in range(count)]))
    interactive = offers.interactive("Which one?", offered, same_id)
    assert interactive["type"] == "button" and interactive["body"] == {"text": "Which one?"}
    replies = [b["reply"] for b in interactive["action"]["buttons"]]
    assert [r["title"] for r in replies] == [f"Choice {i}" for i in range(count)]
    assert [r["id"] for r in replies] == [p for _, p in offered]
    assert message_problem({"type": "interactive", "interactive": interactive}) is None


@pytest.mark.parametrize("count", [4, 7, 10])
def test_four_to_ten_buttons_are_a_list(count):
    offered = offers.options(buttons(*[f"Tue {i} Dec, 10:00" for i in range(count)]))
    interactive = offers.interactive("Pick a time", offered, same_id)
    assert interactive["type"] == "list" and interactive["action"]["button"] == "Choose"
    [section] = interactive["action"]["sections"]
    assert len(section["rows"]) == count and all("description" not in r for r in section["rows"])
    assert message_problem({"type": "interactive", "interactive": interactive}) is None


def test_more_than_ten_become_numbered_text_and_a_typed_number_picks_one():
    assert [offers.form_for(n) for n in (0, 1, 3, 4, 10, 11)] == [
        None,
        "buttons",
        "buttons",
        "list",
        "list",
        "numbered",
    ]
    text = offers.numbered("Which exercise?", [f"Exercise {i}" for i in range(1, 13)])
    assert text.startswith("Which exercise?\n\n1. Exercise 1\n") and "12. Exercise 12" in text
    assert [offers.chosen_number(t, 12) for t in ("3", " 12. ", "#4", "option 5", "No. 6", "2)")] == [2, 11, 3, 4, 5, 1]
    assert [offers.chosen_number(t, 12) for t in ("0", "13", "3 please", "three", "", "1.5")] == [None] * 6


def test_long_titles_are_shortened_at_a_word_boundary_and_kept_unique():
    assert offers.shorten("Yes, that's okay", 20) == "Yes, that's okay"
    short = offers.shorten("I'd rather talk to the trainer", 20)
    assert short == "I'd rather talk to…" and len(short) <= 20
    assert offers.shorten("Supercalifragilisticexpialidocious", 20) == "Supercalifragilisti…"
    assert offers.shorten("Front, back and sides of the knee", 20) == "Front, back and…"  # no dangling comma
    titles = offers.unique_titles(["Tuesday 8 December, 10:00", "Tuesday 8 December, 11:00"], 20)
    assert len(set(titles)) == 2 and all(len(t) <= 20 for t in titles), titles
    assert titles == ["1. Tuesday 8…", "2. Tuesday 8…"]
    # a list row keeps the whole title in its description
    offered = offers.options(buttons(*["A rather long title for one row of the list"] + ["x", "y", "z"]))
    row = offers.interactive("Pick", offered, same_id)["action"]["sections"][0]["rows"][0]
    assert len(row["title"]) <= 24 and row["description"] == "A rather long title for one row of the list"
    # two buttons that would read the same once shortened become list rows, which show more
    offered = offers.options(buttons("Tuesday 8 December, 10:00", "Tuesday 8 December, 11:00"))
    interactive = offers.interactive("When?", offered, same_id)
    rows = interactive["action"]["sections"][0]["rows"]
    assert interactive["type"] == "list"
    assert [r["title"] for r in rows] == ["1. Tuesday 8 December…", "2. Tuesday 8 December…"]
    assert [r["description"] for r in rows] == ["Tuesday 8 December, 10:00", "Tuesday 8 December, 11:00"]
    assert message_problem({"type": "interactive", "interactive": interactive}) is None


def test_repeated_payloads_are_offered_once_and_long_payloads_get_short_ids():
    offered = offers.options(
        [
            {"title": "Yes", "payload": "/affirm"},
            {"title": "Sure", "payload": "/affirm"},
            {"title": "Later", "payload": LONG_PAYLOAD},
        ]
    )
    assert [t for t, _ in offered] == ["Yes", "Later"]
    interactive = offers.interactive("Ok?", offered, lambda p, limit: p if len(p) <= limit else "t:abc")
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == ["/affirm", "t:abc"]


# --- the 24-hour window ----------------------------------------------------------------------------


def test_free_text_within_24_hours_a_template_after():
    now = utc_now()
    assert not needs_template(now - timedelta(minutes=1), now)
    assert not needs_template(now - timedelta(hours=23, minutes=59), now)
    assert needs_template(now - timedelta(hours=24), now)
    assert needs_template(now - timedelta(hours=25), now)
    assert needs_template(None, now)  # never wrote: nothing but a template may go out
    assert window_closes_at(now) == now + timedelta(hours=24) and window_closes_at(None) is None
    with pytest.raises(ValueError):
        needs_template((now - timedelta(hours=1)).replace(tzinfo=None), now)


# --- the Cloud API client (stand-in) ---------------------------------------------------------------


@pytest.fixture
def standin():
    server = whatsapp_standin()
    yield server
    server.stop()


def client(standin, token=ACCESS_TOKEN):
    return WhatsAppClient(
        standin.url, PHONE_NUMBER_ID, token, ProviderHTTP("WhatsApp", backoff_seconds=0.01, sleep=lambda s: None)
    )


def test_a_text_goes_to_the_messages_endpoint_with_the_bearer_token(standin):
    answer = client(standin).send_text(NUMBER, "Hello there")
    [call] = standin.recorded()
    assert call.path == f"/{PHONE_NUMBER_ID}/messages" and call.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert call.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": NUMBER,
        "type": "text",
        "text": {"body": "Hello there", "preview_url": False},
    }
    assert answer["messages"][0]["id"].startswith("wamid.")


def test_rate_limits_and_server_errors_are_retried(standin):
    standin.fail_next(
        (429, {"error": {"message": "Rate limit hit", "code": 4}}),
        (503, {"error": {"message": "Service unavailable", "code": 2}}),
    )
    client(standin).send_text(NUMBER, "hello")
    assert len(standin.recorded()) == 3


def test_an_expired_token_fails_at_once_and_the_token_is_never_logged(standin, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as failure:
        client(standin, token="EAAG-expired-token").send_text(NUMBER, "hello")
    assert failure.value.status == 401 and len(standin.recorded()) == 1
    assert "EAAG-expired-token" not in str(failure.value) + caplog.text
    assert "Invalid OAuth access token" in str(failure.value)


def test_template_parameters_have_no_new_lines_and_fit_1024_characters():
    assert template_parameters("Hi,\n\nthe trainer\there.") == ["Hi, the trainer here."]
    parts = template_parameters("A short sentence here. " * 100)
    assert len(parts) == 3 and all(len(p) <= 1024 for p in parts)
    assert template_parameters("") == ["…"]
