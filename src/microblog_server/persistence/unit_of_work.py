"""The SQLAlchemy unit of work: one transaction on one Core connection, every repository.

A plain connection, not an ORM session: the repositories run Core statements only, and a
session's transaction, identity map, flush and close bookkeeping were a third of a read's
time in SQLAlchemy and a fifth of a post's database time (docs/performance.md, issue 20).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from sqlalchemy.exc import IntegrityError

from microblog_server.domain import NotFound
from microblog_server.persistence.engine import READ_ONLY
from microblog_server.persistence.repositories import (
    SqlAlchemyFollowRepository,
    SqlAlchemyIdempotencyRepository,
    SqlAlchemyMicropostRepository,
    SqlAlchemyRevokedTokenRepository,
    SqlAlchemyUserRepository,
)
from microblog_server.persistence.repositories.base import refuse_if_read_only

if TYPE_CHECKING:
    from types import TracebackType

    from sqlalchemy import Connection, Engine, NestedTransaction

__all__ = ["SqlAlchemyUnitOfWork", "names_a_deleted_row"]

#: SQLSTATE of a foreign key violation (PostgreSQL), and SQLite's message for one.
_FOREIGN_KEY_VIOLATION = "23503"
_SQLITE_FOREIGN_KEY = "FOREIGN KEY constraint failed"


def names_a_deleted_row(error: BaseException) -> bool:
    """Tell whether ``error`` is a write naming a row that is gone (a foreign key violation).

    Use cases check that what a write names exists, in their transaction; another
    transaction can still delete it and commit before this one inserts (PostgreSQL's READ
    COMMITTED): the insert then violates the foreign key.
    """
    if not isinstance(error, IntegrityError):
        return False
    driver_error = error.orig
    return getattr(
        driver_error, "sqlstate", None
    ) == _FOREIGN_KEY_VIOLATION or _SQLITE_FOREIGN_KEY in str(driver_error)


class SqlAlchemyUnitOfWork:
    """A transaction over the database; rolled back on exit unless committed.

    The transaction begins at the first statement (SQLAlchemy's "commit as you go"), and
    with it, on SQLite, the wait for the write lock; a read-only unit of work begins at
    once, a deferred (snapshot) transaction that never takes the write lock.

    Args:
        engine: The database.
        read_only: For use cases that only read: such a unit of work refuses to commit,
            and its repositories refuse to write.

    Example:
        >>> with SqlAlchemyUnitOfWork(engine) as uow:  # doctest: +SKIP
        ...     uow.follows.add(1, 2, created_at=now)
        ...     uow.commit()
    """

    users: SqlAlchemyUserRepository
    microposts: SqlAlchemyMicropostRepository
    follows: SqlAlchemyFollowRepository
    tokens: SqlAlchemyRevokedTokenRepository
    idempotency: SqlAlchemyIdempotencyRepository

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self.read_only = read_only
        self._connection: Connection | None = None

    @property
    def connection(self) -> Connection:
        """The open connection (only inside the ``with`` block)."""
        if self._connection is None:
            msg = "the unit of work is not open; use it in a with block"
            raise RuntimeError(msg)
        return self._connection

    def __enter__(self) -> Self:
        """Open the connection and the repositories over it."""
        connection = self._connection = self._engine.connect()
        if self.read_only:
            # The begin hook sees the option and begins a deferred (snapshot) transaction.
            connection.execution_options(**{READ_ONLY: True})
            connection.begin()
        read_only = self.read_only
        self.users = SqlAlchemyUserRepository(connection, read_only=read_only)
        self.microposts = SqlAlchemyMicropostRepository(connection, read_only=read_only)
        self.follows = SqlAlchemyFollowRepository(connection, read_only=read_only)
        self.tokens = SqlAlchemyRevokedTokenRepository(connection, read_only=read_only)
        self.idempotency = SqlAlchemyIdempotencyRepository(connection, read_only=read_only)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back what was not committed and return the connection to the pool.

        Raises:
            NotFound: The block failed on a foreign key: something it names (a user being
                deleted at that moment) is gone, which is the caller's 404, not a 500.
        """
        connection = self.connection
        self._connection = None
        connection.close()  # rolls back what was not committed
        if exc is not None and names_a_deleted_row(exc):
            raise NotFound("a user or micropost this names was deleted meanwhile") from exc

    def commit(self) -> None:
        """Commit the transaction.

        Raises:
            RuntimeError: The unit of work is read-only.
        """
        refuse_if_read_only(self.read_only, "commit")
        self.connection.commit()

    def rollback(self) -> None:
        """Roll the transaction back (a read-only one has nothing to undo)."""
        if not self.read_only:
            self.connection.rollback()

    def savepoint(self) -> NestedTransaction:
        """Begin a savepoint (``SAVEPOINT``); its ``rollback()`` undoes what followed it."""
        return self.connection.begin_nested()
