"""Idempotency-Key records in the ``idempotency_keys`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from microblog_server.domain import IdempotencyRecord
from microblog_server.persistence.models import IdempotencyKeyRow
from microblog_server.persistence.repositories.base import SqlAlchemyRepository

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import ColumnElement

    from microblog_server.domain import IdempotencyState

__all__ = ["SqlAlchemyIdempotencyRepository"]


def _claimed(scope: str, key: str, claimed_at: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        IdempotencyKeyRow.scope == scope,
        IdempotencyKeyRow.key == key,
        IdempotencyKeyRow.state == "in_progress",
        IdempotencyKeyRow.created_at == claimed_at,
    )


class SqlAlchemyIdempotencyRepository(SqlAlchemyRepository[IdempotencyKeyRow]):
    """Requests sent with an Idempotency-Key and their stored responses."""

    row_type = IdempotencyKeyRow

    def try_insert(self, record: IdempotencyRecord) -> bool:
        """Insert the record unless (scope, key) exists."""
        row = IdempotencyKeyRow(
            scope=record.scope,
            key=record.key,
            fingerprint=record.fingerprint,
            state=record.state,
            status_code=record.status_code,
            headers=[list(pair) for pair in record.headers],
            body=record.body,
            created_at=record.created_at,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return False
        return True

    def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        """Return the record of (scope, key), if any."""
        # populate_existing: another request may have completed it since we last looked.
        row = self.session.get(IdempotencyKeyRow, (scope, key), populate_existing=True)
        if row is None:
            return None
        return IdempotencyRecord(
            scope=row.scope,
            key=row.key,
            fingerprint=row.fingerprint,
            state=cast("IdempotencyState", row.state),
            status_code=row.status_code,
            headers=[(name, value) for name, value in row.headers],
            body=row.body,
            created_at=row.created_at,
        )

    def take_over(self, scope: str, key: str, *, claimed_at: datetime, now: datetime) -> bool:
        """Claim anew a record in progress since ``claimed_at`` (compare-and-set on the time)."""
        return self._update_claimed(scope, key, claimed_at, created_at=now)

    def complete(
        self,
        scope: str,
        key: str,
        *,
        claimed_at: datetime,
        status_code: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> bool:
        """Store the final response and mark the record done, if still claimed at ``claimed_at``."""
        return self._update_claimed(
            scope,
            key,
            claimed_at,
            state="done",
            status_code=status_code,
            headers=[list(pair) for pair in headers],
            body=body,
        )

    def release(self, scope: str, key: str, *, claimed_at: datetime) -> None:
        """Forget the record if it is still in progress since ``claimed_at``."""
        self.session.execute(delete(IdempotencyKeyRow).where(*_claimed(scope, key, claimed_at)))
        self.session.expire_all()

    def _update_claimed(self, scope: str, key: str, claimed_at: datetime, **values: object) -> bool:
        # One conditional UPDATE: on PostgreSQL two racing transactions cannot both match,
        # the second waits for the first's row lock and then sees the new created_at.
        result = self.session.execute(
            update(IdempotencyKeyRow)
            .where(*_claimed(scope, key, claimed_at))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        self.session.expire_all()
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def delete(self, scope: str, key: str) -> None:
        """Forget the record, if any."""
        self.session.execute(
            delete(IdempotencyKeyRow).where(
                IdempotencyKeyRow.scope == scope, IdempotencyKeyRow.key == key
            )
        )
        self.session.expire_all()

    def purge_older_than(self, cutoff: datetime) -> int:
        """Forget records created before ``cutoff``."""
        result = self.session.execute(
            delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < cutoff)
        )
        self.session.expire_all()
        return int(result.rowcount)  # type: ignore[attr-defined]
