"""Users in the ``users`` table, with counts derived from follows and microposts."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from microblog_server.domain import Conflict, User, UserCounts, username_key
from microblog_server.persistence.models import FollowRow, MentionRow, MicropostRow, UserRow
from microblog_server.persistence.repositories.base import (
    AnyRow,
    SqlAlchemyRepository,
    keyset_page,
    new_id,
)

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime

    from sqlalchemy.orm import InstrumentedAttribute

    from microblog_server.domain import PageRequest

__all__ = ["USERS", "SqlAlchemyUserRepository", "user_from_row"]


#: The users table, for the read queries (Core rows, no ORM objects to build).
USERS = UserRow.__table__
#: A user by ``username_key``: built once, not per request (nor its cache key).
_BY_USERNAME = select(USERS).where(USERS.c.username_key == bindparam("key"))
_INSERT_USER = insert(cast("Table", USERS))


def user_from_row(row: UserRow | AnyRow) -> User:
    """Return the domain user of an ORM row or of a Core row with the users' columns."""
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        bio=row.bio,
        created_at=row.created_at,
        version=row.version,
        password_hash=row.password_hash,
        tokens_valid_after=row.tokens_valid_after,
        kept_token=row.kept_token,
    )


class SqlAlchemyUserRepository(SqlAlchemyRepository[UserRow]):
    """Users in the ``users`` table."""

    row_type = UserRow

    def add(
        self,
        *,
        username: str,
        display_name: str,
        bio: str,
        password_hash: str,
        created_at: datetime,
    ) -> User:
        """Insert a user; raise ``Conflict`` when the username is taken."""
        values = {
            "username": username,
            "username_key": username_key(username),
            "display_name": display_name,
            "bio": bio,
            "password_hash": password_hash,
            "created_at": created_at,
            "version": 1,
            "tokens_valid_after": None,
            "kept_token": None,
        }
        try:
            with self.writes.begin_nested():
                result = self.writes.execute(_INSERT_USER, values)
        except IntegrityError as error:
            raise Conflict(f"username {username!r} is taken") from error
        user_id = new_id(result.inserted_primary_key)
        return User(
            id=user_id,
            username=username,
            display_name=display_name,
            bio=bio,
            created_at=created_at,
            version=1,
            password_hash=password_hash,
            tokens_valid_after=None,
            kept_token=None,
        )

    def get(self, user_id: int) -> User | None:
        """Return the user with this id, if any."""
        row = self._row(user_id)
        return None if row is None else user_from_row(row)

    def get_by_username(self, username: str) -> User | None:
        """Return the user with this username compared case-insensitively, if any."""
        row = self.execute(_BY_USERNAME, {"key": username_key(username)}).first()
        return None if row is None else user_from_row(row)

    def get_many_by_username(self, usernames: Collection[str]) -> dict[str, User]:
        """Return the existing users among these names, keyed by lowercased username."""
        keys = {username_key(name) for name in usernames}
        if not keys:
            return {}
        rows = self.execute(select(USERS).where(USERS.c.username_key.in_(keys)))
        return {row.username_key: user_from_row(row) for row in rows}

    def list(
        self,
        page: PageRequest,
        *,
        prefix: str | None = None,
    ) -> list[User]:
        """Return users newest first on (created_at, id), optionally by username prefix."""
        query = select(USERS)
        if prefix:
            query = query.where(
                USERS.c.username_key.startswith(username_key(prefix), autoescape=True)
            )
        rows = keyset_page(
            self.execute,
            query,
            USERS.c.created_at,
            USERS.c.id,
            page,
        )
        return [user_from_row(row) for row in rows]

    def update(self, user: User, *, expected_version: int | None) -> bool:
        """Compare-and-set the profile fields and the token cut-off; bump the version."""
        query = update(UserRow).where(UserRow.id == user.id)
        if expected_version is not None:
            query = query.where(UserRow.version == expected_version)
        result = self.writes.execute(
            query.values(
                display_name=user.display_name,
                bio=user.bio,
                password_hash=user.password_hash,
                tokens_valid_after=user.tokens_valid_after,
                kept_token=user.kept_token,
                version=UserRow.version + 1,
            ).execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    def delete(self, user_id: int) -> None:
        """Delete the user with their microposts, mentions and follows."""
        # Explicit, so the outcome does not hang on ON DELETE CASCADE being enforced.
        own = select(MicropostRow.id).where(MicropostRow.author_id == user_id)
        self.writes.execute(delete(MentionRow).where(MentionRow.micropost_id.in_(own)))
        self.writes.execute(delete(MentionRow).where(MentionRow.user_id == user_id))
        self.writes.execute(delete(MicropostRow).where(MicropostRow.author_id == user_id))
        self.writes.execute(
            update(MicropostRow)
            .where(MicropostRow.referenced_id == user_id)
            .values(referenced_id=None, version=MicropostRow.version + 1)
        )
        self.writes.execute(
            delete(FollowRow).where(
                or_(FollowRow.follower_id == user_id, FollowRow.followed_id == user_id)
            )
        )
        self.writes.execute(delete(UserRow).where(UserRow.id == user_id))

    def counts(self, user_ids: Collection[int]) -> dict[int, UserCounts]:
        """Return the derived counts of these users in three grouped queries."""
        ids = set(user_ids)
        if not ids:
            return {}
        followers = self._grouped(FollowRow.followed_id, ids)
        following = self._grouped(FollowRow.follower_id, ids)
        posts = self._grouped(MicropostRow.author_id, ids)
        return {
            user_id: UserCounts(
                followers.get(user_id, 0), following.get(user_id, 0), posts.get(user_id, 0)
            )
            for user_id in ids
        }

    def _grouped(self, column: InstrumentedAttribute[int], ids: set[int]) -> dict[int, int]:
        query = select(column, func.count()).where(column.in_(ids)).group_by(column)
        return dict(self.execute(query).all())
