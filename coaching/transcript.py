"""The one transcript builder: Rasa tracker events -> who said what, in order.

Used for the handoff's stored transcript and for the inbox's live view, so both show
the same lines: the person, the assistant, or the trainer (replies sent from the
inbox carry `from_trainer` in their metadata). A message of buttons only shows
their titles.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional

from common.clock import iso_from_timestamp


def _bot_text(event: Mapping[str, Any]) -> str:
    text = event.get("text")
    if text:
        return str(text)
    data = event.get("data") or {}
    parts = [f"[{b['title']}]" for b in data.get("buttons") or [] if isinstance(b, dict) and b.get("title")]
    if data.get("image"):
        parts.append("[image]")
    if data.get("attachment"):
        parts.append("[attachment]")
    return " ".join(parts)


def transcript_from_events(events: Optional[Iterable[Mapping[str, Any]]]) -> List[Dict[str, str]]:
    """Tracker events -> [{"who": "person"|"assistant"|"trainer", "text", "at"}]."""
    transcript: List[Dict[str, str]] = []
    for event in events or []:
        kind = event.get("event")
        if kind == "user":
            if event.get("text") is None:
                continue
            who, text = "person", str(event["text"])
        elif kind == "bot":
            text = _bot_text(event)
            if not text:
                continue
            who = "trainer" if (event.get("metadata") or {}).get("from_trainer") is True else "assistant"
        else:
            continue
        transcript.append({"who": who, "text": text, "at": iso_from_timestamp(event.get("timestamp"))})
    return transcript
