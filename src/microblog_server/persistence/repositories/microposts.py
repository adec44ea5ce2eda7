"""Microposts and their mentions in the ``microposts`` and ``mentions`` tables."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, cast

from sqlalchemy import bindparam, delete, insert, or_, select, update

from microblog_server.domain import Micropost, username_key
from microblog_server.persistence.models import FollowRow, MentionRow, MicropostRow
from microblog_server.persistence.repositories.base import (
    AnyRow,
    KeysetQuery,
    SqlAlchemyRepository,
    new_id,
)
from microblog_server.persistence.repositories.users import USERS
from microblog_server.persistence.text_fold import unicode_lower

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy import Table

    from microblog_server.domain import PageRequest, User

__all__ = ["SqlAlchemyMicropostRepository"]

_POSTS = MicropostRow.__table__
_MENTIONS = MentionRow.__table__
_AUTHOR = USERS.alias("author")
_ADDRESSEE = USERS.alias("addressee")

#: A micropost with its author's and addressee's usernames: what every read starts from.
#: Core rows, not ORM objects: reads are the hot path and need no identity map.
_VIEW = (
    select(
        _POSTS.c.id,
        _POSTS.c.author_id,
        _AUTHOR.c.username.label("author"),
        _POSTS.c.text,
        _ADDRESSEE.c.username.label("referenced"),
        _POSTS.c.created_at,
        _POSTS.c.updated_at,
        _POSTS.c.version,
    )
    .join_from(_POSTS, _AUTHOR, _AUTHOR.c.id == _POSTS.c.author_id)
    .outerjoin(_ADDRESSEE, _ADDRESSEE.c.id == _POSTS.c.referenced_id)
)
# Ids reach us from URLs, up to 2**63 - 1: the id columns are 64-bit on every database
# (BIGINT on PostgreSQL), so an id no row has is simply not found.
_BY_ID = _VIEW.where(_POSTS.c.id == bindparam("id"))
# Of the tables, not the mapped classes: Core inserts, without the ORM's bulk machinery.
_INSERT_POST = insert(cast("Table", _POSTS))
_INSERT_MENTION = insert(cast("Table", _MENTIONS))
_FOLLOWS = FollowRow.__table__
#: One author's microposts (``author_id``).
_BY_AUTHOR = KeysetQuery(
    _VIEW.where(_POSTS.c.author_id == bindparam("author_id")), _POSTS.c.created_at, _POSTS.c.id
)
#: The id of the user whose ``username_key`` is bound as ``key`` (NULL if none).
_USER_ID = select(USERS.c.id).where(USERS.c.username_key == bindparam("key")).scalar_subquery()
#: A user's timeline (the user's ``key``): microposts of the users followed, and those that
#: reference or mention the user. By name, so that a request needs no look-up of the user
#: first: an unknown name matches nothing.
_TIMELINE = KeysetQuery(
    _VIEW.where(
        or_(
            _POSTS.c.author_id.in_(
                select(_FOLLOWS.c.followed_id).where(_FOLLOWS.c.follower_id == _USER_ID)
            ),
            _POSTS.c.referenced_id == _USER_ID,
            _POSTS.c.id.in_(
                select(_MENTIONS.c.micropost_id).where(_MENTIONS.c.user_id == _USER_ID)
            ),
        )
    ),
    _POSTS.c.created_at,
    _POSTS.c.id,
)
_MENTIONED = (
    select(_MENTIONS.c.micropost_id, USERS.c.username)
    .join(USERS, USERS.c.id == _MENTIONS.c.user_id)
    .where(_MENTIONS.c.micropost_id.in_(bindparam("ids", expanding=True)))
    .order_by(_MENTIONS.c.micropost_id, _MENTIONS.c.position)
)


class SqlAlchemyMicropostRepository(SqlAlchemyRepository[MicropostRow]):
    """Microposts and their mentions in ``microposts`` and ``mentions``."""

    row_type = MicropostRow

    def add(
        self,
        *,
        author: User,
        text: str,
        referenced: User | None,
        mentioned: Sequence[User],
        created_at: datetime,
    ) -> Micropost:
        """Insert a micropost and its mentions; the usernames are the users' as given.

        Core inserts, not ORM objects and a flush; and the micropost is built from what
        was written and the users given, not read back (with its author) per micropost.
        """
        values = {
            "author_id": author.id,
            "text": text,
            "referenced_id": None if referenced is None else referenced.id,
            "created_at": created_at,
            "updated_at": None,
            "version": 1,
        }
        result = self.writes.execute(_INSERT_POST, values)
        micropost_id = new_id(result.inserted_primary_key)
        kept = list({user.id: user for user in mentioned}.values())  # first appearance
        self._write_mentions(micropost_id, [user.id for user in kept])
        return Micropost(
            id=micropost_id,
            author_id=author.id,
            author=author.username,
            text=text,
            referenced=None if referenced is None else referenced.username,
            mentions=[user.username for user in kept],
            timestamp=created_at,
            updated_at=None,
            version=1,
        )

    def get(self, micropost_id: int) -> Micropost | None:
        """Return the micropost with this id, if any."""
        row = self.execute(_BY_ID, {"id": micropost_id}).first()
        return None if row is None else self._present([row])[0]

    def list_by_author(
        self,
        author_id: int,
        page: PageRequest,
    ) -> list[Micropost]:
        """Return one author's microposts newest first on (timestamp, id)."""
        return self._present(_BY_AUTHOR.page(self.execute, page, {"author_id": author_id}))

    def timeline(self, username: str, page: PageRequest) -> list[Micropost]:
        """Return, once each, microposts of followed users or referencing/mentioning the user."""
        key = username_key(username)
        return self._present(_TIMELINE.page(self.execute, page, {"key": key}))

    def search(
        self, text: str, page: PageRequest, *, username_prefix: str | None = None
    ) -> list[Micropost]:
        """Return microposts containing ``text`` ignoring case, optionally by author prefix."""
        query = _VIEW.where(unicode_lower(_POSTS.c.text).contains(text.lower(), autoescape=True))
        if username_prefix:
            authors = select(USERS.c.id).where(
                USERS.c.username_key.startswith(username_key(username_prefix), autoescape=True)
            )
            query = query.where(_POSTS.c.author_id.in_(authors))
        # Built per request: the search text is part of the statement (autoescape).
        rows = KeysetQuery(query, _POSTS.c.created_at, _POSTS.c.id).page(self.execute, page)
        return self._present(rows)

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
        result = self.writes.execute(
            query.values(
                text=text,
                referenced_id=referenced_id,
                updated_at=updated_at,
                version=MicropostRow.version + 1,
            ).execution_options(synchronize_session=False)
        )
        if not result.rowcount:
            return False
        self.writes.execute(delete(MentionRow).where(MentionRow.micropost_id == micropost_id))
        self._write_mentions(micropost_id, mention_ids)
        return True

    def delete(self, micropost_id: int, *, expected_version: int | None) -> bool:
        """Delete a micropost and its mentions (compare-and-set on the version)."""
        query = delete(MicropostRow).where(MicropostRow.id == micropost_id)
        if expected_version is not None:
            query = query.where(MicropostRow.version == expected_version)
        self.writes.execute(delete(MentionRow).where(MentionRow.micropost_id == micropost_id))
        result = self.writes.execute(query.execution_options(synchronize_session=False))
        return bool(result.rowcount)

    def _write_mentions(self, micropost_id: int, mention_ids: Sequence[int]) -> None:
        rows = [
            {"micropost_id": micropost_id, "user_id": user_id, "position": position}
            for position, user_id in enumerate(dict.fromkeys(mention_ids))
        ]
        if rows:
            self.writes.execute(_INSERT_MENTION, rows)

    def _present(self, rows: Sequence[AnyRow]) -> list[Micropost]:
        """Add the mentions to rows of :data:`_VIEW` (one more query for a whole page).

        Rows are unpacked by position, in :data:`_VIEW`'s column order: a row's attribute
        look-up by name costs SQLAlchemy about 0.3 µs a column, a page of 20 most of 60 µs.
        """
        if not rows:
            return []
        mentions: dict[int, list[str]] = defaultdict(list)
        # Mentions are stored from the text's "@username" words (and rewritten with it):
        # a text without "@" has none, and a page of such texts needs no query for them.
        values = [tuple(row) for row in rows]
        mentioning = [row[0] for row in values if "@" in row[3]]
        if mentioning:
            for post_id, username in self.execute(_MENTIONED, {"ids": mentioning}):
                mentions[post_id].append(username)
        return [
            Micropost(
                id=id_,
                author_id=author_id,
                author=author,
                text=text,
                referenced=referenced,
                mentions=mentions.get(id_, []),
                timestamp=created_at,
                updated_at=updated_at,
                version=version,
            )
            for id_, author_id, author, text, referenced, created_at, updated_at, version in values
        ]
