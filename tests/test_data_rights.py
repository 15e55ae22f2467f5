"""The person's data rights as plain logic: erasure in one transaction, and the export (SQLite in tmp_path)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from booking.contact import Contact
from booking.schema import Booking, BookingTimeClaim
from booking.slot_types import Slot
from booking.store import BookingStore
from records import erasure
from records.channel_identities import ChannelStore
from records.channel_options import OptionStore
from records.erasure import ErasureFailed, erase_conversation, forget_reply_address, note_failure, notices
from records.export import export_conversation, is_empty, mask_contact, readable_summary
from records.handoffs import HandoffStore
from records.safety import SafetyJournal, SafetyRecordStore
from records.store import RecordStore

UTC = timezone.utc
NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'assistant.db'}"


def seed(
    url: str, conversation: str, *, name: str = "Sam Jones", email: str = "sam@example.com", age: int = 34, day: int = 7
) -> None:
    """One conversation with a record in every table that can hold one."""
    RecordStore(url).save_consultation(
        conversation,
        channel="telegram",
        triage_level="soon",
        triage_reasons=[{"reason": "night pain"}],
        intake={"age_years": age, "knee_side": "left"},
        profile="ankle",
        exercises=["calf_raise"],
        summary=f"{name}'s knee",
    )
    SafetyRecordStore(url).record(conversation, {"calf_swelling"}, {"rf_night_pain": True}, "same_day")
    handoffs = HandoffStore(url)
    handoffs.open_handoff(conversation, "telegram", "asked_for_human", "summary", [{"who": "person", "text": "hi"}])
    handoffs.record_reply(conversation, "Hello from the trainer")
    start = datetime(2030, 1, day, 10, tzinfo=UTC)
    BookingStore(url).book(
        conversation,
        "telegram",
        Slot(start, start + timedelta(hours=1)),
        name,
        Contact("email", email),
        "left knee",
        "Europe/London",
    )
    channels = ChannelStore(url)
    channels.remember(conversation, "telegram", "123456789")
    channels.token_for_payload(conversation, '/choose_slot{"slot": 1}')
    channels.record_failure(conversation, "telegram", "a reply", "timeout")
    OptionStore(url).offer(conversation, ["/affirm", "/deny"])


def counts(url: str, conversation: str) -> dict:
    return {
        "consultations": len(RecordStore(url).consultations(conversation)),
        "signs": len(SafetyRecordStore(url).open_flags(conversation)[0]),
        "handoffs": 0 if HandoffStore(url).for_conversation(conversation) is None else 1,
        "replies": len(HandoffStore(url).replies(conversation)),
        "bookings": sum(1 for b in BookingStore(url).list_bookings() if b["conversation_id"] == conversation),
        "address": 0 if ChannelStore(url).address(conversation) is None else 1,
        "failures": len(ChannelStore(url).failures(conversation)),
        "options": 0 if OptionStore(url).peek(conversation) is None else 1,
    }


# --- erasure --------------------------------------------------------------------------------------
def test_erasure_removes_everything_of_one_conversation_and_nothing_else(url, tmp_path):
    seed(url, "c1")
    seed(url, "c2", name="Alex Other", email="alex@example.org", day=8)
    journal = SafetyJournal(tmp_path / "journal.jsonl")
    journal.add("c1", "same_day", {"calf_swelling"}, "db down")
    journal.add("c2", "soon", {"night_pain"}, "db down")

    summary = erase_conversation(url, "c1", journal=journal, now=NOW)

    assert summary.consultations == 1 and summary.warning_signs == 2 and summary.handoffs == 1
    assert summary.trainer_replies == 1 and summary.bookings_cancelled == 1 and summary.was_with_trainer
    assert set(counts(url, "c1").values()) == {0}
    assert set(counts(url, "c2").values()) == {1}
    assert [e["conversation_id"] for e in journal.entries()] == ["c2"]


def test_erased_bookings_are_cancelled_anonymous_and_free_their_time(url):
    seed(url, "c1")
    erase_conversation(url, "c1", now=NOW)
    with Session(erasure.engine_for(url)) as session:
        [booking] = session.scalars(select(Booking)).all()
        assert booking.status == "cancelled" and booking.cancelled_by == "erasure"
        assert booking.name == erasure.ERASED_NAME and booking.contact == "" and booking.intake_summary == ""
        assert booking.conversation_id == erasure.NO_CONVERSATION
        assert session.scalars(select(BookingTimeClaim)).all() == []
    assert BookingStore(url).by_invite_token("anything") is None


def test_the_reply_address_can_stay_until_the_confirmation_is_sent(url):
    seed(url, "c1")
    erase_conversation(url, "c1", keep_reply_address=True, now=NOW)
    assert ChannelStore(url).address("c1") is not None
    assert forget_reply_address(url, "c1") == 1
    assert ChannelStore(url).address("c1") is None


def test_a_conversation_waiting_for_the_trainer_leaves_a_notice_with_only_id_and_time(url):
    seed(url, "c1")
    RecordStore(url).save_consultation("c3", channel="rest", triage_level="self_care", triage_reasons=[], intake={})
    erase_conversation(url, "c1", now=NOW)
    erase_conversation(url, "c3", now=NOW)  # not with the trainer: no notice
    assert notices(url) == [{"conversation_id": "c1", "outcome": "erased", "at": NOW}]
    columns = {c.name for c in erasure.ErasureNotice.__table__.columns}
    assert columns == {"id", "conversation_id", "outcome", "at"}


@pytest.mark.parametrize("failing_table", ["handoffs", "bookings", "channel_numbered_options", "erasure_notices"])
def test_one_failing_statement_rolls_everything_back(url, failing_table):
    seed(url, "c1")
    before = counts(url, "c1")
    engine = erasure.engine_for(url)

    def fail(conn, cursor, statement, parameters, context, executemany):
        if failing_table in statement and statement.lstrip().upper().startswith(("DELETE", "UPDATE", "INSERT")):
            raise OperationalError(statement, parameters, Exception("disk I/O error"))

    event.listen(engine, "before_cursor_execute", fail)
    try:
        with pytest.raises(ErasureFailed):
            erase_conversation(url, "c1", now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", fail)
    assert counts(url, "c1") == before
    [booking] = BookingStore(url).list_bookings()
    assert booking["status"] == "confirmed" and booking["name"] == "Sam Jones"
    assert notices(url) == []


def test_a_journal_that_cannot_be_written_rolls_the_database_back(url, tmp_path):
    seed(url, "c1")

    class BrokenJournal:
        def forget(self, conversation_id):
            raise OSError("read-only file system")

    with pytest.raises(ErasureFailed):
        erase_conversation(url, "c1", journal=BrokenJournal(), now=NOW)
    assert set(counts(url, "c1").values()) == {1}


def test_a_failed_erasure_is_noted_for_the_trainer_and_cleared_by_a_later_one(url):
    seed(url, "c1")
    assert note_failure(url, "c1", now=NOW)
    assert notices(url)[0]["outcome"] == "failed"
    erase_conversation(url, "c1", now=NOW + timedelta(minutes=5))
    assert [n["outcome"] for n in notices(url)] == ["erased"]


# --- export ---------------------------------------------------------------------------------------
def test_export_holds_this_conversation_only_with_contacts_masked(url):
    seed(url, "c1", age=34)
    seed(url, "c2", name="Alex Other", email="alex@example.org", age=61, day=8)
    data = export_conversation(url, "c1", messages_in_conversation=12, retention_days=365, now=NOW)

    assert data["conversation_id"] == "c1"
    assert data["consultation"]["answers"] == {"age_years": 34, "knee_side": "left"}
    assert {s["name"] for s in data["warning_signs"]} == {"calf_swelling", "rf_night_pain"}
    [booking] = data["bookings"]
    assert booking["name"] == "Sam Jones" and booking["contact"] == "s•••@example.com"
    assert data["channel"] == {
        "name": "telegram",
        "address": "•••••6789",
        "last_message_at": data["channel"]["last_message_at"],
    }
    assert data["handoffs"][0]["status"] == "open" and data["trainer_replies"] == 1
    text = json.dumps(data, ensure_ascii=False)
    assert "Alex" not in text and "alex@" not in text and "61" not in text.replace("2030", "")
    assert "sam@example.com" not in text and "123456789" not in text


def test_answers_in_progress_only_without_a_saved_consultation(url):
    data = export_conversation(url, "new", answers_in_progress={"age_years": 40})
    assert data["answers_in_progress"] == {"age_years": 40} and data["consultation"] is None
    assert not is_empty(data)
    assert is_empty(export_conversation(url, "nobody"))


def test_readable_summary_names_each_kind_of_record(url):
    seed(url, "c1")
    text = readable_summary(export_conversation(url, "c1", messages_in_conversation=5, retention_days=30))
    assert "consultation" in text and "age years: 34" in text
    assert "calf swelling" in text and "Bookings:" in text and "s•••@example.com" in text
    assert "With the trainer: yes" in text and "Telegram" in text and "30 days" in text
    assert "sam@example.com" not in text


def test_readable_summary_of_nothing(url):
    text = readable_summary(export_conversation(url, "nobody"))
    assert "No consultation answers" in text and "No warning signs" in text and "No bookings" in text


@pytest.mark.parametrize(
    "value,kind,masked",
    [
        ("sam@example.com", "email", "s•••@example.com"),
        ("+447700900123", "phone", "•••••••••0123"),
        ("", "email", ""),
    ],
)
def test_mask_contact(value, kind, masked):
    assert mask_contact(value, kind) == masked


# --- the actions (rasa-sdk, no servers) ------------------------------------------------------------
@pytest.fixture
def actions_on(url, tmp_path, monkeypatch):
    import settings

    monkeypatch.setattr(settings, "APP_DB_URL", url)
    monkeypatch.setattr(settings, "SAFETY_JOURNAL", tmp_path / "journal.jsonl")
    from bot.actions import data_rights

    return data_rights


def run(action, conversation: str, intent: str, *, paused: bool, slots=None):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    tracker = Tracker(
        sender_id=conversation,
        slots=slots or {},
        paused=paused,
        followup_action=None,
        latest_message={"text": "x", "intent": {"name": intent}, "entities": []},
        events=[{"event": "user", "text": "x"}, {"event": "bot", "text": "y"}],
        active_loop={},
        latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return [m["text"] for m in dispatcher.messages], events


def test_delete_erases_and_sets_the_marker_while_paused_too(actions_on, url):
    seed(url, "c1")
    texts, events = run(actions_on.ActionDeleteMyData(), "c1", "delete_my_data", paused=True)
    assert "deleted" in texts[0] and "booking (now cancelled)" in texts[0] and "told" in texts[0]
    assert [(e["event"], e["name"], e["value"]) for e in events] == [("slot", "data_erasure_requested", True)]
    assert counts(url, "c1")["consultations"] == 0
    assert counts(url, "c1")["address"] == 1  # until the tracker store has sent the reply


def test_a_failed_erasure_tells_the_person_and_the_trainer_and_sets_no_marker(actions_on, url, monkeypatch):
    seed(url, "c1")

    def broken(*args, **kwargs):
        raise ErasureFailed("erasure rolled back (OperationalError)")

    monkeypatch.setattr(actions_on, "erase_conversation", broken)
    texts, events = run(actions_on.ActionDeleteMyData(), "c1", "delete_my_data", paused=False)
    assert "couldn't delete" in texts[0] and "nothing has been deleted" in texts[0] and events == []
    assert notices(url)[0]["outcome"] == "failed"


def test_export_in_the_chat_is_words_then_json(actions_on, url):
    seed(url, "c1")
    texts, events = run(actions_on.ActionExportMyData(), "c1", "export_my_data", paused=False)
    assert events == [] and "Get medical help today" in texts[0] and "calf swelling" in texts[0]
    data = json.loads(texts[1].split("\n", 1)[1])
    assert data["conversation_id"] == "c1" and data["messages_in_conversation"] == 2


def test_export_shows_answers_given_so_far_only_after_consent(actions_on):
    slots = {"consent_given": True, "age_years": 41, "knee_side": "right"}
    texts, _ = run(actions_on.ActionExportMyData(), "fresh", "export_my_data", paused=True, slots=slots)
    assert "age: 41" in texts[0] and "knee: right" in texts[0]
    texts, _ = run(
        actions_on.ActionExportMyData(),
        "fresh2",
        "export_my_data",
        paused=False,
        slots={"consent_given": None, "age_years": 41},
    )
    assert "41" not in texts[0]


# --- the tracker store notices a request made while paused ----------------------------------------
def rasa_tracker(*events):
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events("c1", list(events))


def said(intent: str):
    from rasa.shared.core.events import UserUttered

    return UserUttered("text", {"name": intent, "confidence": 0.9})


def test_a_request_made_while_paused_is_noticed_once():
    from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, ConversationResumed

    from bot.stores import requested_while_paused

    paused = [ActionExecuted("action_handoff"), ConversationPaused()]
    assert requested_while_paused(rasa_tracker(*paused, said("delete_my_data"))) == "action_delete_my_data"
    assert (
        requested_while_paused(rasa_tracker(*paused, said("export_my_data"), BotUttered("from the trainer")))
        == "action_export_my_data"
    )
    assert (
        requested_while_paused(rasa_tracker(*paused, said("export_my_data"), ActionExecuted("action_export_my_data")))
        is None
    )
    assert requested_while_paused(rasa_tracker(*paused, said("delete_my_data"), said("greet"))) is None
    # not paused: the rules answer
    assert requested_while_paused(rasa_tracker(*paused, ConversationResumed(), said("delete_my_data"))) is None
