"""When an action fails, the person hears so, and the conversation stays where it was.

Rasa 3.6 (`MessageProcessor._run_action`) logs an action that raised (the
action server is down, hung, or answered an error) and carries on: the action
is logged as done without its events, and the person hears nothing. Here,
instead, an action predicted in a turn that fails gives

* one message, TROUBLE;
* the person's message taken back (UserUtteranceReverted, as Rasa's own
  fallback does), so the form's question is still open and the same message
  sent again once the action server is back carries on from there;
* the end of the turn (FollowupAction(action_listen)), so no other action is
  tried, and nothing more is said, while the server is away.

Our `action_session_start` failing falls back to Rasa's own session start
(slots carried over, less NOT_CARRIED_OVER): the session still starts, and a
message taken back later in that turn lands where it should.

Nothing is replaced on import. `apply()`, called by bot/serve.py when a Rasa
server starts, wraps two processor methods (the predicted action, and the
session-start action) and only on the Rasa these were written against, like
bot/rasa_speedups.py; `restore()` puts Rasa's own back. Tested against Rasa's
original behaviour in tests/test_fault_action_failures.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Dict, List, Optional

from bot.erasure import ERASURE_SLOT

logger = logging.getLogger(__name__)

WRITTEN_FOR_RASA = "3.6.21"
TROUBLE = "I'm having trouble right now, please try again in a minute."
TROUBLE_MARK = "action_server_trouble"  # in the message's metadata, for the inbox and tests
# The slots our action_session_start does not carry over (bot/actions/safety.py, tested equal).
NOT_CARRIED_OVER = {"requested_slot", ERASURE_SLOT, "session_started_metadata"}

_originals: Dict[str, Callable] = {}


def _timeout() -> float:
    import settings

    return settings.ACTION_TIMEOUT_SECONDS


def _action_base():
    from rasa.core.actions.action import Action

    return Action


def failure_events(tracker, action_name: str) -> List[Any]:
    """What a failed action in a turn leaves: the message, the person's message taken back, a listen.

    With a message to take back, the action is logged as not run (ActionExecutionRejected, so
    Rasa logs no ActionExecuted for it): a form's second execution would otherwise make Rasa's
    applied_events fold the person's message into the form's run, and the revert would then
    take back the message before it as well.
    """
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecutionRejected, BotUttered, FollowupAction, UserUtteranceReverted

    trouble = BotUttered(TROUBLE, metadata={TROUBLE_MARK: True})
    if _user_message_in_this_turn(tracker):
        return [
            ActionExecutionRejected(action_name),
            trouble,
            UserUtteranceReverted(),
            FollowupAction(ACTION_LISTEN_NAME),
        ]
    return [trouble, FollowupAction(ACTION_LISTEN_NAME)]


def _user_message_in_this_turn(tracker) -> bool:
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import (
        ActionExecuted,
        Restarted,
        SessionStarted,
        UserUttered,
        UserUtteranceReverted,
    )

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, (UserUtteranceReverted, SessionStarted, Restarted)):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME:
            return False
    return False


def _describe(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return f"no answer within {_timeout():.0f}s (ACTION_TIMEOUT_SECONDS)"
    cause = error.__cause__ or error.__context__
    return f"{type(error).__name__}: {error}" + (f" ({type(cause).__name__}: {cause})" if cause else "")


def _wrapper(base):
    """The two wrapping actions, made once Rasa's Action class is importable."""

    class Guarded(base):
        def __init__(self, inner) -> None:
            self.inner = inner

        def name(self) -> str:
            return self.inner.name()

        def event_for_successful_execution(self, prediction):
            return self.inner.event_for_successful_execution(prediction)

        def __getattr__(self, attribute: str):  # anything else Rasa asks of the action
            if attribute == "inner":
                raise AttributeError(attribute)
            return getattr(self.inner, attribute)

        async def _run_inner(self, output_channel, nlg, tracker, domain):
            return await asyncio.wait_for(self.inner.run(output_channel, nlg, tracker, domain), _timeout())

    class AnsweredFailure(Guarded):
        async def run(self, output_channel, nlg, tracker, domain):
            from rasa.core.actions.action import ActionExecutionRejection

            try:
                return await self._run_inner(output_channel, nlg, tracker, domain)
            except ActionExecutionRejection:
                raise  # a form stepping aside: Rasa's control flow, not a failure
            except Exception as error:  # noqa: BLE001 - whatever broke, the person hears something
                logger.error(
                    "action '%s' failed for conversation %s: %s; told the person and took their message back",
                    self.name(),
                    tracker.sender_id,
                    _describe(error),
                )
                return failure_events(tracker, self.name())

    class SessionStartFallback(Guarded):
        async def run(self, output_channel, nlg, tracker, domain):
            from rasa.core.actions.action import ActionSessionStart
            from rasa.shared.core.events import SlotSet

            try:
                return await self._run_inner(output_channel, nlg, tracker, domain)
            except Exception as error:  # noqa: BLE001 - the session starts anyway
                logger.error(
                    "action_session_start failed for conversation %s: %s; Rasa's own session start instead",
                    tracker.sender_id,
                    _describe(error),
                )
            events = await ActionSessionStart().run(output_channel, nlg, tracker, domain)
            return [e for e in events if not (isinstance(e, SlotSet) and e.key in NOT_CARRIED_OVER)]

    return AnsweredFailure, SessionStartFallback


