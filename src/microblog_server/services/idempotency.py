"""The Idempotency-Key store: claim a key, then store the response with the write it made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from microblog_server.domain import IdempotencyRecord

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from datetime import datetime

    from microblog_server.services.clock import Clock
    from microblog_server.services.held_transaction import (
        HeldTransaction,
        HoldingUnitOfWorkFactory,
    )
    from microblog_server.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = ["IdempotencyClaim", "IdempotencyService"]


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """The right to run the request of (scope, key), held until the lease runs out.

    Attributes:
        scope: The caller.
        key: The Idempotency-Key.
        claimed_at: When this claim was taken: also the fencing token, since a later
            claim of the same key (a takeover) is always taken at a later time; only the
            current claim can store a response or release the key.
    """

    scope: str
    key: str
    claimed_at: datetime


class IdempotencyService:
    """Records requests sent with an Idempotency-Key and their responses.

    :meth:`begin` claims a key (its own transaction, committed at once, so another request
    sees the claim while the first runs) or returns the record that holds it: the API
    layer then replays it (``done``), answers 409 (``in_progress``) or 422 (another
    fingerprint). A claim in progress for longer than the lease is abandoned (its
    process died: a request never runs that long) and the next request with that key and
    fingerprint takes it over. The claimed request runs inside :meth:`hold`, and its
    write commits in one transaction with the stored response (:meth:`finish`), so a
    takeover finds either nothing done or the response to replay, never a write alone.

    Args:
        uow_factory: Opens the claim's own units of work (never a held one).
        holding: The services' unit-of-work factory, whose :meth:`hold` spans a request.
        clock: The time source.
        ttl: Seconds a record is kept.
        lease: Seconds a claim in progress holds its key.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        holding: HoldingUnitOfWorkFactory,
        clock: Clock,
        *,
        ttl: int = 86400,
        lease: float = 30.0,
    ) -> None:
        self._uow_factory = uow_factory
        self._holding = holding
        self._clock = clock
        self._ttl = timedelta(seconds=ttl)
        self._lease = timedelta(seconds=lease)

    def begin(self, scope: str, key: str, fingerprint: str) -> IdempotencyClaim | IdempotencyRecord:
        """Claim (scope, key) for a request about to run.

        Args:
            scope: The caller (user, or client address when anonymous).
            key: The Idempotency-Key value.
            fingerprint: A digest of the request.

        Returns:
            A claim when the request should run (a new key, an expired record, or an
            abandoned claim with the same fingerprint), else the record holding the key.
        """
        for _ in range(3):  # only a record vanishing between two looks makes it go round
            now = self._clock()
            with self._uow_factory() as uow:
                existing = uow.idempotency.get(scope, key)
                if existing is not None and existing.created_at <= now - self._ttl:
                    uow.idempotency.delete(scope, key)
                    existing = None
                if existing is None:
                    record = IdempotencyRecord(
                        scope, key, fingerprint, "in_progress", None, [], b"", now
                    )
                    claimed = uow.idempotency.try_insert(record)
                elif self._abandoned(existing, fingerprint, now):
                    claimed = uow.idempotency.take_over(
                        scope, key, claimed_at=existing.created_at, now=now
                    )
                else:
                    return existing
                uow.commit()
            if claimed:
                return IdempotencyClaim(scope, key, now)
            with self._uow_factory(read_only=True) as uow:
                current = uow.idempotency.get(scope, key)
            if current is not None:
                return current
        msg = f"the Idempotency-Key record of {scope!r} kept changing"
        raise RuntimeError(msg)

    def _abandoned(self, record: IdempotencyRecord, fingerprint: str, now: datetime) -> bool:
        return (
            record.state == "in_progress"
            and record.fingerprint == fingerprint
            and record.created_at <= now - self._lease
        )

    def hold(self) -> AbstractContextManager[HeldTransaction]:
        """Run the claimed request inside this: its units of work become one transaction."""
        return self._holding.hold()

    def finish(
        self,
        claim: IdempotencyClaim,
        held: HeldTransaction,
        status_code: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> bool:
        """Store the final response and commit it with the request's write, atomically.

        Returns:
            ``False`` when the claim was lost (taken over after its lease): then nothing
            of this request is kept, and the request that took over decides the outcome.
        """

        def store(uow: UnitOfWork) -> bool:
            return uow.idempotency.complete(
                claim.scope,
                claim.key,
                claimed_at=claim.claimed_at,
                status_code=status_code,
                headers=headers,
                body=body,
            )

        return held.commit_with(store)

    def abandon(self, claim: IdempotencyClaim, held: HeldTransaction) -> None:
        """Roll the request's work back and release the key, e.g. after a 5xx, for a retry."""
        held.close()
        with self._uow_factory() as uow:
            uow.idempotency.release(claim.scope, claim.key, claimed_at=claim.claimed_at)
            uow.commit()

    def purge_expired(self) -> int:
        """Forget records older than the time-to-live; return how many."""
        with self._uow_factory() as uow:
            count = uow.idempotency.purge_older_than(self._clock() - self._ttl)
            uow.commit()
            return count
