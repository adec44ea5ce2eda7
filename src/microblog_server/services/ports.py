"""Repository and unit-of-work ports: what the services need from storage.

The persistence layer implements them with SQLAlchemy; unit tests with in-memory fakes.
Repositories return domain entities, never ORM rows. Every ``list``-like method takes a
:class:`~microblog_server.domain.PageRequest` and returns up to ``page.rows_to_fetch``
items (one more than the page, so the service knows whether there is another), newest
first: those older than ``page.after`` when given; with ``page.before``, those closest to
and newer than it, still newest first (paging backward).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import datetime
    from types import TracebackType

    from microblog_server.domain import (
        Follow,
        IdempotencyRecord,
        Micropost,
        PageRequest,
        User,
        UserCounts,
    )

__all__ = [
    "FollowRepository",
    "IdempotencyRepository",
    "MicropostRepository",
    "RevokedTokenRepository",
    "Savepoint",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserRepository",
]


class UserRepository(Protocol):
    """Users, looked up case-insensitively by username."""

    def add(
        self,
        *,
        username: str,
        display_name: str,
        bio: str,
        password_hash: str,
        created_at: datetime,
    ) -> User:
        """Insert a user (version 1); raise ``Conflict`` when the username is taken."""
        ...

    def get(self, user_id: int) -> User | None:
        """Return the user with this id, if any."""
        ...

    def get_by_username(self, username: str) -> User | None:
        """Return the user with this username compared case-insensitively, if any."""
        ...

    def get_many_by_username(self, usernames: Collection[str]) -> dict[str, User]:
        """Return the existing users among these names, keyed by lowercased username."""
        ...

    def list(self, page: PageRequest, *, prefix: str | None = None) -> list[User]:
        """Return users newest first on (created_at, id), optionally by username prefix."""
        ...

    def update(self, user: User, *, expected_version: int | None) -> bool:
        """Write the profile fields and the token cut-off of ``user``; bump the version.

        Returns:
            ``False`` when no row has this id (and, when given, this expected version).
        """
        ...

    def delete(self, user_id: int) -> None:
        """Delete the user with their microposts, mentions and follows."""
        ...

    def counts(self, user_ids: Collection[int]) -> dict[int, UserCounts]:
        """Return the derived counts of these users (missing ids count zero)."""
        ...


class MicropostRepository(Protocol):
    """Microposts, with their author, addressee and mentions resolved to usernames."""

    def add(
        self,
        *,
        author: User,
        text: str,
        referenced: User | None,
        mentioned: Sequence[User],
        created_at: datetime,
    ) -> Micropost:
        """Insert a micropost (version 1) and its mentions, and return it.

        The users are as read in this unit of work: their usernames go into the returned
        micropost as they are, without reading them again.
        """
        ...

    def get(self, micropost_id: int) -> Micropost | None:
        """Return the micropost with this id, if any."""
        ...

    def list_by_author(self, author_id: int, page: PageRequest) -> list[Micropost]:
        """Return one author's microposts newest first on (timestamp, id)."""
        ...

    def timeline(self, username: str, page: PageRequest) -> list[Micropost]:
        """Return, once each, microposts of the users ``username`` follows or naming them.

        ``username`` is compared case-insensitively; no such user has an empty timeline
        (the caller tells the two apart only when the page is empty).
        """
        ...

    def search(
        self, text: str, page: PageRequest, *, username_prefix: str | None = None
    ) -> list[Micropost]:
        """Return microposts containing ``text`` (case-insensitive), optionally by author prefix."""
        ...

    def update(
        self,
        micropost_id: int,
        *,
        text: str,
        referenced_id: int | None,
        mention_ids: Sequence[int],
        updated_at: datetime,
        expected_version: int | None,
    ) -> bool:
        """Rewrite a micropost and its mentions and bump the version; ``False`` if no match."""
        ...

    def delete(self, micropost_id: int, *, expected_version: int | None) -> bool:
        """Delete a micropost and its mentions; ``False`` if no row matched."""
        ...


