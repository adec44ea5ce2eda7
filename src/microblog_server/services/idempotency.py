"""The Idempotency-Key store: remember a request's response to replay it."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from microblog_server.domain import IdempotencyRecord

if TYPE_CHECKING:
    from microblog_server.services.clock import Clock
    from microblog_server.services.ports import UnitOfWorkFactory

__all__ = ["IdempotencyService"]


class IdempotencyService:
    """Records requests sent with an Idempotency-Key and their responses.

    The API layer decides what to do with what :meth:`begin` returns: ``None`` means go
    ahead (then :meth:`complete`, or :meth:`discard` on a server error); a record means the
    key was seen: compare the fingerprint, then replay (``done``) or answer 409
    (``in_progress``). Each call is its own transaction, committed at once, so a second
    request sees the first one's record while it runs.

    Args:
        uow_factory: Opens a unit of work per call.
        clock: The time source.
        ttl: Seconds a record is kept.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, *, ttl: int = 86400) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ttl = timedelta(seconds=ttl)

    def begin(self, scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
        """Claim (scope, key) for a request about to run.

        Args:
            scope: The caller (user, or client address when anonymous).
            key: The Idempotency-Key value.
            fingerprint: A digest of the request.

        Returns:
            ``None`` when claimed (the request should run), else the existing record.
        """
        now = self._clock()
        record = IdempotencyRecord(scope, key, fingerprint, "in_progress", None, [], b"", now)
        with self._uow_factory() as uow:
            existing = uow.idempotency.get(scope, key)
            if existing is not None and existing.created_at > now - self._ttl:
                return existing
            if existing is not None:
                uow.idempotency.delete(scope, key)
            inserted = uow.idempotency.try_insert(record)
            uow.commit()
            if inserted:
                return None
        with self._uow_factory(read_only=True) as uow:
            return uow.idempotency.get(scope, key)

    def complete(
        self, scope: str, key: str, status_code: int, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        """Store the final response of the request that claimed (scope, key)."""
        with self._uow_factory() as uow:
            uow.idempotency.complete(
                scope, key, status_code=status_code, headers=headers, body=body
            )
            uow.commit()

    def discard(self, scope: str, key: str) -> None:
        """Forget (scope, key), e.g. after a 5xx, so a retry runs again."""
        with self._uow_factory() as uow:
            uow.idempotency.delete(scope, key)
            uow.commit()

    def purge_expired(self) -> int:
        """Forget records older than the time-to-live; return how many."""
        with self._uow_factory() as uow:
            count = uow.idempotency.purge_older_than(self._clock() - self._ttl)
            uow.commit()
            return count
