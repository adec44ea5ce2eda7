"""The SQLAlchemy unit of work: one transaction, every repository.

A unit of work that may write opens an ORM session; a read-only one, the hot path of
every GET, a plain Core connection: its repositories only run Core selects, and a
session's transaction, identity map and close bookkeeping were a third of a read's time
in SQLAlchemy (docs/performance.md, issue 20).
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

if TYPE_CHECKING:
    from types import TracebackType

    from sqlalchemy import Connection
    from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

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

    Args:
        session_factory: Opens the session of each ``with`` block.
        read_only: Begin without taking SQLite's write lock, for use cases that only read,
            on a plain connection rather than a session; such a unit of work refuses to
            commit, and its repositories refuse to write.

    Example:
        >>> with SqlAlchemyUnitOfWork(session_factory) as uow:  # doctest: +SKIP
        ...     uow.follows.add(1, 2, created_at=now)
        ...     uow.commit()
    """

    users: SqlAlchemyUserRepository
    microposts: SqlAlchemyMicropostRepository
    follows: SqlAlchemyFollowRepository
    tokens: SqlAlchemyRevokedTokenRepository
    idempotency: SqlAlchemyIdempotencyRepository

    def __init__(self, session_factory: sessionmaker[Session], *, read_only: bool = False) -> None:
        self._session_factory = session_factory
        self.read_only = read_only
        self._session: Session | None = None
        self._connection: Connection | None = None

    @property
    def session(self) -> Session:
        """The open session (only inside the ``with`` block of a unit of work that writes)."""
        if self._session is None:
            msg = "the unit of work is not open, or is read-only; use it in a with block"
            raise RuntimeError(msg)
        return self._session

    def __enter__(self) -> Self:
        """Begin the transaction and open the repositories over it."""
        db: Session | Connection
        if self.read_only:
            # The session factory's engine; the begin hook sees the option and begins a
            # deferred (snapshot) transaction instead of taking SQLite's write lock.
            engine = self._session_factory.kw["bind"]
            db = self._connection = engine.connect().execution_options(**{READ_ONLY: True})
            db.begin()
        else:
            db = self._session = self._session_factory()
        self.users = SqlAlchemyUserRepository(db)
        self.microposts = SqlAlchemyMicropostRepository(db)
        self.follows = SqlAlchemyFollowRepository(db)
        self.tokens = SqlAlchemyRevokedTokenRepository(db)
        self.idempotency = SqlAlchemyIdempotencyRepository(db)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back what was not committed and close the session.

        Raises:
            NotFound: The block failed on a foreign key: something it names (a user being
                deleted at that moment) is gone, which is the caller's 404, not a 500.
        """
        connection, self._connection = self._connection, None
        if connection is not None:
            # Nothing to undo: closing rolls the snapshot back and returns the connection.
            connection.close()
            return
        session = self.session
        self._session = None
        try:
            session.rollback()
        finally:
            session.close()
        if exc is not None and names_a_deleted_row(exc):
            raise NotFound("a user or micropost this names was deleted meanwhile") from exc

    def commit(self) -> None:
        """Commit the transaction.

        Raises:
            RuntimeError: The unit of work is read-only.
        """
        if self.read_only:
            msg = "a read-only unit of work cannot commit"
            raise RuntimeError(msg)
        self.session.commit()

    def rollback(self) -> None:
        """Roll the transaction back (a read-only one has nothing to undo)."""
        if not self.read_only:
            self.session.rollback()

    def savepoint(self) -> SessionTransaction:
        """Begin a savepoint (``SAVEPOINT``); its ``rollback()`` undoes what followed it."""
        return self.session.begin_nested()