class FollowRepository(Protocol):
    """Follow edges between users."""

    def add(self, follower_id: int, followed_id: int, *, created_at: datetime) -> bool:
        """Record that ``follower_id`` follows ``followed_id``; ``False`` if it already did."""
        ...

    def remove(self, follower_id: int, followed_id: int) -> None:
        """Forget the edge, if any."""
        ...

    def following(self, user_id: int, page: PageRequest) -> list[Follow]:
        """Return the users ``user_id`` follows, newest follow first on (since, user id)."""
        ...

    def followers(self, user_id: int, page: PageRequest) -> list[Follow]:
        """Return the users following ``user_id``, newest follow first on (since, user id)."""
        ...


class RevokedTokenRepository(Protocol):
    """Token ids (``jti``) revoked before their expiry."""

    def revoke(self, jti: str, *, expires_at: datetime) -> None:
        """Remember the token id until it expires (idempotent)."""
        ...

    def is_revoked(self, jti: str) -> bool:
        """Tell whether the token id was revoked."""
        ...

    def purge_expired(self, now: datetime) -> int:
        """Forget revocations of tokens that expired before ``now``; return how many."""
        ...


class IdempotencyRepository(Protocol):
    """Stored responses of requests sent with an Idempotency-Key."""

    def claim(self, record: IdempotencyRecord, *, wait: float) -> bool | None:
        """Insert ``record`` (in progress) as this transaction's claim of (scope, key).

        The claim is the uncommitted row itself: another transaction inserting the same
        (scope, key) waits until this one commits or rolls back (a process that dies
        takes its claim with it).

        Args:
            record: The claim.
            wait: Seconds to wait for another transaction's claim of the same key (where
                the database waits on it: PostgreSQL; SQLite's one writer at a time
                waits before the transaction begins).

        Returns:
            ``True`` when claimed; ``False`` when a record of (scope, key) is committed
            (read it); ``None`` when another transaction still held it after ``wait``.
        """
        ...

    def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        """Return the record of (scope, key), if any."""
        ...

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
        """Store the final response and mark the record done, if claimed at ``claimed_at``.

        Returns:
            ``False`` when the record is not in progress since ``claimed_at``: nothing
            is written then.
        """
        ...

    def delete(self, scope: str, key: str) -> None:
        """Forget the record, if any."""
        ...

    def purge_older_than(self, cutoff: datetime) -> int:
        """Forget records created before ``cutoff``; return how many."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository; rolled back unless committed.

    Use as ``with uow_factory() as uow: ...; uow.commit()``.
    """

    @property
    def users(self) -> UserRepository:
        """The users."""
        ...

    @property
    def microposts(self) -> MicropostRepository:
        """The microposts and their mentions."""
        ...

    @property
    def follows(self) -> FollowRepository:
        """The follow edges."""
        ...

    @property
    def tokens(self) -> RevokedTokenRepository:
        """The revoked token ids."""
        ...

    @property
    def idempotency(self) -> IdempotencyRepository:
        """The Idempotency-Key records."""
        ...

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and release the connection."""
        ...

    def commit(self) -> None:
        """Make the changes so far durable."""
        ...

    def rollback(self) -> None:
        """Discard the changes since the last commit."""
        ...

    def savepoint(self) -> Savepoint:
        """Mark this point: :meth:`Savepoint.rollback` discards what was done since only."""
        ...


class Savepoint(Protocol):
    """A point inside a transaction to roll back to (see :meth:`UnitOfWork.savepoint`)."""

    def rollback(self) -> None:
        """Discard what was done since the savepoint; what came before it stays."""
        ...


class UnitOfWorkFactory(Protocol):
    """Opens a new unit of work; the services call it once per use case."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """Open a unit of work.

        Args:
            read_only: For use cases that only read: such a unit of work takes no write
                lock up front (so readers do not queue behind each other) and must not
                commit.
        """
        ...
