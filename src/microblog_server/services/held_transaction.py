"""One transaction for a whole keyed request: its write and its stored response together.

A request sent with an Idempotency-Key must leave either nothing done or the write *and*
the key's stored response, never the write alone (a retry would then run it twice). The
services open their units of work as usual; while a :class:`HeldTransaction` is held for
the request (a context variable, so it follows the request into its worker threads),
every unit of work they open is a view on the held one: ``commit()`` only marks it to be
committed, and the holder commits it later, together with the stored response, or rolls
it all back.

Why our own mechanism: the services' units of work are per use case by design, and the
response to store exists only once the API layer has rendered it; neither SQLAlchemy's
session nor FastAPI's dependencies span that (a session shared through a dependency
would be torn down before the middleware has the response).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Self, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import TracebackType

    from microblog_server.services.ports import (
        FollowRepository,
        IdempotencyRepository,
        MicropostRepository,
        RevokedTokenRepository,
        Savepoint,
        UnitOfWork,
        UnitOfWorkFactory,
        UserRepository,
    )

__all__ = ["HeldTransaction", "HoldingUnitOfWorkFactory"]

T = TypeVar("T")

_held: ContextVar[HeldTransaction | None] = ContextVar("microblog_held_transaction", default=None)


class HeldTransaction:
    """The one unit of work of a request, opened at first use, finished by its holder.

    Not thread-safe, and need not be: a request uses it from one thread at a time.

    Args:
        factory: Opens the real unit of work.
    """

    def __init__(self, factory: UnitOfWorkFactory) -> None:
        self._factory = factory
        self._uow: UnitOfWork | None = None
        self._savepoint: Savepoint | None = None
        self.commit_requested = False

    def open(self) -> UnitOfWork:
        """Return the real unit of work, beginning it (for writing) at first use."""
        if self._uow is None:
            uow = self._factory()
            self._uow = uow.__enter__()
        return self._uow

    def claim(self, write: Callable[[UnitOfWork], T]) -> T:
        """Make ``write`` the transaction's first work, kept until the holder finishes.

        What the services do afterwards is rolled back to this point when a use case
        fails; ``write`` (an Idempotency-Key's claim) stays, and with it the claim.

        Returns:
            What ``write`` returned.
        """
        uow = self.open()
        result = write(uow)
        self._savepoint = uow.savepoint()
        return result

    def request_commit(self) -> None:
        """Mark what the services did so far to be committed with the response."""
        self.commit_requested = True

    def rollback(self) -> None:
        """Discard what the services did so far (a use case failed); a claim stays."""
        self.commit_requested = False
        if self._uow is None:
            return
        if self._savepoint is None:
            self._uow.rollback()
        else:
            self._savepoint.rollback()
            self._savepoint = self._uow.savepoint()

    def commit_with(self, write: Callable[[UnitOfWork], bool]) -> bool:
        """Add a last write (the stored response) and commit it with the rest, atomically.

        Args:
            write: Called with the real unit of work; returns ``False`` to refuse the
                commit (the key was taken over meanwhile), and then all is rolled back.

        Returns:
            Whether it was committed.
        """
        uow = self.open()
        try:
            if not self.commit_requested:
                self.rollback()  # only what a use case committed is kept
            if not write(uow):
                uow.rollback()
                return False
            uow.commit()
            return True
        finally:
            self.close()

    def close(self) -> None:
        """Roll back whatever was not committed and release the connection."""
        uow, self._uow = self._uow, None
        self._savepoint = None
        self.commit_requested = False
        if uow is not None:
            uow.__exit__(None, None, None)


class _HeldView:
    """What a service gets from the factory while a transaction is held."""

    def __init__(self, held: HeldTransaction, *, read_only: bool) -> None:
        self._held = held
        self.read_only = read_only

    @property
    def users(self) -> UserRepository:
        """The users."""
        return self._held.open().users

    @property
    def microposts(self) -> MicropostRepository:
        """The microposts."""
        return self._held.open().microposts

    @property
    def follows(self) -> FollowRepository:
        """The follow edges."""
        return self._held.open().follows

    @property
    def tokens(self) -> RevokedTokenRepository:
        """The revoked token ids."""
        return self._held.open().tokens

    @property
    def idempotency(self) -> IdempotencyRepository:
        """The Idempotency-Key records."""
        return self._held.open().idempotency

    def __enter__(self) -> Self:
        self._held.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self._held.rollback()  # the use case failed: nothing it did may be kept

    def commit(self) -> None:
        if self.read_only:
            msg = "a read-only unit of work cannot commit"
            raise RuntimeError(msg)
        self._held.request_commit()

    def rollback(self) -> None:
        self._held.rollback()

    def savepoint(self) -> Savepoint:
        """A savepoint inside the held transaction."""
        return self._held.open().savepoint()


class HoldingUnitOfWorkFactory:
    """A unit-of-work factory that serves the held transaction while one is held.

    Outside :meth:`hold` it opens plain units of work from ``factory``.

    Args:
        factory: Opens the real units of work.
    """

    def __init__(self, factory: UnitOfWorkFactory) -> None:
        self._factory = factory

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """Open a unit of work: a view on the held transaction, if one is held."""
        held = _held.get()
        if held is None:
            return self._factory(read_only=read_only)
        return _HeldView(held, read_only=read_only)

    @contextmanager
    def hold(self) -> Iterator[HeldTransaction]:
        """Hold one transaction for what runs inside (in this context and those copied from it).

        The caller finishes it: :meth:`HeldTransaction.commit_with` or
        :meth:`HeldTransaction.close`; leaving the block does neither.
        """
        held = HeldTransaction(self._factory)
        token = _held.set(held)
        try:
            yield held
        finally:
            _held.reset(token)
