"""The inbox's side of Rasa's HTTP API: read a conversation, send the trainer's replies, resume.

A trainer's reply is appended to the conversation as a BotUttered event with
`execute_side_effects=true` and the conversation's channel as `output_channel`,
so Rasa also sends it out through that channel (for "socketio" it reaches the
website widget live). Handing back appends a ConversationResumed event and a
short "the assistant is back" message in the same request.

Every request carries a JWT in its Authorization header (never a token in the
URL, where logs and proxies would keep it): HS256 with RASA_JWT_SECRET, valid for
a minute, and in Rasa's role "user" for the one conversation it is about, so a
token that leaks opens nothing else (rasa/server.py `requires_auth`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp
import jwt  # PyJWT: what Rasa checks these tokens with (through sanic-jwt)
from yarl import URL

from coaching.transcript import transcript_from_events  # noqa: F401 - the inbox reads transcripts from here

DEFAULT_BACK_MESSAGE = (
    "You're back with the assistant now. Ask me anything about your knee, "
    'or say "talk to a human" to reach {trainer} again.'
)


JWT_TTL_SECONDS = 60


def conversation_jwt(
    secret: str, conversation_id: str, ttl_seconds: int = JWT_TTL_SECONDS, now: Optional[float] = None
) -> str:
    """A short-lived token that lets its bearer use Rasa's API for this one conversation only."""
    issued = int(time.time() if now is None else now)
    payload = {"user": {"username": conversation_id, "role": "user"}, "iat": issued, "exp": issued + ttl_seconds}
    return jwt.encode(payload, secret, algorithm="HS256")


class RasaError(Exception):
    """Rasa's HTTP API could not be used; `reason` says why, in words fit for the trainer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryFailed(RasaError):
    """A reply (or the hand-back) did not reach Rasa."""


class RasaUnavailable(RasaError):
    """The conversation could not be read from Rasa."""


class RasaClient:
    """Async client for the parts of Rasa's HTTP API the inbox uses."""

    def __init__(
        self,
        base_url: str,
        jwt_secret: str,
        *,
        timeout: float = 10.0,
        back_message: str = DEFAULT_BACK_MESSAGE,
        trainer_name: str = "the trainer",
        session: Optional[aiohttp.ClientSession] = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.jwt_secret = jwt_secret
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

    def _auth(self, conversation_id: str) -> Dict[str, str]:
        # Rasa (Sanic, routes without unquote) compares the token's username with the id as written in the path.
        token = conversation_jwt(self.jwt_secret, quote(conversation_id, safe=""))
        return {"Authorization": f"Bearer {token}"}

    async def get_tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The conversation's tracker (all events); raises RasaUnavailable."""
        client = await self._client()
        try:
            async with client.get(
                self._url(conversation_id, "tracker"),
                params={"include_events": "ALL"},
                headers=self._auth(conversation_id),
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

    async def _post(self, conversation_id: str, url: URL, params: Dict[str, str], body: Any) -> None:
        """POST to Rasa's API; anything but a 2xx answer raises DeliveryFailed in words for the trainer."""
        client = await self._client()
        try:
            async with client.post(url, params=params, json=body, headers=self._auth(conversation_id)) as response:
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
        await self._post(conversation_id, self._url(conversation_id, "tracker", "events"), params, body)

    async def send_reply(self, conversation_id: str, text: str, channel: str) -> None:
        """Append the trainer's message and send it out on the person's channel; raises DeliveryFailed."""
        event = {"event": "bot", "text": text, "metadata": {"from_trainer": True}, "timestamp": time.time()}
        await self._append(conversation_id, [event], channel)

    async def execute(self, conversation_id: str, action: str, channel: str = "latest") -> None:
        """Run one of the assistant's actions now (it answers on the person's channel); raises DeliveryFailed."""
        params = {"output_channel": channel or "latest", "include_events": "NONE"}
        await self._post(conversation_id, self._url(conversation_id, "execute"), params, {"name": action})

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
