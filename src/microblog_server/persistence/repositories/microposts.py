"""Microposts and their mentions in the ``microposts`` and ``mentions`` tables."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select, update

from microblog_server.domain import Micropost, username_key
from microblog_server.persistence.models import FollowRow, MentionRow, MicropostRow, UserRow
from microblog_server.persistence.repositories.base import SqlAlchemyRepository, keyset_page

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy import Select

    from microblog_server.domain import Keyset

__all__ = ["SqlAlchemyMicropostRepository"]


class SqlAlchemyMicropostRepository(SqlAlchemyRepository[MicropostRow]):
    """Microposts and their mentions in ``microposts`` and ``mentions``."""

    row_type = MicropostRow

    def add(
        self,
        *,
        author_id: int,
        text: str,
        referenced_id: int | None,
        mention_ids: Sequence[int],
        created_at: datetime,
    ) -> Micropost:
        """Insert a micropost and its mentions."""
        row = MicropostRow(
            author_id=author_id,
            text=text,
            referenced_id=referenced_id,
            created_at=created_at,
            updated_at=None,
            version=1,
        )
        self.session.add(row)
        self.session.flush()
        self._write_mentions(row.id, mention_ids)
        return self._present([row])[0]

    def get(self, micropost_id: int) -> Micropost | None:
        """Return the micropost with this id, if any."""
        row = self._row(micropost_id)
        return None if row is None else self._present([row])[0]

    def list_by_author(
        self,
        author_id: int,
        *,
        after: Keyset | None,
        limit: int,
        before: Keyset | None = None,
    ) -> list[Micropost]:
        """Return one author's microposts newest first on (timestamp, id)."""
        return self._page(
            select(MicropostRow).where(MicropostRow.author_id == author_id), after, before, limit
        )

    def timeline(
        self, user_id: int, *, after: Keyset | None, limit: int, before: Keyset | None = None
    ) -> list[Micropost]:
        """Return, once each, microposts of followed users or referencing/mentioning the user."""
        followed = select(FollowRow.followed_id).where(FollowRow.follower_id == user_id)
        mentioning = select(MentionRow.micropost_id).where(MentionRow.user_id == user_id)
        query = select(MicropostRow).where(
            or_(
                MicropostRow.author_id.in_(followed),
                MicropostRow.referenced_id == user_id,
                MicropostRow.id.in_(mentioning),
            )
        )
        return self._page(query, after, before, limit)

    def search(
        self,
        text: str,
        *,
        username_prefix: str | None,
        after: Keyset | None,
        limit: int,
        before: Keyset | None = None,
    ) -> list[Micropost]:
        """Return microposts containing ``text`` ignoring case, optionally by author prefix."""
        query = select(MicropostRow).where(
            func.lower(MicropostRow.text).contains(text.lower(), autoescape=True)
        )
        if username_prefix:
            authors = select(UserRow.id).where(
                UserRow.username_key.startswith(username_key(username_prefix), autoescape=True)
            )
            query = query.where(MicropostRow.author_id.in_(authors))
        return self._page(query, after, before, limit)

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
        """Compare-and-set text and addressee, rewrite mentions, bump the version."""
        query = update(MicropostRow).where(MicropostRow.id == micropost_id)
        if expected_version is not None:
            query = query.where(MicropostRow.version == expected_version)
        result = self.session.execute(
            query.values(
                text=text,
                referenced_id=referenced_id,
                updated_at=updated_at,
                version=MicropostRow.version + 1,
            ).execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        self.session.execute(delete(MentionRow).where(MentionRow.micropost_id == micropost_id))
        self._write_mentions(micropost_id, mention_ids)
        self.session.expire_all()
        return True

    def delete(self, micropost_id: int, *, expected_version: int | None) -> bool:
        """Delete a micropost and its mentions (compare-and-set on the version)."""
        query = delete(MicropostRow).where(MicropostRow.id == micropost_id)
        if expected_version is not None:
            query = query.where(MicropostRow.version == expected_version)
        self.session.execute(delete(MentionRow).where(MentionRow.micropost_id == micropost_id))
        result = self.session.execute(query.execution_options(synchronize_session=False))
        self.session.expire_all()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _write_mentions(self, micropost_id: int, mention_ids: Sequence[int]) -> None:
        self.session.add_all(
            MentionRow(micropost_id=micropost_id, user_id=user_id, position=position)
            for position, user_id in enumerate(dict.fromkeys(mention_ids))
        )
        self.session.flush()

    def _page(
        self, query: Select[Any], after: Keyset | None, before: Keyset | None, limit: int
    ) -> list[Micropost]:
        rows: list[MicropostRow] = keyset_page(
            self.session.scalars,
            query,
            MicropostRow.created_at,
            MicropostRow.id,
            after=after,
            before=before,
            limit=limit,
        )
        return self._present(rows)

    def _present(self, rows: list[MicropostRow]) -> list[Micropost]:
        """Resolve authors, addressees and mentions of a page in two queries."""
        if not rows:
            return []
        post_ids = [row.id for row in rows]
        user_ids = {row.author_id for row in rows} | {
            row.referenced_id for row in rows if row.referenced_id is not None
        }
        mentions: dict[int, list[str]] = defaultdict(list)
        mention_query = (
            select(MentionRow.micropost_id, UserRow.username)
            .join(UserRow, UserRow.id == MentionRow.user_id)
            .where(MentionRow.micropost_id.in_(post_ids))
            .order_by(MentionRow.micropost_id, MentionRow.position)
        )
        for post_id, username in self.session.execute(mention_query):
            mentions[post_id].append(username)
        names = dict(
            self.session.execute(
                select(UserRow.id, UserRow.username).where(UserRow.id.in_(user_ids))
            ).all()
        )
        return [
            Micropost(
                id=row.id,
                author_id=row.author_id,
                author=names[row.author_id],
                text=row.text,
                referenced=None if row.referenced_id is None else names.get(row.referenced_id),
                mentions=mentions.get(row.id, []),
                timestamp=row.created_at,
                updated_at=row.updated_at,
                version=row.version,
            )
            for row in rows
        ]
