"""Password hashing with Argon2id, cost set by the settings."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["Passwords"]


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
        self._hasher = PasswordHasher(
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
