"""Users: the :class:`User` resource and ``client.users``."""

from __future__ import annotations

from collections.abc import Mapping  # noqa: TC003 (typing.get_type_hints needs it at runtime)
from dataclasses import dataclass, field
from datetime import datetime  # noqa: TC003 (typing.get_type_hints needs it at runtime)
from typing import TYPE_CHECKING, Any, ClassVar

from microblog._errors import AuthenticationError
from microblog._resources import _base
from microblog._resources._paths import Route, route, username_of

if TYPE_CHECKING:
    from microblog._pagination import Pager
    from microblog._resources._base import Requester
    from microblog._resources.micropost import Micropost


_REAUTHENTICATE = "reauthentication_required"


def _fresh_login_needed(error: AuthenticationError, *, can_login: bool) -> AuthenticationError:
    """The service's ``reauthentication_required``, saying what the caller can do about it."""
    if can_login:
        detail = (
            "the service asks for a fresh login to delete the account, and refused the one"
            " this client just made"
        )
    else:
        detail = (
            "deleting an account needs a fresh login (a token from a password login in the"
            " last minutes): make a client with username= and password=, or log in again"
            " for a new token"
        )
    return AuthenticationError(
        status_code=error.status_code,
        code=error.code,
        title=error.title,
        detail=detail,
        request_id=error.request_id,
        errors=error.errors,
        headers=error.headers,
        response=error.response,
    )


