"""Cut a socket off at a deadline, from one background thread, for reads nothing else bounds.

A read timeout bounds each wait for the next bytes, not how long a response head takes:
a server that trickles its status line and headers a byte at a time holds an attempt for
as long as it likes. ``_send.py`` registers the connection of each request it makes with
:data:`WATCHDOG` while the request is made and its head read; at the call's deadline the
watchdog shuts that connection's socket down, the blocked read returns at once, and the
attempt fails as ``"deadline"``. A connection still being made has no socket yet (its
connect timeout is already shortened to the deadline): the watchdog looks again shortly.

Our own small mechanism, not a library's: what is needed is one daemon thread over a heap
of deadlines, and a per-request cost of a lock and a heap push (a ``threading.Timer`` per
request would start a thread per call). The thread starts on first use.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from typing import Any

__all__ = ["WATCHDOG", "Ticket", "Watchdog"]

# Rebuild the heap when this many cancelled tickets wait in it (and they are most of it).
_COMPACT_AT = 256
# How soon to look again at a connection that had no socket yet at its deadline.
_AGAIN = 0.01


class Ticket:
    """One watched socket or connection: cancel it when the read it guards is done.

    ``target`` is a socket, or a connection whose ``sock`` attribute holds its socket
    once it is connected.
    """

    __slots__ = ("cancelled", "fired", "target", "watchdog")

    def __init__(self, watchdog: Watchdog, target: Any) -> None:
        self.watchdog = watchdog
        self.target = target
        self.cancelled = False
        self.fired = False

    def cancel(self) -> None:
        """Stop watching (the read ended before the deadline, or failed)."""
        self.watchdog.cancel(self)

    def fire(self) -> bool:
        """Shut the socket down: a read blocked on it returns at once.

        Returns:
            False when the connection has no socket yet (look again later).
        """
        target = self.target
        sock = target if isinstance(target, socket.socket) else getattr(target, "sock", None)
        if sock is None:
            return False
        self.fired = True
        with contextlib.suppress(OSError):  # already closed: nothing is reading it any more
            sock.shutdown(socket.SHUT_RDWR)
        return True


class Watchdog:
    """Shuts sockets down at their deadlines (``time.monotonic`` readings)."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Ticket]] = []
        self._order = itertools.count()
        self._cancelled = 0
        self._thread: threading.Thread | None = None

    def watch(self, at: float, target: Any) -> Ticket:
        """Shut ``target``'s socket down at ``at`` (``time.monotonic``) unless cancelled first."""
        ticket = Ticket(self, target)
        with self._condition:
            heapq.heappush(self._heap, (at, next(self._order), ticket))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="microblog-deadline-watchdog", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is ticket:  # a new earliest deadline: wake up for it
                self._condition.notify()
        return ticket

    def cancel(self, ticket: Ticket) -> None:
        """Forget ``ticket`` (see :meth:`Ticket.cancel`)."""
        with self._condition:
            if ticket.cancelled:
                return
            ticket.cancelled = True
            self._cancelled += 1
            if self._cancelled >= _COMPACT_AT and 2 * self._cancelled >= len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2].cancelled]
                heapq.heapify(self._heap)
                self._cancelled = 0

    def _run(self) -> None:
        with self._condition:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].cancelled or self._heap[0][0] <= now):
                    _, _, ticket = heapq.heappop(self._heap)
                    if ticket.cancelled:
                        self._cancelled -= 1
                    elif ticket.fire():
                        ticket.cancelled = True
                    else:
                        heapq.heappush(self._heap, (now + _AGAIN, next(self._order), ticket))
                wait = self._heap[0][0] - now if self._heap else None
                self._condition.wait(wait)


WATCHDOG = Watchdog()
