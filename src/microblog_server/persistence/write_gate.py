"""One SQLite writer at a time per process, queued on a lock instead of SQLite's busy handler.

SQLite lets one transaction write at a time. A writer that finds the lock taken waits in
SQLite's busy handler, which sleeps and tries again in growing steps (1, 2, 5 ... 100 ms),
so under 16 concurrent posts a waiting writer often sleeps long after the lock was freed,
and an unlucky one waits about a second (the `post` p99 of the service benchmark). The
gate makes the worker threads of one process queue on a :class:`threading.Lock` before
``BEGIN IMMEDIATE``: the next writer wakes the moment the previous one's connection goes
back to the pool. Writers in other processes still meet SQLite's busy handler, but only
one per process at a time.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["WriteGate"]

_HELD = "microblog_write_gate"


class WriteGate:
    """A per-engine lock held from a write transaction's ``BEGIN`` to the connection's checkin.

    Args:
        timeout: Seconds to wait for the gate; past it the writer goes on without it and
            meets SQLite's own busy timeout (nothing waits forever on the gate).
    """

    def __init__(self, *, timeout: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout

    def enter(self, info: dict[str, Any]) -> None:
        """Take the gate for the connection whose ``info`` this is (once per checkout)."""
        if info.get(_HELD):
            return
        info[_HELD] = self._lock.acquire(timeout=self._timeout)

    def leave(self, info: dict[str, Any]) -> None:
        """Release the gate if this connection holds it (at checkin: the commit is done)."""
        if info.pop(_HELD, False):
            self._lock.release()
