"""Handing a conversation to the trainer: the transcript, when to offer it, what to tell the person."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from coaching.transcript import transcript_from_events  # noqa: F401 - the handoff's transcript

# Why a conversation was handed over (shown in the inbox).
ASKED_FOR_HUMAN = "asked_for_human"
NOT_UNDERSTOOD = "not_understood"
ESCALATION = "escalation"


def consecutive_failures(events: Iterable[Mapping[str, Any]]) -> int:
    """How many of the person's latest messages in a row the assistant could not understand."""
    count = 0
    for event in reversed(list(events)):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != "nlu_fallback":
            break
        count += 1
    return count


def handoff_message(trainer_name: str, trainer_hours: str, reason: str) -> str:
    why = {
        ASKED_FOR_HUMAN: "Of course.",
        NOT_UNDERSTOOD: "I'm clearly not getting this right, so I'll bring in a person.",
        ESCALATION: f"Your answers are worth a personal look from {trainer_name}.",
    }.get(reason, "")
    return (
        f"{why} I've passed our conversation and a summary of your answers to {trainer_name}, "
        f"who will reply to you here, typically {trainer_hours}. Until they do, I'll stay quiet so "
        "nothing gets mixed up; anything you write now goes straight to them. "
        "If your knee gets much worse, or you can't put weight on it, don't wait: "
        "call NHS 111, or 999 in an emergency."
    ).strip()


def already_with_trainer_message(trainer_name: str, trainer_hours: str) -> str:
    """Asking for a person while the trainer already has the conversation: nothing new is opened."""
    return (
        f"{trainer_name} already has our conversation, so there's nothing more to do: they will reply "
        f"to you here, typically {trainer_hours}. Until they do, I'll stay quiet; anything you write now "
        "goes straight to them. If your knee gets much worse, or you can't put weight on it, don't wait: "
        "call NHS 111, or 999 in an emergency."
    )
