"""Database work off rasa-sdk's event loop, and tried again when the database is busy.

rasa-sdk calls an action's `run()` on its one event loop, so a synchronous
database call there (a locked SQLite file waits up to
SQLITE_BUSY_TIMEOUT_SECONDS) holds up every other conversation's actions.
An OffLoopAction implements `work()` instead: when rasa-sdk calls `run()` on
its event loop, `run()` hands back an awaitable that runs `work()` in a worker
thread; called anywhere else (a test, another action, a worker thread) it
simply returns `work()`'s events, as a synchronous `run()` always did.

`when_busy_retry(save)` runs a save again after the database said it was
locked or busy, a few times with a growing pause.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from typing import Any, Callable, Dict, List, Text, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

logger = logging.getLogger(__name__)
T = TypeVar("T")


class OffLoopAction(Action, metaclass=abc.ABCMeta):  # abstract: rasa-sdk registers only its subclasses
    @abc.abstractmethod
    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        """The action's synchronous body (database calls included)."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no event loop in this thread: plain code, just do it
            return self.work(dispatcher, tracker, domain)
        return asyncio.to_thread(self.work, dispatcher, tracker, domain)  # rasa-sdk awaits this


def is_busy(error: BaseException) -> bool:
    """SQLite's "database is locked" / "busy" (the busy timeout ran out), or PostgreSQL's lock timeout."""
    text = str(error).lower()
    return isinstance(error, OperationalError) and any(word in text for word in ("locked", "busy", "lock timeout"))


def when_busy_retry(save: Callable[[], T], attempts: int = 3, pause: float = 0.5, sleep=time.sleep) -> T:
    """save(), and again after a busy database, up to `attempts` times in all (pauses 0.5, 1 ... s)."""
    for attempt in range(1, attempts + 1):
        try:
            return save()
        except OperationalError as error:
            if attempt == attempts or not is_busy(error):
                raise
            logger.warning("the database was busy (attempt %d of %d); trying again", attempt, attempts)
            sleep(pause * attempt)
    raise AssertionError("unreachable")
