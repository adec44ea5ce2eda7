"""In-memory fakes of the repository and unit-of-work ports, for service unit tests.

``tests/server/persistence/test_repositories.py`` runs one suite against these and the SQL
repositories alike: a behaviour the fakes get wrong fails there. Like the databases (see
``UTCDateTime``), they keep every timestamp as a UTC instant.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Self

from microblog_server.domain import (
    Conflict,
    Follow,
    IdempotencyRecord,
    Keyset,
    Micropost,
    PageRequest,
    User,
    UserCounts,
    username_key,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence
    from types import TracebackType


@dataclass
class PostRow:
    id: int
    author_id: int
    text: str
    referenced_id: int | None
    mention_ids: list[int]
    created_at: datetime
    updated_at: datetime | None = None
    version: int = 1


@dataclass
class FakeState:
    users: dict[int, User] = field(default_factory=dict)
    posts: dict[int, PostRow] = field(default_factory=dict)
    follows: dict[tuple[int, int], datetime] = field(default_factory=dict)
    revoked: dict[str, datetime] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    last_user_id: int = 0
    last_post_id: int = 0


class FakeDatabase:
    """The committed state; each unit of work works on a copy until it commits."""

    def __init__(self) -> None:
        self.state = FakeState()
        self.commits = 0
        self.opened: list[bool] = []  # read_only, per unit of work opened

    def uow(self, *, read_only: bool = False) -> FakeUnitOfWork:
        self.opened.append(read_only)
        return FakeUnitOfWork(self, read_only=read_only)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _newest_first(items: Iterable[tuple[Keyset, object]], page: PageRequest) -> list[object]:
    after, before, limit = page.after, page.before, page.rows_to_fetch
    keyed = sorted(items, key=lambda pair: (pair[0].at, pair[0].id), reverse=True)
    if after is not None:
        keyed = [pair for pair in keyed if (pair[0].at, pair[0].id) < (after.at, after.id)]
    if before is not None:
        keyed = [pair for pair in keyed if (pair[0].at, pair[0].id) > (before.at, before.id)]
        keyed = keyed[-limit:]  # the ``limit`` newer items closest to ``before``
    return [item for _, item in keyed[:limit]]


class FakeUserRepository:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def add(
        self,
        *,
        username: str,
        display_name: str,
        bio: str,
        password_hash: str,
        created_at: datetime,
    ) -> User:
        if self.get_by_username(username) is not None:
            raise Conflict("taken")
        self.state.last_user_id += 1
        user = User(
            self.state.last_user_id, username, display_name, bio, _utc(created_at), 1, password_hash
        )
        self.state.users[user.id] = user
        return user

    def get(self, user_id: int) -> User | None:
        return self.state.users.get(user_id)

    def get_by_username(self, username: str) -> User | None:
        return self.get_many_by_username([username]).get(username_key(username))

    def get_many_by_username(self, usernames: Collection[str]) -> dict[str, User]:
        keys = {username_key(name) for name in usernames}
        return {
            username_key(u.username): u
            for u in self.state.users.values()
            if username_key(u.username) in keys
        }

    def list(self, page: PageRequest, *, prefix: str | None = None) -> list[User]:
        users = [
            (Keyset(u.created_at, u.id), u)
            for u in self.state.users.values()
            if prefix is None or username_key(u.username).startswith(username_key(prefix))
        ]
        return [u for u in _newest_first(users, page) if isinstance(u, User)]

    def update(self, user: User, *, expected_version: int | None) -> bool:
        current = self.state.users.get(user.id)
        if current is None or expected_version not in {None, current.version}:
            return False
        self.state.users[user.id] = replace(user, version=current.version + 1)
        return True

    def delete(self, user_id: int) -> None:
        self.state.users.pop(user_id, None)
        for post in list(self.state.posts.values()):
            if post.author_id == user_id:
                del self.state.posts[post.id]
            else:
                post.mention_ids = [i for i in post.mention_ids if i != user_id]
                if post.referenced_id == user_id:
                    post.referenced_id = None
        for edge in list(self.state.follows):
            if user_id in edge:
                del self.state.follows[edge]

    def counts(self, user_ids: Collection[int]) -> dict[int, UserCounts]:
        return {
            i: UserCounts(
                sum(1 for _, followed in self.state.follows if followed == i),
                sum(1 for follower, _ in self.state.follows if follower == i),
                sum(1 for p in self.state.posts.values() if p.author_id == i),
            )
            for i in user_ids
        }


class FakeMicropostRepository:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def _present(self, row: PostRow) -> Micropost:
        users = self.state.users
        referenced = users[row.referenced_id].username if row.referenced_id is not None else None
        return Micropost(
            id=row.id,
            author_id=row.author_id,
            author=users[row.author_id].username,
            text=row.text,
            referenced=referenced,
            mentions=[users[i].username for i in row.mention_ids if i in users],
            timestamp=row.created_at,
            updated_at=row.updated_at,
            version=row.version,
        )

    def _page(self, rows: Iterable[PostRow], page: PageRequest) -> list[Micropost]:
        keyed = [(Keyset(r.created_at, r.id), r) for r in rows]
        kept = _newest_first(keyed, page)
        return [self._present(r) for r in kept if isinstance(r, PostRow)]

    def add(
        self,
        *,
        author: User,
        text: str,
        referenced: User | None,
        mentioned: Sequence[User],
        created_at: datetime,
    ) -> Micropost:
        self.state.last_post_id += 1
        row = PostRow(
            self.state.last_post_id,
            author.id,
            text,
            None if referenced is None else referenced.id,
            list(dict.fromkeys(user.id for user in mentioned)),
            _utc(created_at),
        )
        self.state.posts[row.id] = row
        return self._present(row)

    def get(self, micropost_id: int) -> Micropost | None:
        row = self.state.posts.get(micropost_id)
        return None if row is None else self._present(row)

    def list_by_author(self, author_id: int, page: PageRequest) -> list[Micropost]:
        rows = (r for r in self.state.posts.values() if r.author_id == author_id)
        return self._page(rows, page)

    def timeline(self, username: str, page: PageRequest) -> list[Micropost]:
        users = [
            u
            for u in self.state.users.values()
            if username_key(u.username) == username_key(username)
        ]
        if not users:
            return []
        user_id = users[0].id
        followed = {b for a, b in self.state.follows if a == user_id}
        rows = (
            r
            for r in self.state.posts.values()
            if r.author_id in followed or r.referenced_id == user_id or user_id in r.mention_ids
        )
        return self._page(rows, page)

    def search(
        self, text: str, page: PageRequest, *, username_prefix: str | None = None
    ) -> list[Micropost]:
        users = self.state.users
        rows = (
            r
            for r in self.state.posts.values()
            if text.lower() in r.text.lower()
            and (
                username_prefix is None
                or username_key(users[r.author_id].username).startswith(
                    username_key(username_prefix)
                )
            )
        )
        return self._page(rows, page)

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
        row = self.state.posts.get(micropost_id)
        if row is None or expected_version not in {None, row.version}:
            return False
        row.text, row.referenced_id, row.mention_ids = text, referenced_id, list(mention_ids)
        row.updated_at, row.version = _utc(updated_at), row.version + 1
        return True

    def delete(self, micropost_id: int, *, expected_version: int | None) -> bool:
        row = self.state.posts.get(micropost_id)
        if row is None or expected_version not in {None, row.version}:
            return False
        del self.state.posts[micropost_id]
        return True


class FakeFollowRepository:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def add(self, follower_id: int, followed_id: int, *, created_at: datetime) -> bool:
        if (follower_id, followed_id) in self.state.follows:
            return False
        self.state.follows[follower_id, followed_id] = _utc(created_at)
        return True

    def remove(self, follower_id: int, followed_id: int) -> None:
        self.state.follows.pop((follower_id, followed_id), None)

    def following(self, user_id: int, page: PageRequest) -> list[Follow]:
        edges = [(Keyset(t, b), b) for (a, b), t in self.state.follows.items() if a == user_id]
        return self._follows(edges, page)

    def followers(self, user_id: int, page: PageRequest) -> list[Follow]:
        edges = [(Keyset(t, a), a) for (a, b), t in self.state.follows.items() if b == user_id]
        return self._follows(edges, page)

    def _follows(self, edges: list[tuple[Keyset, int]], page: PageRequest) -> list[Follow]:
        keyed = [(key, Follow(self.state.users[other], key.at)) for key, other in edges]
        return [f for f in _newest_first(keyed, page) if isinstance(f, Follow)]


class FakeRevokedTokenRepository:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def revoke(self, jti: str, *, expires_at: datetime) -> None:
        self.state.revoked[jti] = _utc(expires_at)

    def is_revoked(self, jti: str) -> bool:
        return jti in self.state.revoked

    def purge_expired(self, now: datetime) -> int:
        expired = [jti for jti, at in self.state.revoked.items() if at < now]
        for jti in expired:
            del self.state.revoked[jti]
        return len(expired)


class FakeIdempotencyRepository:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def claim(self, record: IdempotencyRecord, *, wait: float) -> bool | None:
        if (record.scope, record.key) in self.state.idempotency:
            return False
        self.state.idempotency[record.scope, record.key] = replace(
            record, created_at=_utc(record.created_at)
        )
        return True

    def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        return self.state.idempotency.get((scope, key))

    def _claimed(self, scope: str, key: str, claimed_at: datetime) -> IdempotencyRecord | None:
        record = self.state.idempotency.get((scope, key))
        if record is None or record.state != "in_progress" or record.created_at != claimed_at:
            return None
        return record

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
        record = self._claimed(scope, key, claimed_at)
        if record is None:
            return False
        self.state.idempotency[scope, key] = replace(
            record, state="done", status_code=status_code, headers=headers, body=body
        )
        return True

    def delete(self, scope: str, key: str) -> None:
        self.state.idempotency.pop((scope, key), None)

    def purge_older_than(self, cutoff: datetime) -> int:
        old = [k for k, r in self.state.idempotency.items() if r.created_at < cutoff]
        for k in old:
            del self.state.idempotency[k]
        return len(old)


class FakeUnitOfWork:
    """Works on a copy of the database state; ``commit`` publishes it."""

    def __init__(self, database: FakeDatabase, *, read_only: bool = False) -> None:
        self.database = database
        self.read_only = read_only
        self._bind(copy.deepcopy(database.state))

    def _bind(self, state: FakeState) -> None:
        self.state = state
        self.users = FakeUserRepository(state)
        self.microposts = FakeMicropostRepository(state)
        self.follows = FakeFollowRepository(state)
        self.tokens = FakeRevokedTokenRepository(state)
        self.idempotency = FakeIdempotencyRepository(state)

    def __enter__(self) -> Self:
        self._bind(copy.deepcopy(self.database.state))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        if self.read_only:
            msg = "a read-only unit of work cannot commit"
            raise RuntimeError(msg)
        self.database.state = copy.deepcopy(self.state)
        self.database.commits += 1

    def rollback(self) -> None:
        self._bind(copy.deepcopy(self.database.state))

    def savepoint(self) -> FakeSavepoint:
        return FakeSavepoint(self, copy.deepcopy(self.state))


class FakeSavepoint:
    """Restores the unit of work's state as it was when the savepoint was taken."""

    def __init__(self, uow: FakeUnitOfWork, state: FakeState) -> None:
        self.uow = uow
        self.state = state

    def rollback(self) -> None:
        self.uow._bind(copy.deepcopy(self.state))


class FakeClock:
    """A clock that moves only when told; every reading is a tick later, to order writes."""

    def __init__(
        self, start: datetime | None = None, tick: timedelta = timedelta(seconds=1)
    ) -> None:
        self.now = start or datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
        self.tick = tick

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.tick
        return current

    def advance(self, delta: timedelta) -> None:
        self.now += delta
