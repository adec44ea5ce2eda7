"""One SQLite writer at a time, queued on locks instead of SQLite's busy handler.

SQLite lets one transaction write at a time. A writer that finds the lock taken waits in
SQLite's busy handler, which sleeps and tries again in growing steps (1, 2, 5 ... 100 ms),
so under 16 concurrent posts a waiting writer often sleeps long after the lock was freed,
and an unlucky one waits about a second (the `post` p99 of the service benchmark).

The gate queues writers before ``BEGIN IMMEDIATE`` instead, in two steps:

- the worker threads of one process on a :class:`threading.Lock`: the next writer wakes
  the moment the previous one's connection goes back to the pool;
- the processes serving one database file (``serve --workers N``) on an exclusive
  ``flock`` of a lock file beside it (``<database>.write-lock``, mode 0600): the kernel
  wakes a waiting process when the lock is released, where SQLite's busy handler would
  have slept on. Only the one writer of a process that holds the thread lock waits there.

Why our own mechanism: SQLite offers a busy *timeout* but Python's ``sqlite3`` module no
busy *handler* of our own, and no library queues SQLite writers across processes. The
``flock`` is released by the kernel if its process dies. Where ``fcntl`` does not exist
(Windows) the gate is the thread lock alone.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the thread lock alone
    fcntl = None  # type: ignore[assignment]

__all__ = ["WriteGate"]

_HELD = "microblog_write_gate"
_FILE = "microblog_write_gate_file"

#: How often a writer looks at the lock file again while another process holds it: the
#: kernel has no timed ``flock``, and a writer must not wait for ever on a process that
#: hangs inside its transaction (SQLite's own busy timeout still bounds the write).
_POLL = 0.0005


class WriteGate:
    """Per-engine locks held from a write transaction's ``BEGIN`` to the connection's checkin.

    Args:
        timeout: Seconds to wait for the gate; past it the writer goes on without it and
            meets SQLite's own busy timeout (nothing waits forever on the gate).
        lock_file: The file the processes sharing the database lock (``None``: this
            process's writers only).
    """

    def __init__(self, *, timeout: float, lock_file: str | None = None) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout
        self._lock_file = lock_file if fcntl is not None else None

    def enter(self, info: dict[str, Any]) -> None:
        """Take the gate for the connection whose ``info`` this is (once per checkout)."""
        if info.get(_HELD):
            return
        deadline = time.monotonic() + self._timeout
        info[_HELD] = self._lock.acquire(timeout=self._timeout)
        if info[_HELD] and self._lock_file is not None:
            info[_FILE] = self._lock_other_processes(self._lock_file, deadline)

    def leave(self, info: dict[str, Any]) -> None:
        """Release the gate if this connection holds it (at checkin: the commit is done)."""
        descriptor = info.pop(_FILE, None)
        if descriptor is not None:
            os.close(descriptor)  # releases the flock
        if info.pop(_HELD, False):
            self._lock.release()

    @staticmethod
    def _lock_other_processes(path: str, deadline: float) -> int | None:
        """Lock ``path`` exclusively before ``deadline``; return its descriptor, or ``None``."""
        assert fcntl is not None
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None  # a read-only directory, say: SQLite's busy handler then
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(descriptor)
                    return None
                time.sleep(_POLL)
            else:
                return descriptor
