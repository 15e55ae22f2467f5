"""Rasa's Redis lock store with its ticket bookkeeping made atomic, for several Rasa replicas.

Rasa 3.6's RedisLockStore reads a conversation's lock (a JSON list of tickets) from
Redis, changes it in Python and writes it back. When two replicas take a ticket for one
conversation at the same moment, both read the same list and the second write drops the
first one's ticket: each believes it is its turn, both handle their message at once, and
the tracker store keeps part of the events only (tests/test_e2e_replicas.py saw four of
six messages stored). A clean-up racing a new ticket could likewise delete that ticket
with the lock, and its message would fail with "Could not acquire lock".

Here every change of a lock is one optimistic Redis transaction (WATCH, then MULTI/EXEC,
done again when another replica changed the lock in between), over the same keys and the
same JSON as Rasa's own store; taking turns is still Rasa's code. A message waiting for
its turn looks again every 0.1 s instead of every second.
"""

from __future__ import annotations

import json
from typing import Any, AsyncContextManager, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

WAIT_SECONDS = 0.1

Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]


class AtomicRedisLockStore(RedisLockStore):
    def _change(self, conversation_id: Text, change: Change) -> Any:
        """Apply `change` (lock or None -> the lock to keep or None to delete it, a result) atomically."""
        key = self.key_prefix + conversation_id

        def transaction(pipe: Any) -> Any:
            stored = pipe.get(key)  # immediate: the key is watched, not yet in MULTI
            kept, result = change(TicketLock.from_dict(json.loads(stored)) if stored else None)
            pipe.multi()
            if kept is None:
                pipe.delete(key)
            else:
                pipe.set(key, kept.dumps())
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """This ticket is done: remove it, and the lock with it when no other ticket waits."""

        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)

    def lock(  # type: ignore[override]
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = WAIT_SECONDS
    ) -> AsyncContextManager[TicketLock]:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)
