"""Rasa's socket.io channel (the website chat widget), fixed for python-socketio 5.x.

Rasa 3.6 calls `sio.enter_room(...)` without awaiting it, but in the
python-socketio 5.x that Rasa's pins install (5.18) `AsyncServer.enter_room` is
a coroutine. The call never runs, the browser's socket never joins the
conversation's room, and with `session_persistence: true` every bot reply
(emitted to that room) is lost: the widget would never see an answer.

This channel keeps Rasa's channel (same name "socketio", same events, same
`output_channel=latest` behaviour for the HTTP API) and replaces the two
handlers that need it:

* `session_request` awaits `enter_room` (and works with a sync one too), and
  accepts only a session id this server issued (128 random bits, signed with
  CONVERSATION_ID_KEY); anything else, a client's own choice included, gets a
  fresh id, so nobody can join another person's conversation by naming it.
* `user_uttered` ignores malformed payloads instead of raising, cleans the
  text (limits.clean_text: no lone surrogates or control characters), and joins the
  sending socket to the conversation's room before handling the message, so a
  reply reaches the browser even if a message races ahead of `session_request`
  after a reconnect.

Messages sent through Rasa's HTTP API (`output_channel=latest`, e.g. the
trainer's replies from the inbox, appended as BotUttered events with
`metadata: {"from_trainer": true}`) keep that mark: Rasa's output channel
drops the metadata, this one sends `{"text": ..., "metadata": {"from_trainer":
true}}` as one message, which the widget labels with the trainer's name.

Several replicas (ops/replicas.py): with SOCKETIO_REDIS_URL set, the socket.io
server shares its emits through Redis (python-socketio's AsyncRedisManager).
Rooms stay where the browser's socket is, but an emit to a session's room on
any replica (a reply to a message, or the trainer's reply that Rasa's HTTP API
sends from whichever replica nginx picked) is published on Redis, and the
replica holding that socket delivers it. Behind nginx the per-address limit
counts the address nginx saw (`X-Forwarded-For` from a loopback peer).
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import logging
import secrets
from typing import Any, Awaitable, Callable, Optional, Text

import socketio
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer

import settings
from bot.channels.limits import clean_text, over_rate_limit, too_long_reply

logger = logging.getLogger(__name__)


def new_session_id() -> str:
    """128 random bits and their signature: only this server can make one."""
    random_part = secrets.token_hex(16)
    return f"{random_part}.{_signature(random_part)}"


def _signature(random_part: str) -> str:
    key = f"widget-session:{settings.CONVERSATION_ID_KEY}".encode()
    return hmac.new(key, random_part.encode(), hashlib.sha256).hexdigest()[:32]


def valid_session_id(value: Any) -> Optional[str]:
    """The id when this server issued it; None for anything a client made up (or an old unsigned id)."""
    if not isinstance(value, str) or len(value) != 65 or value[32:33] != ".":
        return None
    random_part, signature = value[:32], value[33:]
    return value if hmac.compare_digest(signature, _signature(random_part)) else None


def _client_address(sio: Any, sid: Text, namespace: str) -> Optional[str]:
    try:
        environ = sio.get_environ(sid, namespace=namespace) or {}
    except (KeyError, ValueError):
        return None
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", None) or environ.get("REMOTE_ADDR")
    return forwarded_address(peer, environ.get("HTTP_X_FORWARDED_FOR"))


def forwarded_address(peer: Optional[str], forwarded_for: Optional[str]) -> Optional[str]:
    """The client's address: the peer's, or behind our nginx (a loopback peer) the one nginx saw.

    nginx sets X-Forwarded-For to its own peer's address (ops/nginx.conf.template), replacing
    whatever the client sent; only a process on this machine could send it to a replica directly.
    """
    if not forwarded_for or peer not in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        return peer
    return forwarded_for.split(",")[-1].strip() or peer


def share_through_redis(sio: AsyncServer, url: str) -> None:
    """Emits go through Redis to every replica's server (before any client connects; see the module)."""
    manager = socketio.AsyncRedisManager(url)
    sio.manager = manager  # what AsyncServer(client_manager=...) would have set; Rasa builds the server
    manager.set_server(sio)


async def _maybe_await(result: Any) -> None:
    if inspect.isawaitable(result):
        await result


class WebsiteSocketIOOutput(SocketIOOutput):
    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        if kwargs.get("from_trainer") is True:
            # the trainer's reply: one message, marked, paragraphs kept as line breaks
            metadata = {"from_trainer": True}
            if isinstance(kwargs.get("trainer_name"), str):
                metadata["trainer_name"] = kwargs["trainer_name"]
            await self._send_message(recipient_id, {"text": text.strip(), "metadata": metadata})
            return
        await super().send_text_message(recipient_id, text, **kwargs)


class WebsiteSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()  # Rasa's warning, None
        return WebsiteSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        namespace = self.namespace or "/"
        handle_message = sio.handlers[namespace][self.user_message_evt]
        if settings.SOCKETIO_REDIS_URL:
            share_through_redis(sio, settings.SOCKETIO_REDIS_URL)

            @socketio_webhook.listener("after_server_start")
            async def listen_to_other_replicas(*_: Any) -> None:
                # python-socketio would subscribe at the first connection; listening from the start
                # leaves no window in which another replica's emit to a socket here goes unheard.
                if not sio.manager_initialized:
                    sio.manager_initialized = True
                    sio.manager.initialize()

        async def join(sid: Text, session_id: str) -> None:
            if self.session_persistence:
                await _maybe_await(sio.enter_room(sid, session_id, namespace=namespace))

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            # A made-up or foreign id is replaced: nobody can join someone else's conversation.
            session_id = valid_session_id(requested) or new_session_id()
            await join(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            logger.debug(f"Socket {sid} joined session {session_id}.")

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def user_uttered(sid: Text, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                logger.warning(f"Ignored a malformed {self.user_message_evt!r} event from socket {sid}.")
                return
            if self.session_persistence:
                session_id = valid_session_id(data.get("session_id"))
                if session_id is None:
                    logger.warning(f"Ignored a message without a valid session_id from socket {sid}.")
                    return
                await join(sid, session_id)
            reply = over_rate_limit(
                valid_session_id(data.get("session_id")) or sid, _client_address(sio, sid, namespace)
            )
            reply = reply or too_long_reply(data.get("message"))
            if reply is not None:  # answered here, never sent to the pipeline
                await sio.emit(self.bot_message_evt, {"text": reply}, room=sid, namespace=self.namespace)
                return
            await handle_message(sid, {**data, "message": clean_text(data.get("message", ""))})

        return socketio_webhook
