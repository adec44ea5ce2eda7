"""Follow edges in the ``follows`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from microblog_server.domain import Follow
from microblog_server.persistence.models import FollowRow, UserRow
from microblog_server.persistence.repositories.base import SqlAlchemyRepository, keyset_page
from microblog_server.persistence.repositories.users import user_from_row

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import InstrumentedAttribute

    from microblog_server.domain import Keyset

__all__ = ["SqlAlchemyFollowRepository"]


class SqlAlchemyFollowRepository(SqlAlchemyRepository[FollowRow]):
    """Who follows whom, since when."""

    row_type = FollowRow

    def add(self, follower_id: int, followed_id: int, *, created_at: datetime) -> bool:
        """Record the edge; ``False`` when it already existed."""
        if self._row(follower_id, followed_id) is not None:
            return False
        try:
            with self.session.begin_nested():
                self.session.add(
                    FollowRow(
                        follower_id=follower_id, followed_id=followed_id, created_at=created_at
                    )
                )
        except IntegrityError:  # a concurrent follow won the race
            return False
        return True

    def remove(self, follower_id: int, followed_id: int) -> None:
        """Forget the edge, if any."""
        self.session.execute(
            delete(FollowRow).where(
                FollowRow.follower_id == follower_id, FollowRow.followed_id == followed_id
            )
        )

    def following(
        self, user_id: int, *, after: Keyset | None, limit: int, before: Keyset | None = None
    ) -> list[Follow]:
        """Return the users ``user_id`` follows, newest follow first."""
        return self._list(
            FollowRow.follower_id,
            FollowRow.followed_id,
            user_id,
            after=after,
            before=before,
            limit=limit,
        )

    def followers(
        self, user_id: int, *, after: Keyset | None, limit: int, before: Keyset | None = None
    ) -> list[Follow]:
        """Return the users following ``user_id``, newest follow first."""
        return self._list(
            FollowRow.followed_id,
            FollowRow.follower_id,
            user_id,
            after=after,
            before=before,
            limit=limit,
        )

    def _list(
        self,
        this_side: InstrumentedAttribute[int],
        other_side: InstrumentedAttribute[int],
        user_id: int,
        *,
        after: Keyset | None,
        before: Keyset | None,
        limit: int,
    ) -> list[Follow]:
        query = (
            select(UserRow, FollowRow.created_at)
            .join(FollowRow, UserRow.id == other_side)
            .where(this_side == user_id)
        )
        rows = keyset_page(
            self.session.execute,
            query,
            FollowRow.created_at,
            other_side,
            after=after,
            before=before,
            limit=limit,
        )
        return [Follow(user_from_row(row), since) for row, since in rows]
