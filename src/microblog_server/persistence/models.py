"""SQLAlchemy 2 table models; the rows, not the API representation.

No counts, usernames of authors or mentions lists are stored on a micropost: they are
derived from ``users``, ``follows`` and ``mentions`` when read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
)
from sqlalchemy import DateTime as SADateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ID_TYPE",
    "Base",
    "FollowRow",
    "IdempotencyKeyRow",
    "MentionRow",
    "MicropostRow",
    "RevokedTokenRow",
    "UTCDateTime",
    "UserRow",
]

# Stable constraint names, so migrations can address them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: The type of every id and every column referencing one: 64-bit, as the API's ids are
#: (up to 2**63 - 1). BIGINT on PostgreSQL (a BIGSERIAL primary key); exactly INTEGER on
#: SQLite, already 64-bit there, where only ``INTEGER PRIMARY KEY`` is the rowid that
#: AUTOINCREMENT needs.
ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back timezone-aware UTC.

    SQLite keeps no time zone; storing naive UTC everywhere keeps ordering and keyset
    comparisons right on every database.
    """

    impl = SADateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "timestamps must be timezone-aware"
            raise ValueError(msg)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Mark a stored naive UTC datetime as UTC."""
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """The declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy's API


class UserRow(Base):
    """A user; ``username_key`` is the lowercased username with the unique index."""

    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_created_at_id", "created_at", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(30))
    username_key: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    bio: Mapped[str] = mapped_column(String(500))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    tokens_valid_after: Mapped[datetime | None]
    kept_token: Mapped[str | None] = mapped_column(String(64))


class MicropostRow(Base):
    """A micropost; ``referenced_id`` is the optional addressee."""

    __tablename__ = "microposts"
    __table_args__ = (
        Index("ix_microposts_created_at_id", "created_at", "id"),
        Index("ix_microposts_author_created_at_id", "author_id", "created_at", "id"),
        Index("ix_microposts_referenced_created_at_id", "referenced_id", "created_at", "id"),
        CheckConstraint("length(text) BETWEEN 1 AND 255", name="text_length"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    author_id: Mapped[int] = mapped_column(ID_TYPE, ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(255))
    referenced_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class MentionRow(Base):
    """A user named as ``@username`` in a micropost's text."""

    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_user_id", "user_id"),)

    micropost_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("microposts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)


class FollowRow(Base):
    """``follower_id`` follows ``followed_id`` since ``created_at``."""

    __tablename__ = "follows"
    __table_args__ = (
        Index("ix_follows_follower_created_at", "follower_id", "created_at", "followed_id"),
        Index("ix_follows_followed_created_at", "followed_id", "created_at", "follower_id"),
        CheckConstraint("follower_id <> followed_id", name="not_self"),
    )

    follower_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    followed_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime]


class RevokedTokenRow(Base):
    """A token id revoked before its expiry; kept until it would have expired anyway."""

    __tablename__ = "revoked_tokens"
    __table_args__ = (Index("ix_revoked_tokens_expires_at", "expires_at"),)

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime]


class IdempotencyKeyRow(Base):
    """A request sent with an Idempotency-Key, and once done its stored response."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        Index("ix_idempotency_keys_created_at", "created_at"),
        CheckConstraint("state IN ('in_progress', 'done')", name="state"),
    )

    scope: Mapped[str] = mapped_column(String(255), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[list[list[str]]] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
