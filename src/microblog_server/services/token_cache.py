"""A short memory of bearer tokens already authenticated.

Checking a token costs a database transaction (is it revoked? does its user still
exist?), and a client making many calls presents the same token each time. The cache
keeps the answer for a few seconds so those calls skip the database, and the identity
middleware can answer them without a hop to a worker thread.

What it trades: a revocation or a deleted user is seen at once by the process that made
the change (it forgets the token or the user's tokens), but another worker process of
the same service may still accept the token for up to ``seconds``. ``seconds=0`` turns
the cache off, and every request checks the database again.

With :class:`Revocations` (Redis pub/sub, ``MICROBLOG_REDIS_URL``) every process tells
the others what it forgot, and hears what they forgot: a revocation reaches every
node's cache within milliseconds. While a process cannot hear them (the channel is
down), its cache answers nothing, so every request checks the database: revocation
stays immediate, only the speed is lost.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog_server.domain import User
    from microblog_server.services.clock import Clock

__all__ = ["Revocations", "TokenCache", "token_digest"]


def token_digest(token: str) -> str:
    """Name a token without revealing it (what the caches tell each other)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Revocations(Protocol):
    """How the token caches of several processes tell each other what they forgot."""

    @property
    def live(self) -> bool:
        """Whether this process hears every announcement right now."""
        ...

    def announce_token(self, digest: str) -> None:
        """Tell the other processes that the token with this digest was revoked."""
        ...

    def announce_user(self, user_id: int) -> None:
        """Tell the other processes that every token of this user was revoked."""
        ...

    def listen(
        self,
        on_token: Callable[[str], None],
        on_user: Callable[[int], None],
        on_resume: Callable[[], None],
    ) -> None:
        """Start hearing announcements (``on_resume`` after each gap in hearing them)."""
        ...


class _Entry(NamedTuple):
    user: User
    until: float  # POSIX seconds, by the injected clock


class TokenCache:
    """Tokens that authenticated recently, with their users (thread-safe, bounded).

    Args:
        clock: The time source (the services' clock, so tests control it).
        seconds: How long an answer is kept; 0 keeps nothing.
        max_entries: The most tokens kept; the least recently used go first.
        revocations: Shared with the other processes of the service; ``None`` keeps
            revocations within this process.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        seconds: float,
        max_entries: int = 4096,
        revocations: Revocations | None = None,
    ) -> None:
        if seconds < 0 or max_entries < 1:
            msg = "seconds must be >= 0 and max_entries >= 1"
            raise ValueError(msg)
        self._clock = clock
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0
        self._revocations = revocations
        if revocations is not None:
            revocations.listen(self._drop, self._drop_user, self.clear)

    @property
    def generation(self) -> int:
        """A counter that moves whenever a token or a user is forgotten.

        Read it before checking a token against the database and hand it to :meth:`put`:
        an answer read before a revocation committed is then not stored after it.
        """
        return self._generation

    def get(self, token: str, *, digest: str | None = None) -> User | None:
        """Return the user of a token authenticated less than ``seconds`` ago, else ``None``.

        Touches nothing but memory: safe to call on the event loop.

        Args:
            token: The bearer token, as presented.
            digest: Its :func:`token_digest`, when the caller computed it already.
        """
        if not self.seconds:
            return None
        if self._revocations is not None and not self._revocations.live:
            return None  # a revocation elsewhere may be unheard: ask the database
        key = digest if digest is not None else token_digest(token)
        now = self._clock().timestamp()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.until <= now:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry.user

    def put(
        self,
        token: str,
        user: User,
        *,
        expires_at: float,
        generation: int,
        digest: str | None = None,
    ) -> None:
        """Remember that ``token`` stands for ``user``, no later than the token's expiry.

        Args:
            token: The bearer token, as presented.
            user: Its user, as just read from the database.
            expires_at: The token's own expiry (POSIX seconds).
            generation: :attr:`generation` as read before the database was; when a token
                or user was forgotten since, nothing is stored (the answer may be stale).
            digest: Its :func:`token_digest`, when the caller computed it already.
        """
        if not self.seconds:
            return
        until = min(self._clock().timestamp() + self.seconds, expires_at)
        key = digest if digest is not None else token_digest(token)
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = _Entry(user, until)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, token: str) -> None:
        """Drop one token (it was revoked), here and in the processes that share revocations."""
        digest = token_digest(token)
        self._drop(digest)
        if self._revocations is not None:
            self._revocations.announce_token(digest)

    def forget_user(self, user_id: int) -> None:
        """Drop every token of one user (deleted, or its password changed), here and elsewhere."""
        self._drop_user(user_id)
        if self._revocations is not None:
            self._revocations.announce_user(user_id)

    def clear(self) -> None:
        """Drop every token (announcements may have been missed)."""
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def _drop(self, digest: str) -> None:
        with self._lock:
            self._generation += 1
            self._entries.pop(digest, None)

    def _drop_user(self, user_id: int) -> None:
        with self._lock:
            self._generation += 1
            stale = [key for key, entry in self._entries.items() if entry.user.id == user_id]
            for key in stale:
                del self._entries[key]

    def __len__(self) -> int:
        """Return how many tokens are kept (stale ones included until looked up)."""
        return len(self._entries)
