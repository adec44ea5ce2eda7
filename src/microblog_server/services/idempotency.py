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
    """The right to run the request of (scope, key), held by the request's own transaction.

    Attributes:
        scope: The caller.
        key: The Idempotency-Key.
        claimed_at: When this claim was taken (the record's ``created_at``).
    """

    scope: str
    key: str
    claimed_at: datetime


class IdempotencyService:
    """Records requests sent with an Idempotency-Key and their responses.

    A keyed request runs in one held transaction (:meth:`hold`), and its claim is the
    first write of that transaction (:meth:`begin`): an uncommitted record "in progress".
    The request's own writes follow it, and :meth:`finish` stores the response and
    commits it all at once. So the claim lives exactly as long as the transaction:

    - a duplicate that arrives meanwhile waits for it, since the database makes a second
      insert of the same key wait for the first transaction's end (PostgreSQL, for at
      most ``wait`` seconds, then it is told the key is in progress; SQLite lets one
      writer in at a time, so the duplicate waits to begin, for the busy timeout);
      then it finds the stored response to replay, or, rolled back, nothing: it runs;
    - a process that dies mid-request takes its claim with it: the database rolls its
      transaction back when the connection drops (SQLite's lock goes with the process),
      so a retry on another node proceeds at once. There is no lease to wait out, and
      none to set.

    Args:
        uow_factory: Opens plain units of work (never a held one), for the purge.
        holding: The services' unit-of-work factory, whose :meth:`hold` spans a request.
        clock: The time source.
        ttl: Seconds a record is kept.
        wait: Seconds a duplicate waits for the transaction holding its key (PostgreSQL).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        holding: HoldingUnitOfWorkFactory,
        clock: Clock,
        *,
        ttl: int = 86400,
        wait: float = 5.0,
    ) -> None:
        self._uow_factory = uow_factory
        self._holding = holding
        self._clock = clock
        self._ttl = timedelta(seconds=ttl)
        self._wait = wait

    def begin(
        self, held: HeldTransaction, scope: str, key: str, fingerprint: str
    ) -> IdempotencyClaim | IdempotencyRecord:
        """Claim (scope, key) in ``held``, the transaction the request is about to run in.

        Args:
            held: The request's held transaction (from :meth:`hold`).
            scope: The caller (user, or client address when anonymous).
            key: The Idempotency-Key value.
            fingerprint: A digest of the request.

        Returns:
            A claim when the request should run (a new or expired key), else the record
            holding the key: done (replay it, or 422 for another fingerprint), or in
            progress in another transaction still running after the wait (409).
        """
        now = self._clock()

        def claim(uow: UnitOfWork) -> IdempotencyClaim | IdempotencyRecord:
            for _ in range(3):  # only a record vanishing between two looks makes it go round
                existing = uow.idempotency.get(scope, key)
                # Expired; or committed "in progress" by a version of the service that
                # committed claims on their own: no transaction holds it now.
                if existing is not None and (
                    existing.created_at <= now - self._ttl or existing.state == "in_progress"
                ):
                    uow.idempotency.delete(scope, key)
                    existing = None
                if existing is not None:
                    return existing
                record = IdempotencyRecord(
                    scope, key, fingerprint, "in_progress", None, [], b"", now
                )
                claimed = uow.idempotency.claim(record, wait=self._wait)
                if claimed:
                    return IdempotencyClaim(scope, key, now)
                if claimed is None:
                    return record  # still held by a running transaction: in progress
            msg = f"the Idempotency-Key record of {scope!r} kept changing"
            raise RuntimeError(msg)

        return held.claim(claim)

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
            ``False`` when the claim was not found in the transaction (it cannot be lost
            while the transaction lasts): then nothing of this request is kept.
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
        """Roll the request's work and its claim back, e.g. after a 5xx, for a retry."""
        held.close()

    def purge_expired(self) -> int:
        """Forget records older than the time-to-live; return how many."""
        with self._uow_factory() as uow:
            count = uow.idempotency.purge_older_than(self._clock() - self._ttl)
            uow.commit()
            return count