@dataclass(slots=True, repr=False, eq=False, kw_only=True)
class User(_base.Resource):
    """A user of the service.

    ``display_name`` and ``bio`` are editable (assign, then :meth:`save`); the password is
    changed with :meth:`set_password`. Every other field is read-only. Members the service
    sends that this version does not know are kept in ``extra``.

    A user named without being fetched (``client.users.get("bob", lazy=True)``, or a
    micropost's ``author``) is *lazy*: its username costs nothing, and the first access
    to any other field loads it with one ``GET``.

    Two users are equal when they have the same ``username`` (the same account),
    whatever their field values: an edited, unsaved copy stays equal to the original,
    and both hash alike. ``repr`` shows unsaved edits. Copies (``copy.deepcopy``,
    ``pickle``) are detached from the client.
    """

    username: str
    display_name: str | None = None
    bio: str | None = None
    created_at: datetime | None = None
    followers_count: int | None = None
    following_count: int | None = None
    microposts_count: int | None = None
    href: str | None = None
    collection: str | None = None
    timeline_url: str | None = None
    following_url: str | None = None
    followers_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    _EDITABLE: ClassVar[tuple[str, ...]] = ("display_name", "bio")
    _CONVERTERS: ClassVar[Mapping[str, _base.Converter]] = {
        "username": _base.as_str,
        "display_name": _base.as_optional_str,
        "bio": _base.as_optional_str,
        "created_at": _base.as_time,
        "followers_count": _base.as_optional_int,
        "following_count": _base.as_optional_int,
        "microposts_count": _base.as_optional_int,
        "href": _base.as_optional_str,
        "collection": _base.as_optional_str,
    }
    # JSON members whose names are taken by the methods below.
    _RENAMED: ClassVar[Mapping[str, str]] = {
        "timeline": "timeline_url",
        "following": "following_url",
        "followers": "followers_url",
    }

    @classmethod
    def _lazy(cls, client: Requester | None, username: str) -> User:
        """Name a user without fetching it: only ``username`` is set until first use."""
        user = cls.__new__(cls)
        object.__setattr__(user, "username", username)
        object.__setattr__(user, "_client", client)
        object.__setattr__(user, "_etag", None)
        object.__setattr__(user, "_related", {})
        object.__setattr__(user, "_snapshot", {})
        object.__setattr__(user, "_loaded", False)
        return user

    def _apply(self, data: object, etag: str | None) -> None:
        body = dict(_base.as_object(data, "User"))
        links = {new: body.pop(old, None) for old, new in self._RENAMED.items()}
        super(User, self)._apply(body, etag)
        for name, value in links.items():
            object.__setattr__(self, name, _base.as_optional_str(value, f"User.{name}"))

    def _path(self) -> Route:
        return route("/users/{username}", username=self.username)

    # -- actions -----------------------------------------------------------------------
    def set_password(self, password: str, *, current_password: str) -> None:
        """Change this user's password (the caller's own only; ``PATCH`` with ``If-Match``).

        The service asks for the current password too, so a stolen token alone cannot
        take the account over. A client that logged in with this user's password uses
        the new one for its later logins. The service revokes the user's other tokens.

        Args:
            password: The new password (the service's rules apply: 8-128 characters).
            current_password: The password in use now.

        Raises:
            ValueError: when either password is not a string, before any request.
            microblog.PermissionDeniedError: ``current_password`` is wrong (code
                ``wrong_password``), or this is another user's account.
            microblog.ValidationError: the service refused the new password.
        """
        if not isinstance(password, str) or not isinstance(current_password, str):
            raise ValueError("password and current_password must be strings")
        self._patch({"password": password, "current_password": current_password}, self._etag)
        self._client_or_raise()._password_changed(self.username, password)

    def delete(self, *, if_match: str | None = None) -> None:
        """Delete this account (the caller's own; ``DELETE`` with ``If-Match``).

        The service accepts it only from a recent password login. A client holding the
        password logs in again once when the service asks for that
        (``reauthentication_required``) and repeats the call; a client holding only a
        token gets :class:`~microblog.AuthenticationError` saying a fresh login is needed.

        Args:
            if_match: The ETag of the version the caller decided on (see
                :meth:`~microblog.User.save`); default: the one this user was loaded with.

        Raises:
            microblog.AuthenticationError: a fresh login is needed (code
                ``reauthentication_required``), or the token is not valid.
            microblog.PreconditionFailedError: the user changed since it was loaded.
        """
        try:
            super(User, self).delete(if_match=if_match)
        except AuthenticationError as error:
            if error.code != _REAUTHENTICATE:
                raise
            can_login = self._client_or_raise()._username is not None
            raise _fresh_login_needed(error, can_login=can_login) from None

    def follow(self, user: User | str | None = None) -> None:
        """Follow someone: ``bob.follow()`` (the caller follows bob) or ``me.follow("bob")``.

        Args:
            user: Whom this user (who must be the caller) follows; ``None``: the caller
                follows this user.
        """
        follower, followed = self._pair(user)
        client = self._client_or_raise()
        path, template = route("/users/{username}/following", "user.follow", username=follower)
        client._request("POST", path, json={"username": followed}, template=template)

    def unfollow(self, user: User | str | None = None) -> None:
        """Stop following: ``bob.unfollow()`` or ``me.unfollow("bob")`` (see :meth:`follow`)."""
        follower, followed = self._pair(user)
        path, template = route(
            "/users/{username}/following/{followed}",
            "user.unfollow",
            username=follower,
            followed=followed,
        )
        self._client_or_raise()._request("DELETE", path, template=template)

    def _pair(self, user: User | str | None) -> tuple[str, str]:
        client = self._client_or_raise()
        if user is None:
            return client.users._caller(), self.username
        return username_of(self.username), username_of(user)

    def followers(
        self, *, size: int | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Pager[User]:
        """The users who follow this user, newest first."""
        return self._users_pager("followers", size=size, limit=limit, cursor=cursor)

    def following(
        self, *, size: int | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Pager[User]:
        """The users this user follows, newest first."""
        return self._users_pager("following", size=size, limit=limit, cursor=cursor)

    def microposts(
        self, *, size: int | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Pager[Micropost]:
        """This user's microposts, newest first."""
        client = self._client_or_raise()
        return client.microposts.list(self, size=size, limit=limit, cursor=cursor)

    def timeline(
        self, *, size: int | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Pager[Micropost]:
        """This user's timeline: posts of the users they follow and posts naming them."""
        client = self._client_or_raise()
        return client.microposts._timeline_of(self, size=size, limit=limit, cursor=cursor)

    def _users_pager(
        self, which: str, *, size: int | None, limit: int | None, cursor: str | None
    ) -> Pager[User]:
        client = self._client_or_raise()
        listing = route(
            f"/users/{{username}}/{which}", f"user.{which}", username=username_of(self.username)
        )
        return User._pager(client, listing, size=size, limit=limit, cursor=cursor)

    # -- identity ----------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"<User {self.username}{self._unsaved()}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, User):
            return NotImplemented
        return self.username == other.username

    def __hash__(self) -> int:
        return hash((User, self.username))


class UserManager:
    """``client.users``: sign up, look up and list users.

    Wherever a user is named, a :class:`User` or a username is accepted. A username that
    could change the request's path raises :class:`ValueError` before any request; every
    other rule is the service's.
    """

    __slots__ = ("_client", "_me")

    def __init__(self, client: Requester) -> None:
        self._client = client
        self._me: str | None = None

    def create(
        self,
        *,
        username: str,
        password: str,
        display_name: str | None = None,
        bio: str | None = None,
    ) -> User:
        """Sign up a new user (no authentication needed).

        Raises:
            ValueError: a username that is not a string, before any request.
            microblog.ValidationError: the service refused a field (``errors`` says which).
            microblog.ConflictError: the username is taken.
        """
        if not isinstance(username, str):
            raise ValueError(f"not a username: {username!r} (a string)")
        body = {"username": username, "password": password}
        body |= {k: v for k, v in (("display_name", display_name), ("bio", bio)) if v is not None}
        path, template = route("/users", "users.create")
        response = self._client._request("POST", path, json=body, template=template)
        return User._from_response(self._client, response)

    def get(self, user: User | str, *, lazy: bool = False) -> User:
        """Fetch a user by username (or refetch a :class:`User`).

        Args:
            user: The user or their username.
            lazy: Return at once, without a request; the first access to a field other
                than ``username`` fetches it.
        """
        username = username_of(user)
        if lazy:
            return User._lazy(self._client, username)
        path, template = route("/users/{username}", "users.get", username=username)
        response = self._client._request("GET", path, template=template)
        return User._from_response(self._client, response)

    def me(self) -> User:
        """Fetch the caller (``GET /api/v1/me``)."""
        path, template = route("/me", "users.me")
        me = User._from_response(
            self._client, self._client._request("GET", path, template=template)
        )
        self._me = me.username
        return me

    def list(
        self,
        q: str | None = None,
        *,
        size: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Pager[User]:
        """All users, or those whose username starts with ``q``; lazy over every page."""
        params = {"q": q} if q else None
        return User._pager(
            self._client,
            route("/users", "users.list"),
            params=params,
            size=size,
            limit=limit,
            cursor=cursor,
        )

    def _caller(self) -> str:
        """The caller's username: known from the login, else one ``GET /me``, remembered."""
        known = self._client._username or self._me
        return known if known is not None else self.me().username

    def __repr__(self) -> str:
        return "<UserManager>"
