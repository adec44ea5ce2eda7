"""Follow edges in the ``follows`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.exc import IntegrityError

from microblog_server.domain import Follow
from microblog_server.persistence.models import FollowRow
from microblog_server.persistence.repositories.base import SqlAlchemyRepository, keyset_page
from microblog_server.persistence.repositories.users import USERS, user_from_row

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import ColumnElement

    from microblog_server.domain import PageRequest

__all__ = ["SqlAlchemyFollowRepository"]

_FOLLOWS = FollowRow.__table__
_INSERT_FOLLOW = insert(cast("Table", _FOLLOWS))


class SqlAlchemyFollowRepository(SqlAlchemyRepository[FollowRow]):
    """Who follows whom, since when."""

    row_type = FollowRow

    def add(self, follower_id: int, followed_id: int, *, created_at: datetime) -> bool:
        """Record the edge; ``False`` when it already existed."""
        if self._row(follower_id, followed_id) is not None:
            return False
        try:
            with self.writes.begin_nested():
                self.writes.execute(
                    _INSERT_FOLLOW,
                    {
                        "follower_id": follower_id,
                        "followed_id": followed_id,
                        "created_at": created_at,
                    },
                )
        except IntegrityError:  # a concurrent follow won the race
            return False
        return True

    def remove(self, follower_id: int, followed_id: int) -> None:
        """Forget the edge, if any."""
        self.writes.execute(
            delete(FollowRow).where(
                FollowRow.follower_id == follower_id, FollowRow.followed_id == followed_id
            )
        )

    def following(self, user_id: int, page: PageRequest) -> list[Follow]:
        """Return the users ``user_id`` follows, newest follow first."""
        return self._list(_FOLLOWS.c.follower_id, _FOLLOWS.c.followed_id, user_id, page)

    def followers(self, user_id: int, page: PageRequest) -> list[Follow]:
        """Return the users following ``user_id``, newest follow first."""
        return self._list(_FOLLOWS.c.followed_id, _FOLLOWS.c.follower_id, user_id, page)

    def _list(
        self,
        this_side: ColumnElement[int],
        other_side: ColumnElement[int],
        user_id: int,
        page: PageRequest,
    ) -> list[Follow]:
        query = (
            select(USERS, _FOLLOWS.c.created_at.label("since"))
            .join(_FOLLOWS, USERS.c.id == other_side)
            .where(this_side == user_id)
        )
        rows = keyset_page(self.execute, query, _FOLLOWS.c.created_at, other_side, page)
        return [Follow(user_from_row(row), row.since) for row in rows]
