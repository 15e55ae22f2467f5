"""The inbox's side of Rasa's HTTP API: read a conversation, send the trainer's replies, resume.

A trainer's reply is appended to the conversation as a BotUttered event with
`execute_side_effects=true` and the conversation's channel as `output_channel`,
so Rasa also sends it out through that channel (for "socketio" it reaches the
website widget live). Handing back appends a ConversationResumed event and a
short "the assistant is back" message in the same request.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, Iterable, List, Optional
from urllib.parse import quote

import aiohttp
from yarl import URL

from common.clock import iso_from_timestamp

DEFAULT_BACK_MESSAGE = (
    "You're back with the assistant now. Ask me anything about your knee, "
    "or say \"talk to a human\" to reach {trainer} again."
)


class RasaError(Exception):
    """Rasa's HTTP API could not be used; `reason` says why, in words fit for the trainer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryFailed(RasaError):
    """A reply (or the hand-back) did not reach Rasa."""


class RasaUnavailable(RasaError):
    """The conversation could not be read from Rasa."""


def _bot_text(event: Dict[str, Any]) -> str:
    text = event.get("text")
    if text:
        return str(text)
    data = event.get("data") or {}
    parts = []
    for button in data.get("buttons") or []:
        if isinstance(button, dict) and button.get("title"):
            parts.append(f"[{button['title']}]")
    if data.get("image"):
        parts.append("[image]")
    if data.get("attachment"):
        parts.append("[attachment]")
    return " ".join(parts)


def transcript_from_events(events: Optional[Iterable[Dict[str, Any]]]) -> List[Dict[str, str]]:
    """Tracker events -> [{"who": "person"|"assistant"|"trainer", "text", "at"}]."""
    transcript: List[Dict[str, str]] = []
    for event in events or []:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text")
            if text is None:
                continue
            transcript.append({"who": "person", "text": str(text), "at": iso_from_timestamp(event.get("timestamp"))})
        elif kind == "bot":
            text = _bot_text(event)
            if not text:
                continue
            metadata = event.get("metadata") or {}
            who = "trainer" if metadata.get("from_trainer") is True else "assistant"
            transcript.append({"who": who, "text": text, "at": iso_from_timestamp(event.get("timestamp"))})
    return transcript


class RasaClient:
    """Async client for the parts of Rasa's HTTP API the inbox uses."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        back_message: str = DEFAULT_BACK_MESSAGE,
        trainer_name: str = "the trainer",
        session: Optional[aiohttp.ClientSession] = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.back_message = back_message.replace("{trainer}", trainer_name)
        self._session = session
        self._own_session = session is None

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
            self._own_session = True
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None and not self._session.closed:
            await self._session.close()

    def _url(self, conversation_id: str, *parts: str) -> URL:
        path = "/".join(["conversations", quote(conversation_id, safe=""), *parts])
        return URL(f"{self.base_url}/{path}", encoded=True)

    async def get_tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The conversation's tracker (all events); raises RasaUnavailable."""
        client = await self._client()
        try:
            async with client.get(
                self._url(conversation_id, "tracker"), params={"token": self.token, "include_events": "ALL"}
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa answered {response.status} when reading the conversation")
                return await response.json(content_type=None)
        except asyncio.TimeoutError as error:
            raise RasaUnavailable("Rasa did not answer in time") from error
        except aiohttp.ClientError as error:
            raise RasaUnavailable(f"Rasa is not reachable ({error.__class__.__name__})") from error
        except ValueError as error:
            raise RasaUnavailable("Rasa's answer was not JSON") from error

    async def _post(self, url: URL, params: Dict[str, str], body: Any) -> None:
        """POST to Rasa's API; anything but a 2xx answer raises DeliveryFailed in words for the trainer."""
        client = await self._client()
        try:
            async with client.post(url, params={"token": self.token, **params}, json=body) as response:
                if not 200 <= response.status < 300:
                    detail = (await response.text())[:200]
                    raise DeliveryFailed(f"Rasa answered {response.status}: {detail}".strip().rstrip(":"))
        except asyncio.TimeoutError as error:
            raise DeliveryFailed("Rasa did not answer in time") from error
        except aiohttp.ClientError as error:
            raise DeliveryFailed(f"Rasa is not reachable ({error.__class__.__name__})") from error

    async def _append(self, conversation_id: str, events: List[Dict[str, Any]], channel: str) -> None:
        params = {"output_channel": channel or "latest", "execute_side_effects": "true", "include_events": "NONE"}
        body: Any = events[0] if len(events) == 1 else events
        await self._post(self._url(conversation_id, "tracker", "events"), params, body)

    async def send_reply(self, conversation_id: str, text: str, channel: str) -> None:
        """Append the trainer's message and send it out on the person's channel; raises DeliveryFailed."""
        event = {"event": "bot", "text": text, "metadata": {"from_trainer": True}, "timestamp": time.time()}
        await self._append(conversation_id, [event], channel)

    async def execute(self, conversation_id: str, action: str, channel: str = "latest") -> None:
        """Run one of the assistant's actions now (it answers on the person's channel); raises DeliveryFailed."""
        params = {"output_channel": channel or "latest", "include_events": "NONE"}
        await self._post(self._url(conversation_id, "execute"), params, {"name": action})

    async def resume(self, conversation_id: str, channel: str = "latest") -> None:
        """Lift the pause and tell the person the assistant is back; raises DeliveryFailed."""
        events = [
            {"event": "resume", "timestamp": time.time()},
            {
                "event": "bot",
                "text": self.back_message,
                "metadata": {"handed_back_by_trainer": True},
                "timestamp": time.time(),
            },
        ]
        await self._append(conversation_id, events, channel)
        # Nothing answered the person while paused: a warning sign said then gets its advice now.
        await self.execute(conversation_id, "action_safety_review", channel)
