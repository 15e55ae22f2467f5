"""Lost, duplicated or reordered messages: each conversation's stored tracker against what was sent.

With several Rasa replicas, a message handled twice (two replicas) or not at all
(a lock lost) would still answer the load client; only the tracker store tells.
A turn that failed on the client (a timeout, say) may or may not have been
processed, so it may appear once or not at all; a turn that succeeded must
appear exactly once, in the order sent.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence


def sent_messages(turns: Iterable) -> Dict[str, Dict[str, List[str]]]:
    """Per conversation: {"ok": texts answered, in order, "failed": texts whose outcome is unknown}."""
    out: Dict[str, Dict[str, List[str]]] = {}
    for turn in turns:
        entry = out.setdefault(turn.sender, {"ok": [], "failed": []})
        entry["ok" if turn.ok else "failed"].append(turn.text)
    return out


def stored_user_texts(tracker: Dict) -> List[str]:
    return [event.get("text") or "" for event in tracker.get("events", []) if event.get("event") == "user"]


def compare(sent: Dict[str, List[str]], stored: Sequence[str]) -> Dict[str, int]:
    """lost / duplicated / out_of_order counts for one conversation."""
    ok, failed, stored_counts = Counter(sent["ok"]), Counter(sent["failed"]), Counter(stored)
    lost = sum(max(0, count - stored_counts[text]) for text, count in ok.items())
    duplicated = sum(max(0, count - ok[text] - failed[text]) for text, count in stored_counts.items())
    remainder = list(stored)
    for text in sent["failed"]:  # an unknown outcome is allowed to be stored once
        if remainder.count(text) > ok[text]:
            remainder.reverse()
            remainder.remove(text)
            remainder.reverse()
    out_of_order = int(not lost and not duplicated and remainder != list(sent["ok"]))
    return {"lost": lost, "duplicated": duplicated, "out_of_order": out_of_order}


def account(turns: Iterable, trackers: Dict[str, Optional[Dict]]) -> Dict:
    """Totals over all conversations; a conversation whose tracker could not be read is counted apart."""
    totals = {"conversations": 0, "messages_ok": 0, "lost": 0, "duplicated": 0, "out_of_order": 0, "unreadable": 0}
    examples: List[str] = []
    for sender, sent in sent_messages(turns).items():
        totals["conversations"] += 1
        totals["messages_ok"] += len(sent["ok"])
        tracker = trackers.get(sender)
        if tracker is None:
            totals["unreadable"] += 1
            continue
        found = compare(sent, stored_user_texts(tracker))
        for key, value in found.items():
            totals[key] += value
        if any(found.values()) and len(examples) < 5:
            examples.append(f"{sender}: {found}")
    totals["examples"] = examples  # type: ignore[assignment]
    return totals


async def fetch_trackers(
    base_url: str, senders: Iterable[str], token: str, parallel: int = 8
) -> Dict[str, Optional[Dict]]:
    """Each conversation's tracker from Rasa's HTTP API (None when it cannot be read)."""
    import aiohttp

    limit = asyncio.Semaphore(parallel)
    out: Dict[str, Optional[Dict]] = {}

    async def one(session, sender: str) -> None:
        async with limit:
            try:
                async with session.get(
                    f"{base_url.rstrip('/')}/conversations/{sender}/tracker",
                    params={"token": token},
                    timeout=aiohttp.ClientTimeout(total=60),
                ) as response:
                    out[sender] = await response.json() if response.status == 200 else None
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                out[sender] = None

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(session, sender) for sender in senders))
    return out
