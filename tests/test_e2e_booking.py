"""Booking the specialist over the REST channel, against the real servers and a real database.

People pick a time by button, by number or in words, give a name and contact in
any order, change their mind, and cancel or move a booking. Two people who
confirm the same time at the same moment can't both get it.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import time
import threading
from typing import Dict, List

import pytest

from tests.conftest import new_sender, texts
from tests.replicas_fixtures import app_rows, either_set_up


@pytest.fixture(scope="module")
def assistant(request, set_up):
    """Every test here runs against one Rasa server and against two replicas behind nginx."""
    return either_set_up(request, set_up)


class Booker:
    def __init__(self, assistant, sender: str | None = None):
        self.assistant = assistant
        self.sender = sender or new_sender()
        self.last: List[Dict] = []
        self.transcript: List[str] = []

    def say(self, text: str) -> str:
        self.last = self.assistant.send(text, sender=self.sender)
        reply = texts(self.last)
        self.transcript.append(reply)
        return reply

    def buttons(self) -> List[Dict]:
        return [button for message in self.last for button in message.get("buttons") or []]

    def slot_buttons(self) -> List[Dict]:
        return [b for b in self.buttons() if "slot_choice" in b["payload"]]

    def slot(self, name: str):
        return self.assistant.tracker(self.sender)["slots"].get(name)


def bookings(assistant, sender: str | None = None) -> List[Dict]:
    query = "SELECT * FROM bookings" + (" WHERE conversation_id = :sender" if sender else "")
    return app_rows(assistant, "bookings", query, sender=sender)


def confirmed(rows: List[Dict]) -> List[Dict]:
    return [row for row in rows if row["status"] == "confirmed"]


def key_of(button: Dict) -> str:
    return json.loads("{" + button["payload"].split("{", 1)[1])["slot_choice"]


def offer_and_pick(booker: Booker, opener: str = "I'd love to get a session booked in", index: int = 0) -> Dict:
    reply = booker.say(opener)
    choices = booker.slot_buttons()
    assert choices, f"no times offered:\n{reply}"
    assert re.search(r"^1\. ", reply, re.M), f"offer is not numbered for channels without buttons:\n{reply}"
    choice = choices[index]
    reply = booker.say(choice["payload"])
    assert "name" in reply.lower(), reply
    return choice


def test_a_new_person_books_a_slot_and_gets_an_invite(assistant):
    booker = Booker(assistant)
    choice = offer_and_pick(booker)
    assert "email address or phone number" in booker.say("Sam Jones")
    reply = booker.say("sam at example dot com")
    assert "doesn't look like an email address or phone number" in reply, reply
    reply = booker.say("sam.jones@example.com")
    assert "read that back" in reply and "Sam Jones" in reply and "sam.jones@example.com" in reply
    assert choice["title"] in reply, reply  # the chosen time is read back
    reply = booker.say("yes")
    assert "you're booked" in reply, reply
    reference = re.search(r"reference is (\S+)\.", reply).group(1)
    invite = re.search(r"(https?://\S+/invite/(\S+)\.ics)", reply)
    assert invite, reply

    [row] = bookings(assistant, booker.sender)
    assert row["status"] == "confirmed" and row["name"] == "Sam Jones" and row["contact"] == "sam.jones@example.com"
    assert row["reference"] == reference and row["invite_token"] == invite.group(2)
    assert row["intake_summary"], "the trainer gets an intake summary with the booking"
    assert booker.slot("booking_slot") is None  # ready for another booking later

    # the trainer is emailed (SMTP is configured for the test servers), with the invite attached
    deadline = time.monotonic() + 15
    mail = []
    while time.monotonic() < deadline and not mail:
        mail = [m for m in assistant.mailbox.received if reference.encode() in m["data"]]
        time.sleep(0.2)
    assert mail, "no booking email reached the local SMTP server"
    message = email.message_from_bytes(mail[0]["data"], policy=email.policy.default)
    assert mail[0]["to"] == ["trainer@example.com"] and "Sam Jones" in message.get_body(("plain",)).get_content()
    assert any(part.get_content_type() == "text/calendar" for part in message.iter_attachments())


def test_time_in_words_offers_only_matching_times(assistant):
    booker = Booker(assistant)
    reply = booker.say("can I book a session any time friday")
    choices = booker.slot_buttons()
    assert choices, reply
    assert all(button["title"].startswith("Fri") for button in choices), reply

    reply = booker.say("hmm, actually tuesday morning")
    choices = booker.slot_buttons()
    assert choices and all(b["title"].startswith("Tue") for b in choices), reply
    hours = [int(re.search(r"(\d{1,2}):\d{2}", b["title"]).group(1)) for b in choices]
    assert all(hour < 12 for hour in hours), reply


def test_number_choice_and_several_facts_in_one_message(assistant):
    booker = Booker(assistant)
    booker.say("could you book me in with them please")
    second = booker.slot_buttons()[1]
    assert "name" in booker.say("2").lower()
    reply = booker.say("I'm Priya Patel, you can reach me on 07700 900123")
    assert "read that back" in reply and "Priya Patel" in reply and "07700900123" in reply, reply
    assert second["title"] in reply
    assert "you're booked" in booker.say("yep")


def test_changing_the_time_at_the_read_back(assistant):
    booker = Booker(assistant)
    offer_and_pick(booker)
    booker.say("my name is ade o'neill")
    reply = booker.say("ade@example.org")
    assert "read that back" in reply and "Ade O'Neill" in reply
    reply = booker.say("actually could we do friday afternoon instead")
    fridays = booker.slot_buttons()
    assert fridays and all(b["title"].startswith("Fri") for b in fridays), reply
    reply = booker.say(fridays[0]["payload"])
    # name and contact are remembered: straight to the read-back
    assert "read that back" in reply and fridays[0]["title"] in reply and "ade@example.org" in reply, reply
    assert "you're booked" in booker.say("yes please")
    [row] = confirmed(bookings(assistant, booker.sender))
    assert row["name"] == "Ade O'Neill"


def test_two_people_confirming_the_same_slot_at_once_only_one_gets_it(assistant):
    first, second = Booker(assistant), Booker(assistant)
    choice = offer_and_pick(first, "I want to get an appointment booked with the trainer", index=2)
    second.say("I want to get an appointment booked with the trainer")
    assert choice["payload"] in [b["payload"] for b in second.slot_buttons()]
    second.say(choice["payload"])
    for booker, name, address in ((first, "Ann Lee", "ann@example.com"), (second, "Bob Stone", "bob@example.com")):
        booker.say(name)
        assert "read that back" in booker.say(address)

    barrier = threading.Barrier(2)
    replies: Dict[str, str] = {}

    def confirm(booker: Booker) -> None:
        barrier.wait()
        replies[booker.sender] = booker.say("yes")

    threads = [threading.Thread(target=confirm, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    won = [sender for sender, reply in replies.items() if "you're booked" in reply]
    lost = [sender for sender, reply in replies.items() if "has just been taken" in reply]
    assert len(won) == 1 and len(lost) == 1, replies
    slot_start = [b for b in confirmed(bookings(assistant)) if b["conversation_id"] in (first.sender, second.sender)]
    assert len(slot_start) == 1
    loser = first if lost[0] == first.sender else second
    # the one who lost is offered other times, without the one just taken
    assert loser.slot_buttons() and choice["payload"] not in [b["payload"] for b in loser.slot_buttons()]


def test_move_then_cancel_a_booking_and_nobody_else_can_cancel_it(assistant):
    booker = Booker(assistant)
    first_choice = offer_and_pick(booker)
    booker.say("Maya Green")
    booker.say("maya@example.com")
    assert "you're booked" in booker.say("yes")

    reply = booker.say("I can't make it then, can we move it?")
    assert "stays booked until you confirm" in reply, reply
    others = [b for b in booker.slot_buttons() if b["payload"] != first_choice["payload"]]
    reply = booker.say(others[0]["payload"])
    assert "move your session" in reply and "maya@example.com" in reply, reply
    assert "you're moved" in booker.say("yes")
    [row] = confirmed(bookings(assistant, booker.sender))
    assert key_of(others[0])[:16] == str(row["starts_at"])[:16].replace(" ", "T"), (row, others[0])

    stranger = Booker(assistant)
    assert "nothing to cancel" in stranger.say("cancel my booking")
    assert len(confirmed(bookings(assistant, booker.sender))) == 1

    reply = booker.say("please cancel the appointment I made")
    assert "is cancelled" in reply, reply
    assert confirmed(bookings(assistant, booker.sender)) == []


def test_stopping_and_questions_in_the_middle_of_booking(assistant):
    booker = Booker(assistant)
    booker.say("I'd love to get a session booked in")
    reply = booker.say("why do stiff ankles cause knee pain?")
    assert "“" in reply, reply  # answered from the article...
    assert booker.slot_buttons(), reply  # ...then the times are offered again
    reply = booker.say("stop")
    assert "nothing new is booked" in reply
    assert bookings(assistant, booker.sender) == []


def test_gibberish_while_choosing_a_time_gets_a_hint_not_a_booking(assistant):
    booker = Booker(assistant)
    booker.say("book a session")
    reply = booker.say("asdfgh jkl")
    assert "which time you'd like" in reply and booker.slot_buttons(), reply  # a hint, then the times again
    assert booker.slot("booking_slot") is None


def test_deleting_my_data_removes_the_booking(assistant):
    booker = Booker(assistant)
    offer_and_pick(booker)
    booker.say("Lee Brown")
    booker.say("lee@example.com")
    assert "you're booked" in booker.say("yes")
    reply = booker.say("delete my data")
    assert "booking" in reply and "deleted" in reply, reply
    assert bookings(assistant, booker.sender) == []
