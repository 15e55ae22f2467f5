"""Everything stored about one conversation, for the person to take away: as data, and in words.

`export_conversation` reads every records table by the conversation id only, so an
export never holds another person's data. Contacts and channel addresses are
masked (enough to recognise them, not enough to use them): the export is shown
in a chat, which someone else may be reading over a shoulder. The person's
chat and the trainer's inbox (`GET /conversations/<id>/export.json`) give the
same JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Dict, List, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.schema import Booking
from common import channels, clock
from records.channel_identities import ChannelAddress
from records.erasure import engine_for
from records.handoffs import Handoff, TrainerReply
from records.safety import SafetyFlag
from records.schema import Consultation

FORMAT = "knee-assistant-export/1"


def _iso(value: Optional[datetime]) -> Optional[str]:
    moment = clock.from_db(value)
    return moment.isoformat(timespec="seconds") if moment else None


def mask_contact(value: Optional[str], kind: Optional[str] = None) -> str:
    """'s•••@example.com', '•••••••0123': recognisable, not usable."""
    value = (value or "").strip()
    if not value:
        return ""
    if kind == "email" or ("@" in value and kind != "phone"):
        local, _, domain = value.partition("@")
        return f"{local[:1]}•••@{domain}"
    return mask_address(value)


def mask_address(value: Optional[str]) -> str:
    """A chat id or phone number with all but its last 4 characters hidden."""
    value = (value or "").strip()
    if len(value) <= 4:
        return "•" * len(value)
    return "•" * (len(value) - 4) + value[-4:]


def export_conversation(
    url: str,
    conversation_id: str,
    *,
    answers_in_progress: Optional[Mapping[str, Any]] = None,
    messages_in_conversation: Optional[int] = None,
    retention_days: Optional[int] = None,
    now: Optional[datetime] = None,
) -> Dict[str, Any]:
    """The conversation's records as plain JSON-able data (see FORMAT).

    `answers_in_progress` are consultation answers still only in the conversation
    (not saved as a consultation yet); `messages_in_conversation` counts the
    messages Rasa keeps with it. Both come from the conversation itself.
    """
    with Session(engine_for(url)) as session:

        def rows(table, *order):
            return session.scalars(select(table).where(table.conversation_id == conversation_id).order_by(*order)).all()

        consultations = rows(Consultation, Consultation.id)
        flags = rows(SafetyFlag, SafetyFlag.recorded_at, SafetyFlag.id)
        bookings = rows(Booking, Booking.starts_at, Booking.id)
        handoffs = rows(Handoff, Handoff.id)
        replies = rows(TrainerReply, TrainerReply.id)
        address = session.get(ChannelAddress, conversation_id)
        latest = consultations[-1] if consultations else None
        return {
            "format": FORMAT,
            "conversation_id": conversation_id,
            "exported_at": (now or clock.utc_now()).isoformat(timespec="seconds"),
            "retention_days": retention_days,
            "channel": None
            if address is None
            else {
                "name": address.channel,
                "address": mask_address(address.address),
                "last_message_at": _iso(address.last_inbound_at),
            },
            "consultation": None
            if latest is None
            else {
                "saved_at": _iso(latest.created_at),
                "answers": dict(latest.intake or {}),
                "triage_level": latest.triage_level,
                "triage_reasons": list(latest.triage_reasons or []),
                "movement_profile": latest.profile,
                "exercises": list(latest.exercises or []),
                "summary": latest.summary,
            },
            "answers_in_progress": dict(answers_in_progress) if answers_in_progress and latest is None else None,
            "warning_signs": [
                {
                    "kind": f.kind,
                    "name": f.name,
                    "value": f.value,
                    "level": f.level,
                    "recorded_at": _iso(f.recorded_at),
                    "cleared_at": _iso(f.cleared_at),
                }
                for f in flags
            ],
            "bookings": [
                {
                    "reference": b.reference,
                    "starts_at": _iso(b.starts_at),
                    "ends_at": _iso(b.ends_at),
                    "time_zone": b.time_zone,
                    "status": b.status,
                    "name": b.name,
                    "contact": mask_contact(b.contact, b.contact_kind),
                    "contact_kind": b.contact_kind,
                    "booked_at": _iso(b.created_at),
                    "cancelled_at": _iso(b.cancelled_at),
                }
                for b in bookings
            ],
            "handoffs": [
                {
                    "status": h.status,
                    "reason": h.reason,
                    "opened_at": _iso(h.created_at),
                    "updated_at": _iso(h.updated_at),
                    "summary": h.summary,
                    "messages_kept": len(h.transcript or []),
                }
                for h in handoffs
            ],
            "trainer_replies": len(replies),
            "messages_in_conversation": messages_in_conversation,
        }


def is_empty(export: Mapping[str, Any]) -> bool:
    """Nothing stored in the records (the conversation itself may still exist in Rasa)."""
    return not any(
        export.get(key)
        for key in (
            "channel",
            "consultation",
            "answers_in_progress",
            "warning_signs",
            "bookings",
            "handoffs",
            "trainer_replies",
        )
    )


def _plain(name: Any) -> str:
    return str(name).replace("_", " ")


def _answers_as_text(answers: Mapping[str, Any]) -> str:
    return "; ".join(f"{_plain(key)}: {value}" for key, value in answers.items())


def readable_summary(
    export: Mapping[str, Any],
    *,
    describe_answers: Optional[Callable[[Mapping[str, Any]], str]] = None,
    sign_label: Callable[[str], str] = _plain,
    level_label: Callable[[str], str] = _plain,
) -> str:
    """The export in words, one paragraph per kind of record (the caller supplies the labels)."""
    describe_answers = describe_answers or _answers_as_text
    parts: List[str] = ["Here is everything stored about you in this conversation:"]
    consultation = export.get("consultation")
    if consultation:
        answers = describe_answers(consultation["answers"]).replace("\n", "; ") or "no answers"
        parts.append(
            f"• Your consultation (saved {clock.readable(consultation['saved_at'])}): {answers}. "
            f"Outcome: {level_label(consultation['triage_level'])}."
        )
    elif export.get("answers_in_progress"):
        answers = describe_answers(export["answers_in_progress"]).replace("\n", "; ")
        parts.append(f"• Your answers so far (the consultation isn't finished): {answers or 'none yet'}.")
    else:
        parts.append("• No consultation answers.")
    open_signs = [s for s in export.get("warning_signs") or [] if not s.get("cleared_at")]
    if open_signs:
        listed = ", ".join(
            f"{sign_label(s['name'])} ({level_label(s['level'])}, since {clock.readable(s['recorded_at'])})"
            for s in open_signs
        )
        parts.append(f"• Warning signs on record: {listed}.")
    else:
        parts.append("• No warning signs on record.")
    bookings = export.get("bookings") or []
    if bookings:
        listed = "; ".join(
            f"{b['reference']}, {clock.readable_range(b['starts_at'], b['ends_at'], b['time_zone'])}, {b['status']}, "
            f"name {b['name']}, contact {b['contact']}"
            for b in bookings
        )
        parts.append(f"• Bookings: {listed}.")
    else:
        parts.append("• No bookings.")
    active = [h for h in export.get("handoffs") or [] if h["status"] != "closed"]
    if active:
        parts.append(f"• With the trainer: yes, since {clock.readable(active[-1]['opened_at'])}.")
    elif export.get("handoffs"):
        parts.append("• With the trainer: not now (handed back to the assistant).")
    channel = export.get("channel")
    if channel:
        parts.append(f"• Channel: {channels.display_name(channel['name'])}, address ending {channel['address'][-4:]}.")
    if export.get("messages_in_conversation"):
        parts.append(f"• The {export['messages_in_conversation']} messages of this chat are kept with it.")
    days = export.get("retention_days")
    if days:
        parts.append(f'Everything is deleted {days} days after it was stored, or at once if you say "delete my data".')
    else:
        parts.append('Say "delete my data" to have all of it deleted at once.')
    return "\n".join(parts)
