"""Password hashing with Argon2id, cost set by the settings, a bounded number at once.

:class:`Passwords` hashes; :class:`BoundedPasswords` wraps any :class:`PasswordHasher` so
that at most N hashes run at once (memory is then at most N x the Argon2 memory cost) and
the next one is refused at once with :class:`~microblog_server.domain.Busy` (503), rather
than queued: a waiting hash would hold one of the worker threads that reads need too.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from microblog_server.domain import Busy

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["BoundedPasswords", "PasswordHasher", "Passwords"]


class PasswordHasher(Protocol):
    """What the services need of a password hasher."""

    def hash(self, password: str) -> str:
        """Return the encoded hash of ``password``."""
        ...

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Tell whether ``password`` matches ``password_hash`` (``None``: unknown user)."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Tell whether the hash was made with other parameters than the current ones."""
        ...


class Passwords:
    """Hashes and verifies passwords; verifying an unknown user costs the same as a known one.

    Args:
        time_cost: Argon2 iterations.
        memory_cost: Argon2 memory in KiB.
        parallelism: Argon2 lanes.
    """

    def __init__(
        self, *, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4
    ) -> None:
        self._hasher = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        self._dummy_hash = self._hasher.hash("not a password anyone has")

    def hash(self, password: str) -> str:
        """Return the encoded Argon2id hash of ``password``."""
        return str(self._hasher.hash(password))

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Tell whether ``password`` matches; with no hash, burn the same time and say no.

        Args:
            password_hash: The stored hash, or ``None`` for an unknown user.
            password: The password sent.

        Returns:
            ``True`` only when the password matches the hash.
        """
        try:
            matched = bool(self._hasher.verify(password_hash or self._dummy_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and bool(password_hash)

    def needs_rehash(self, password_hash: str) -> bool:
        """Tell whether the hash was made with other cost parameters than the current ones."""
        return bool(self._hasher.check_needs_rehash(password_hash))


class BoundedPasswords:
    """A password hasher that runs at most ``limit`` hashes at once and refuses the next.

    Args:
        hasher: The hasher to bound.
        limit: Hashes (and verifications) allowed at the same time.
        retry_after: Seconds a refused caller is told to wait.
    """

    def __init__(self, hasher: PasswordHasher, *, limit: int, retry_after: int = 1) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._hasher = hasher
        self._slots = threading.BoundedSemaphore(limit)
        self._retry_after = retry_after

    @contextmanager
    def _slot(self) -> Iterator[None]:
        # Never block: a thread waiting here is a worker thread lost to every other request.
        if not self._slots.acquire(blocking=False):
            raise Busy("the service is busy hashing passwords; retry later", self._retry_after)
        try:
            yield
        finally:
            self._slots.release()

    def hash(self, password: str) -> str:
        """Return the hash of ``password``, or raise :class:`Busy` when N hashes are running."""
        with self._slot():
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Verify ``password``, or raise :class:`Busy` when N hashes are running."""
        with self._slot():
            return self._hasher.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Tell whether the hash needs redoing (reads its parameters only, no hashing)."""
        return self._hasher.needs_rehash(password_hash)
