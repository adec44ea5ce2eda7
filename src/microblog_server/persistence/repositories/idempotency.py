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

    from microblog_server.domain import IdempotencyState

__all__ = ["SqlAlchemyIdempotencyRepository"]


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

    def complete(
        self, scope: str, key: str, *, status_code: int, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        """Store the final response and mark the record done."""
        self.session.execute(
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.scope == scope, IdempotencyKeyRow.key == key)
            .values(
                state="done",
                status_code=status_code,
                headers=[list(pair) for pair in headers],
                body=body,
            )
            .execution_options(synchronize_session=False)
        )
        self.session.expire_all()

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
