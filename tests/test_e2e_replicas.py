"""Two Rasa replicas behind nginx, on PostgreSQL and Redis (tests/replicas_fixtures.py, ops/replicas.py).

A conversation may reach any replica with any message: it stays one conversation,
in order, with every event stored once, even when two of its messages arrive at two
replicas at the same moment (the Redis lock), when a replica dies, and when the
trainer's reply is sent by another replica than the one the person's browser is on
(socket.io through Redis). Two people confirming one time on two replicas: one gets it.

(Over 300 lines: one scenario per test, with the widget-like socket.io client they share.)
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import aiohttp
import pytest
import requests
import socketio

from tests.conftest import new_sender, texts
from tests.replicas_fixtures import app_rows, stored_event_types
from tests.reporting import report
from tests.test_e2e_booking import Booker, confirmed
from tests.test_e2e_consultation import Chat, clear_screening, start_with_consent

# Races of two bookings of one time; REPLICA_BOOKING_RACES=N runs more or fewer.
BOOKING_RACES = int(os.environ.get("REPLICA_BOOKING_RACES", "50"))


class Alternating:
    """Looks like the assistant to Chat/Booker: each message goes straight to the next replica in turn."""

    def __init__(self, replicated, replicas: Tuple[int, ...] = (0, 1)):
        self.replicated, self.replicas, self.turn = replicated, replicas, 0

    def send(self, text: str, sender: Optional[str] = None, timeout: float = 30) -> List[Dict]:
        replica = self.replicas[self.turn % len(self.replicas)]
        self.turn += 1
        return self.replicated.send_to(replica, text, sender or new_sender(), timeout)

    def tracker(self, sender: str) -> Dict:
        return self.replicated.tracker(sender)


def user_texts(tracker: Dict) -> List[str]:
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def assert_turns_not_interleaved(tracker: Dict) -> None:
    """Every message was answered to the end (action_listen) before the next one was read."""
    listening = True
    for event in tracker["events"]:
        if event["event"] == "user":
            assert listening, f"a message was read while another was being answered: {tracker['events']}"
            listening = False
        elif event["event"] == "action" and event["name"] == "action_listen":
            listening = True


@pytest.fixture
def replicated(replicated_assistant):
    replicated_assistant.ensure_running()  # a test that killed a replica started it again without waiting
    return replicated_assistant


def test_the_public_address_serves_the_website_the_inbox_and_both_replicas(replicated):
    page = requests.get(f"{replicated.url}/", timeout=10)
    assert page.status_code == 200 and replicated.url in page.text  # the widget talks to nginx
    assert requests.get(f"{replicated.inbox_url}/login", timeout=10).status_code == 200
    body = {"sender": new_sender(), "message": "hi"}
    refused = requests.post(f"{replicated.url}/webhooks/rest/webhook", json=body, timeout=30)
    assert refused.status_code == 403, refused.text  # proxied: the REST channel wants the token
    for _ in range(4):
        assert "not a doctor" in texts(replicated.send("hi"))
    log = (replicated.log_dir / "nginx.log").read_text()
    used = set(re.findall(r'"POST /webhooks/rest/webhook" 200 .* upstream=127\.0\.0\.1:(\d+)', log))
    assert used == {url.rsplit(":", 1)[1] for url in replicated.replica_urls}, used  # round-robin
    assert replicated.token not in log, "the API token was written to nginx's log"


def test_a_conversation_alternating_between_replicas_stays_one_conversation(replicated):
    chat = Chat(Alternating(replicated))
    sent = ["hi", "my left knee hurts at the front when i go down stairs", "yes", "34"]
    assert "not a doctor" in chat.say(sent[0])
    start_with_consent(chat, sent[1])  # the consent asked on one replica, answered on the other, ...
    clear_screening(chat)
    for answer in ["it came on gradually", "about 3 weeks", "5", "i run twice a week", "6 cm", "7cm"]:
        chat.say(answer)
    conclusion = chat.say("everything stayed level").lower()
    assert "ankle" in conclusion and "calf stretch" in conclusion, conclusion
    assert chat.slot("knee_side") == "left"
    [record] = app_rows(
        replicated, "consultations", "SELECT profile FROM consultations WHERE conversation_id = :s", s=chat.sender
    )
    assert record["profile"] == "ankle"
    tracker = replicated.tracker(chat.sender)
    expected = sent + ["no", "yes", "nope", "no", "no", "nah"]
    expected += ["it came on gradually", "about 3 weeks", "5", "i run twice a week", "6 cm", "7cm"]
    assert user_texts(tracker) == expected + ["everything stayed level"]  # each once, in order
    assert_turns_not_interleaved(tracker)
    assert stored_event_types(replicated, chat.sender).count("user") == len(expected) + 1


def test_two_messages_of_one_conversation_at_the_same_moment_on_two_replicas(replicated):
    sender = new_sender()
    replicated.send_to(0, "hi", sender)
    questions = [("what is maltracking", "maltracking"), ("why do stiff ankles cause knee pain?", "ankle")]
    for _ in range(3):
        answers: Dict[int, str] = {}

        def ask(replica: int, answers=answers) -> None:
            answers[replica] = texts(replicated.send_to(replica, questions[replica][0], sender)).lower()

        run_together(ask)
        for replica, (_, topic) in enumerate(questions):
            assert topic in answers[replica], answers  # each message got its own answer
    tracker = replicated.tracker(sender)
    asked = user_texts(tracker)[1:]
    assert len(asked) == 6 and sorted(asked) == sorted(q for q, _ in questions * 3), asked  # none lost or doubled
    assert_turns_not_interleaved(tracker)
    bots = [(event["text"], event["timestamp"]) for event in tracker["events"] if event["event"] == "bot"]
    assert bots and len(bots) == len(set(bots))
    assert stored_event_types(replicated, sender).count("user") == 7


@dataclass
class Widget:
    """A socket.io client like the widget, through nginx: long-polling first, then the websocket upgrade
    (both must reach the replica that holds the session: nginx's cookie), with aiohttp as the browser."""

    client: socketio.AsyncClient
    http: aiohttp.ClientSession
    session_id: str
    replies: "asyncio.Queue[dict]"

    @classmethod
    async def open(cls, url: str, transports: Tuple[str, ...] = ("polling", "websocket")) -> "Widget":
        replies: "asyncio.Queue[dict]" = asyncio.Queue()
        confirmed_ids: "asyncio.Queue[str]" = asyncio.Queue()
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # unsafe: cookies of an IP
        client = socketio.AsyncClient(reconnection=False, http_session=http)
        client.on("bot_uttered", replies.put)
        client.on("session_confirm", confirmed_ids.put)
        await client.connect(url, socketio_path="/socket.io", transports=list(transports), wait_timeout=10)
        await client.emit("session_request", {"session_id": None})
        widget = cls(client, http, await asyncio.wait_for(confirmed_ids.get(), 10), replies)
        await widget.say("hi")
        await widget.reply_with("not a doctor")
        assert client.transport() == "websocket"  # the upgrade reached the replica that has the session
        return widget

    @property
    def replica(self) -> str:
        """The replica nginx keeps this browser on (its cookie): "1" or "2"."""
        return next((cookie.value for cookie in self.http.cookie_jar if cookie.key == "assistant_replica"), "")

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def reply_with(self, words: str, timeout: float = 30) -> dict:
        """The first message (from now on) whose text has these words; the ones before it are passed over."""
        deadline = time.monotonic() + timeout
        while True:
            message = await asyncio.wait_for(self.replies.get(), max(0.1, deadline - time.monotonic()))
            if words in message.get("text", "").lower():
                return message

    def received(self) -> List[dict]:
        """What has arrived and not been read yet."""
        return [self.replies.get_nowait() for _ in range(self.replies.qsize())]

    async def close(self) -> None:
        await self.client.disconnect()
        await self.http.close()


def test_a_trainer_reply_sent_by_one_replica_reaches_the_browser_on_the_other(replicated, monkeypatch):
    # python-engineio 4.15's asyncio client passes aiohttp >= 3.10's ClientWSTimeout; Rasa pins aiohttp 3.9,
    # whose ws_connect takes the same close timeout as a number
    monkeypatch.setattr(aiohttp, "ClientWSTimeout", lambda ws_close=10.0, **_: ws_close, raising=False)
    asyncio.run(trainer_reply_across_replicas(replicated))


async def trainer_reply_across_replicas(replicated) -> None:
    from trainer_inbox.rasa_client import RasaClient

    widgets: List[Widget] = []
    try:
        while len({w.replica for w in widgets}) < 2 and len(widgets) < 6:
            # new browsers go round-robin; the widget's own way (a websocket at once) and polling first
            transports = ("websocket",) if len(widgets) % 2 else ("polling", "websocket")
            widgets.append(await Widget.open(replicated.url, transports))
        by_replica = {widget.replica: widget for widget in widgets}
        assert set(by_replica) == {"1", "2"}, [w.replica for w in widgets]
        person, elsewhere = by_replica["1"], by_replica["2"]
        # the inbox's own client, pointed at replica 2, with the inbox's token for this conversation only
        rasa = RasaClient(replicated.replica_urls[1], replicated.env["RASA_JWT_SECRET"])
        try:
            await rasa.send_reply(person.session_id, "Hi, it's the trainer here.", "socketio")
        finally:
            await rasa.close()
        reply = await person.reply_with("trainer here", 15)
        assert reply == {"text": "Hi, it's the trainer here.", "metadata": {"from_trainer": True}}
        await asyncio.sleep(0.5)
        assert not [m for m in elsewhere.received() if "trainer" in m.get("text", "")]  # that browser's room only
        # the person's next message is answered by the replica their browser is on
        person.received()  # the rest of the greeting
        await person.say("what is maltracking")
        assert "maltracking" in (await person.reply_with("“"))["text"].lower()  # quoted from the article
        deadline = time.monotonic() + 10  # stored just after the answer went out
        while user_texts(replicated.tracker(person.session_id)) != ["hi", "what is maltracking"]:
            assert time.monotonic() < deadline, replicated.tracker(person.session_id)["events"]
            await asyncio.sleep(0.2)
    finally:
        for widget in widgets:
            await widget.close()


def test_two_people_confirming_one_time_on_two_replicas_only_one_gets_it(replicated):
    started = time.monotonic()
    for race in range(BOOKING_RACES):
        race_for_one_time(replicated, race)
    seconds = time.monotonic() - started
    report(f"replicas: {BOOKING_RACES} races of two people confirming one time on two replicas in {seconds:.0f}s")


def race_for_one_time(replicated, race: int) -> None:
    """Two people, each on their own replica, get to the read-back of the same time, then both say yes at once."""
    pair = [Booker(Alternating(replicated, (0,))), Booker(Alternating(replicated, (1,)))]
    people = (("Ann Lee", "ann@example.com"), ("Bob Stone", "bob@example.com"))
    picks: Dict[int, str] = {}

    def prepare(index: int) -> None:
        booker, (name, address) = pair[index], people[index]
        booker.say("I want to get an appointment booked with the trainer")
        picks[index] = booker.slot_buttons()[0]["payload"]  # the same first free time for both
        booker.say(picks[index])
        booker.say(name)
        assert "read that back" in booker.say(address), booker.transcript

    run_together(prepare)
    assert picks[0] == picks[1], picks
    replies: Dict[int, str] = {}
    run_together(lambda index: replies.__setitem__(index, pair[index].say("yes")))
    won = [i for i, reply in replies.items() if "you're booked" in reply]
    lost = [i for i, reply in replies.items() if "has just been taken" in reply]
    assert len(won) == 1 and len(lost) == 1, (race, replies)
    query = "SELECT * FROM bookings WHERE conversation_id IN (:first, :second)"
    rows = confirmed(app_rows(replicated, "bookings", query, first=pair[0].sender, second=pair[1].sender))
    assert len(rows) == 1 and rows[0]["conversation_id"] == pair[won[0]].sender, (race, rows)
    # the winner cancels: the next race is for the same time (and the other tests find their times free)
    assert "is cancelled" in pair[won[0]].say("please cancel the appointment I made"), pair[won[0]].transcript


def run_together(work) -> None:
    """work(0) and work(1) in two threads released at the same moment; their failures are raised here."""
    barrier, failures = threading.Barrier(2), []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if failures:
        raise failures[0]


def test_a_replica_killed_mid_conversation_the_conversation_goes_on_through_nginx(replicated):
    chat = Chat(replicated)  # through nginx
    start_with_consent(chat, "my right knee hurts")
    replicated.kill(0)
    try:
        answers = ["no", "yes", "nope", "no", "no", "nah"]
        for answer in answers:
            chat.say(answer)  # every message answered: nginx skips the dead replica
        assert "nothing you've told me needs urgent care" in chat.transcript[-1].lower(), chat.transcript
        assert user_texts(replicated.tracker(chat.sender))[-len(answers) :] == answers
    finally:
        replicated.restart(0, wait=False)  # the next test that needs it waits (ensure_running)


def test_tickets_taken_at_once_on_several_replicas_are_all_kept(monkeypatch, redis_server):
    """The lock store alone (bot/redis_lock.py): one store per thread, as one per replica."""
    import settings
    from bot.stores import ConfiguredLockStore

    monkeypatch.setattr(settings, "LOCK_STORE_URL", redis_server.url)
    stores = [ConfiguredLockStore() for _ in range(8)]
    for round_ in range(20):
        conversation = f"tickets-{round_}-{time.monotonic_ns()}"
        tickets = take_tickets_at_once(stores, conversation)
        assert sorted(tickets) == list(range(len(stores))), tickets  # none lost, none given twice
        lock = stores[0].get_lock(conversation)
        assert [ticket.number for ticket in lock.tickets] == list(range(len(stores)))
        for number in tickets[::2]:
            stores[number % len(stores)].cleanup(conversation, number)  # done, on any replica
        assert [t.number for t in stores[1].get_lock(conversation).tickets] == sorted(tickets[1::2])


def take_tickets_at_once(stores, conversation: str) -> List[int]:
    barrier, tickets = threading.Barrier(len(stores)), []

    def take(store) -> None:
        barrier.wait()
        tickets.append(store.issue_ticket(conversation, 30))

    threads = [threading.Thread(target=take, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return tickets
