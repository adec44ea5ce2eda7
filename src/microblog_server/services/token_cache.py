"""A short memory of bearer tokens already authenticated.

Checking a token costs a database transaction (is it revoked? does its user still
exist?), and a client making many calls presents the same token each time. The cache
keeps the answer for a few seconds so those calls skip the database, and the identity
middleware can answer them without a hop to a worker thread.

What it trades: a revocation or a deleted user is seen at once by the process that made
the change (it forgets the token or the user's tokens), but another worker process of
the same service may still accept the token for up to ``seconds``. ``seconds=0`` turns
the cache off, and every request checks the database again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from microblog_server.domain import User
    from microblog_server.services.clock import Clock

__all__ = ["TokenCache"]


class _Entry(NamedTuple):
    user: User
    until: float  # POSIX seconds, by the injected clock


class TokenCache:
    """Tokens that authenticated recently, with their users (thread-safe, bounded).

    Args:
        clock: The time source (the services' clock, so tests control it).
        seconds: How long an answer is kept; 0 keeps nothing.
        max_entries: The most tokens kept; the least recently used go first.
    """

    def __init__(self, clock: Clock, *, seconds: float, max_entries: int = 4096) -> None:
        if seconds < 0 or max_entries < 1:
            msg = "seconds must be >= 0 and max_entries >= 1"
            raise ValueError(msg)
        self._clock = clock
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0

    @property
    def generation(self) -> int:
        """A counter that moves whenever a token or a user is forgotten.

        Read it before checking a token against the database and hand it to :meth:`put`:
        an answer read before a revocation committed is then not stored after it.
        """
        return self._generation

    def get(self, token: str) -> User | None:
        """Return the user of a token authenticated less than ``seconds`` ago, else ``None``.

        Touches nothing but memory: safe to call on the event loop.
        """
        if not self.seconds:
            return None
        now = self._clock().timestamp()
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            if entry.until <= now:
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return entry.user

    def put(self, token: str, user: User, *, expires_at: float, generation: int) -> None:
        """Remember that ``token`` stands for ``user``, no later than the token's expiry.

        Args:
            token: The bearer token, as presented.
            user: Its user, as just read from the database.
            expires_at: The token's own expiry (POSIX seconds).
            generation: :attr:`generation` as read before the database was; when a token
                or user was forgotten since, nothing is stored (the answer may be stale).
        """
        if not self.seconds:
            return
        until = min(self._clock().timestamp() + self.seconds, expires_at)
        with self._lock:
            if generation != self._generation:
                return
            self._entries[token] = _Entry(user, until)
            self._entries.move_to_end(token)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, token: str) -> None:
        """Drop one token (it was revoked)."""
        with self._lock:
            self._generation += 1
            self._entries.pop(token, None)

    def forget_user(self, user_id: int) -> None:
        """Drop every token of one user (the user was deleted)."""
        with self._lock:
            self._generation += 1
            stale = [token for token, entry in self._entries.items() if entry.user.id == user_id]
            for token in stale:
                del self._entries[token]

    def __len__(self) -> int:
        """Return how many tokens are kept (stale ones included until looked up)."""
        return len(self._entries)
