"""Idempotency-Key records in the ``idempotency_keys`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from microblog_server.domain import IdempotencyRecord
from microblog_server.persistence.models import IdempotencyKeyRow
from microblog_server.persistence.repositories.base import SqlAlchemyRepository

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import ColumnElement

    from microblog_server.domain import IdempotencyState

__all__ = ["SqlAlchemyIdempotencyRepository"]

_INSERT = insert(cast("Table", IdempotencyKeyRow.__table__))
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout ran out


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

    def claim(self, record: IdempotencyRecord, *, wait: float) -> bool | None:
        """Insert the record as this transaction's claim (see the port for the contract)."""
        values = {
            "scope": record.scope,
            "key": record.key,
            "fingerprint": record.fingerprint,
            "state": record.state,
            "status_code": record.status_code,
            "headers": [list(pair) for pair in record.headers],
            "body": record.body,
            "created_at": record.created_at,
        }
        # PostgreSQL makes an INSERT of a key another transaction inserted wait for that
        # transaction's end; lock_timeout bounds the wait, for this statement only.
        previous = None
        if self.writes.dialect.name == "postgresql":
            previous = self.writes.scalar(select(func.current_setting("lock_timeout")))
            self._lock_timeout(f"{max(1, round(wait * 1000))}ms")
        claimed: bool | None = True
        try:
            with self.writes.begin_nested():
                self.writes.execute(_INSERT, values)
        except IntegrityError:
            claimed = False
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise  # the database is gone: the transaction with it, nothing to restore
            claimed = None
        if previous is not None:
            self._lock_timeout(previous)
        return claimed

    def _lock_timeout(self, value: str) -> None:
        self.writes.execute(select(func.set_config("lock_timeout", value, True)))  # noqa: FBT003

    def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        """Return the record of (scope, key), if any."""
        # A Core read: never an ORM object another request may have completed since.
        row = self._row(scope, key)
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
        # The claim is this transaction's own uncommitted row, so it matches; the
        # conditions only make sure nothing else is ever overwritten.
        result = self.writes.execute(
            update(IdempotencyKeyRow)
            .where(*_claimed(scope, key, claimed_at))
            .values(
                state="done",
                status_code=status_code,
                headers=[list(pair) for pair in headers],
                body=body,
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount) == 1

    def delete(self, scope: str, key: str) -> None:
        """Forget the record, if any."""
        self.writes.execute(
            delete(IdempotencyKeyRow).where(
                IdempotencyKeyRow.scope == scope, IdempotencyKeyRow.key == key
            )
        )

    def purge_older_than(self, cutoff: datetime) -> int:
        """Forget records created before ``cutoff``."""
        result = self.writes.execute(
            delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < cutoff)
        )
        return int(result.rowcount)