_classes: Optional[tuple] = None


def _wrapping_classes():
    global _classes
    if _classes is None:
        _classes = _wrapper(_action_base())
    return _classes


def guarded(action):
    """The predicted action, answering its own failure (action_listen is left as it is)."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME

    if action is None or action.name() == ACTION_LISTEN_NAME:
        return action
    return _wrapping_classes()[0](action)


def predict_next_with_tracker_if_should(self, tracker):
    """Rasa's prediction, with the action wrapped so that its failure is answered."""
    action, prediction = _originals["predict"](self, tracker)
    return guarded(action), prediction


def get_action(self, action_name):
    """Rasa's action lookup; our session start falls back to Rasa's own when it fails."""
    from rasa.shared.core.constants import ACTION_SESSION_START_NAME

    action = _originals["get_action"](self, action_name)
    if action is not None and action_name == ACTION_SESSION_START_NAME:
        return _wrapping_classes()[1](action)
    return action


def _targets():
    from rasa.core.processor import MessageProcessor

    return {
        "predict": (MessageProcessor, "predict_next_with_tracker_if_should", predict_next_with_tracker_if_should),
        "get_action": (MessageProcessor, "_get_action", get_action),
    }


def apply() -> str:
    """Put the wrappers in place (idempotent); returns a line for the log."""
    import rasa.version

    version = rasa.version.__version__
    if version != WRITTEN_FOR_RASA:
        restore()
        logger.warning(
            "bot/action_failures.py NOT applied: written for Rasa %s, this is Rasa %s; a failed action "
            "leaves the person without an answer (Rasa's own behaviour)",
            WRITTEN_FOR_RASA,
            version,
        )
        return f"failed actions: Rasa's own handling (Rasa {version}, written for {WRITTEN_FOR_RASA})"
    for name, (owner, attribute, ours) in _targets().items():
        _originals.setdefault(name, owner.__dict__[attribute])
        setattr(owner, attribute, ours)
    return f"failed actions: the person is told and their message taken back (timeout {_timeout():.0f}s)"


def restore() -> None:
    """Rasa's own methods back, wherever ours are in place."""
    if not _originals:
        return
    for name, (owner, attribute, ours) in _targets().items():
        if owner.__dict__.get(attribute) is ours:
            setattr(owner, attribute, _originals[name])


def applied() -> bool:
    return bool(_originals) and all(
        owner.__dict__.get(attribute) is ours for owner, attribute, ours in _targets().values()
    )
