"""The microblog's entities: plain dataclasses, no behaviour tied to storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "Follow",
    "IdempotencyRecord",
    "IdempotencyState",
    "IssuedToken",
    "Micropost",
    "MicropostDraft",
    "User",
    "UserCounts",
    "UserView",
]

IdempotencyState = Literal["in_progress", "done"]


@dataclass(frozen=True, slots=True)
class User:
    """A registered user.

    Attributes:
        id: Surrogate key; never reused.
        username: The spelling chosen at sign-up (unique case-insensitively).
        display_name: Free text shown instead of the username.
        bio: Free text about the user.
        created_at: Sign-up time (UTC).
        version: Bumped on every write; the API derives the ETag from it.
        password_hash: The Argon2 hash; never leaves the service layer in a response.
        tokens_valid_after: Set by a password change: tokens issued at or before it no
            longer authenticate, except ``kept_token``.
        kept_token: The SHA-256 digest (hex) of the token that changed the password,
            which keeps working.
    """

    id: int
    username: str
    display_name: str
    bio: str
    created_at: datetime
    version: int
    password_hash: str = field(repr=False)
    tokens_valid_after: datetime | None = None
    kept_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class UserCounts:
    """Counts derived from the follows and microposts of one user."""

    followers_count: int = 0
    following_count: int = 0
    microposts_count: int = 0


@dataclass(frozen=True, slots=True)
class UserView:
    """A user with the counts the API shows next to it.

    Attributes:
        user: The user.
        followers_count: How many users follow them.
        following_count: How many users they follow.
        microposts_count: How many microposts they wrote.
    """

    user: User
    followers_count: int
    following_count: int
    microposts_count: int


@dataclass(frozen=True, slots=True)
class Micropost:
    """A micropost as the service presents it.

    Attributes:
        id: Surrogate key; never reused.
        author_id: The author's user id.
        author: The author's username.
        text: 1-255 characters.
        referenced: The addressee's username, or ``None``.
        mentions: Usernames of existing users named as ``@username`` in the text, in order
            of first appearance, spelled as the users registered them.
        timestamp: Creation time (UTC).
        updated_at: Time of the last edit, or ``None`` if never edited.
        version: Bumped on every write; the API derives the ETag from it.
    """

    id: int
    author_id: int
    author: str
    text: str
    referenced: str | None
    mentions: list[str]
    timestamp: datetime
    updated_at: datetime | None
    version: int


@dataclass(frozen=True, slots=True)
class MicropostDraft:
    """The input of a new micropost (one item of a batch, or a single create).

    Attributes:
        text: The text; validated by the service.
        referenced: Username of the addressee, or ``None``.
    """

    text: str
    referenced: str | None = None


@dataclass(frozen=True, slots=True)
class Follow:
    """One side of a follow edge, as a list of following/followers shows it.

    Attributes:
        user: The other user (the followed one in "following", the follower in "followers").
        since: When the follow began; the list's sort key together with ``user.id``.
    """

    user: User
    since: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An access token returned by a login.

    Attributes:
        access_token: The bearer token (a signed JWT).
        expires_in: Lifetime in seconds.
        token_type: Always ``"bearer"``.
    """

    access_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 - a token type, not a secret


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The stored outcome (or pending state) of a request sent with an Idempotency-Key.

    Attributes:
        scope: Who sent it (a user, or a client address when anonymous).
        key: The client's Idempotency-Key.
        fingerprint: A digest of the request (method, path, body) to detect a reused key.
        state: ``"in_progress"`` until the response is stored, then ``"done"``.
        status_code: The stored response status (``None`` while in progress).
        headers: The stored response headers, in order (may repeat names).
        body: The stored response body.
        created_at: When the request holding the key claimed it (the first one, or the
            one that took an abandoned claim over); records expire 24 hours later.
    """

    scope: str
    key: str
    fingerprint: str
    state: IdempotencyState
    status_code: int | None
    headers: list[tuple[str, str]]
    body: bytes
    created_at: datetime
