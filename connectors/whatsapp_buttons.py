"""Rasa buttons as WhatsApp offers: reply buttons, a list, or numbered text.

WhatsApp allows up to 3 reply buttons (titles up to 20 characters) or a list of up
to 10 rows (titles up to 24, a 72-character description), with a body of at most
1,024 characters. More choices become numbered lines the person answers with a
number. Titles are shortened at a word boundary and kept unique (WhatsApp refuses
duplicates). The id of a button or row comes back when it is tapped; the caller
decides it (`id_for`), usually the payload itself.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

MAX_REPLY_BUTTONS, MAX_LIST_ROWS = 3, 10
BUTTON_TITLE_CHARS, ROW_TITLE_CHARS, ROW_DESCRIPTION_CHARS = 20, 24, 72
BUTTON_ID_CHARS, ROW_ID_CHARS = 256, 200
MAX_BODY_CHARS = 1024
LIST_BUTTON_LABEL = "Choose"
NUMBERED_HINT = "Reply with the number of your choice."
BUTTONS, LIST, NUMBERED = "buttons", "list", "numbered"

Option = Tuple[str, str]  # (title, payload)
IdFor = Callable[[str, int], str]  # (payload, longest id allowed) -> id


def options(buttons: Sequence[Dict[str, Any]]) -> List[Option]:
    """(title, payload) of Rasa buttons, one per payload: a repeated payload would be a repeated id."""
    seen, found = set(), []
    for button in buttons or []:
        title = " ".join(str(button.get("title") or button.get("payload") or "").split())
        payload = str(button.get("payload") or title)
        if payload and payload not in seen:
            seen.add(payload)
            found.append((title or payload, payload))
    return found


def form_for(count: int) -> Optional[str]:
    if count <= 0:
        return None
    return BUTTONS if count <= MAX_REPLY_BUTTONS else LIST if count <= MAX_LIST_ROWS else NUMBERED


def shorten(title: str, limit: int) -> str:
    """At most `limit` characters, cut after a whole word and marked with "…"."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    kept = ""
    for word in title.split(" "):
        candidate = f"{kept} {word}".strip()
        if len(candidate) > limit - 1:
            break
        kept = candidate
    kept = kept.rstrip(" ,;:-–/(&")
    return (kept or title[: limit - 1].rstrip()) + "…"  # one word too long: cut inside it, there is no better


def _shortened(titles: Sequence[str], limit: int) -> List[str]:
    return [shorten(t, limit) or f"Option {i}" for i, t in enumerate(titles, start=1)]


def _distinct(titles: Sequence[str]) -> bool:
    return len({t.casefold() for t in titles}) == len(titles)


def unique_titles(titles: Sequence[str], limit: int) -> List[str]:
    """Shortened titles; when two end up equal, every title is numbered so they differ."""
    short = _shortened(titles, limit)
    if _distinct(short):
        return short
    return [f"{i}. {shorten(t, limit - len(f'{i}. '))}" for i, t in enumerate(titles, start=1)]


def interactive(body: str, offered: Sequence[Option], id_for: IdFor) -> Dict[str, Any]:
    """The `interactive` object for up to 10 options: reply buttons for up to 3 whose shortened
    titles still differ, else a list (longer titles, and the whole title under a shortened one)."""
    body = body.strip() or "…"
    titles = [title for title, _ in offered]
    if form_for(len(offered)) == BUTTONS and _distinct(_shortened(titles, BUTTON_TITLE_CHARS)):
        return {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": id_for(payload, BUTTON_ID_CHARS), "title": short}}
                    for short, (_, payload) in zip(unique_titles(titles, BUTTON_TITLE_CHARS), offered)
                ]
            },
        }
    rows = []
    for short, (title, payload) in zip(unique_titles(titles, ROW_TITLE_CHARS), offered[:MAX_LIST_ROWS]):
        row = {"id": id_for(payload, ROW_ID_CHARS), "title": short}
        if short != title:  # the whole title still reaches the person, under the short one
            row["description"] = shorten(title, ROW_DESCRIPTION_CHARS)
        rows.append(row)
    return {
        "type": "list",
        "body": {"text": body},
        "action": {"button": LIST_BUTTON_LABEL, "sections": [{"title": "Options", "rows": rows}]},
    }


def numbered(text: str, titles: Sequence[str]) -> str:
    """The text followed by "1. title" lines and how to answer."""
    lines = "\n".join(f"{i}. {title}" for i, title in enumerate(titles, start=1))
    return f"{text.strip()}\n\n{lines}\n{NUMBERED_HINT}".strip()


_NUMBER = re.compile(r"^\s*(?:#|no\.?\s*|number\s+|option\s+)?(\d{1,3})\s*[.)]?\s*$", re.IGNORECASE)


def chosen_number(text: str, count: int) -> Optional[int]:
    """The 0-based choice when the text is just a number from 1 to count ("2", "2.", "#2", "option 2")."""
    match = _NUMBER.match(text or "")
    if not match:
        return None
    number = int(match.group(1))
    return number - 1 if 1 <= number <= count else None
