"""The SQLAlchemy unit of work: one session, one transaction, every repository."""

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
        read_only: Begin without taking SQLite's write lock, for use cases that only read;
            such a unit of work refuses to commit.

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

    @property
    def session(self) -> Session:
        """The open session (only inside the ``with`` block)."""
        if self._session is None:
            msg = "the unit of work is not open; use it in a with block"
            raise RuntimeError(msg)
        return self._session

    def __enter__(self) -> Self:
        """Open the session and the repositories over it."""
        session = self._session = self._session_factory()
        if self.read_only:
            # Begins the transaction now, on a connection the begin hook sees as read-only.
            session.connection(execution_options={READ_ONLY: True})
        self.users = SqlAlchemyUserRepository(session)
        self.microposts = SqlAlchemyMicropostRepository(session)
        self.follows = SqlAlchemyFollowRepository(session)
        self.tokens = SqlAlchemyRevokedTokenRepository(session)
        self.idempotency = SqlAlchemyIdempotencyRepository(session)
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
        session = self.session
        self._session = None
        if self.read_only:
            # Nothing to undo: closing returns the connection to the pool, whose reset
            # rolls its transaction back, without the session's rollback bookkeeping
            # (a quarter of a read's time in SQLAlchemy).
            session.close()
            return
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
        """Roll the transaction back."""
        self.session.rollback()

    def savepoint(self) -> SessionTransaction:
        """Begin a savepoint (``SAVEPOINT``); its ``rollback()`` undoes what followed it."""
        return self.session.begin_nested()
