"""The resources: :class:`User` and :class:`Micropost`, and the naming of each in a path.

The two are one module because each names the other: a user lists their microposts
(``Pager[Micropost]``), a micropost's ``author`` is a :class:`User`. The managers
(``client.users``, ``client.microposts``) build on them from their own modules.
"""

from __future__ import annotations

from collections.abc import Mapping  # noqa: TC003 (typing.get_type_hints needs it at runtime)
from dataclasses import dataclass, field
from datetime import datetime  # noqa: TC003 (typing.get_type_hints needs it at runtime)
from typing import TYPE_CHECKING, Any, ClassVar

from microblog._errors import AuthenticationError
from microblog._resources import _base, _json
from microblog._resources._paths import DIGITS, MAX_ID, PATH_CHANGING, Route, route

if TYPE_CHECKING:
    from microblog._pagination import Pager
    from microblog._resources._base import Requester


def username_of(value: User | str) -> str:
    """Return the username a caller means by a :class:`User` or a username.

    Raises:
        ValueError: when the value is not a user or a string, or would change the path
            (empty, ``.``, ``..``, or containing ``/``). Other rules are the service's.
    """
    name = value.username if isinstance(value, User) else value
    if not isinstance(name, str) or name in PATH_CHANGING or "/" in name:
        raise ValueError(f"not a username: {name!r} (a string naming one path segment)")
    return name


def micropost_id_of(value: Micropost | int | str) -> int:
    """Return the micropost id a caller means by a :class:`Micropost`, an int or digits.

    Raises:
        ValueError: when the value is not a micropost or a positive id (``bool`` is not an id).
    """
    ident = value.id if isinstance(value, Micropost) else value
    if isinstance(ident, str) and DIGITS.fullmatch(ident):
        ident = int(ident)
    if isinstance(ident, bool) or not isinstance(ident, int) or not 1 <= ident <= MAX_ID:
        raise ValueError(f"not a micropost id: {ident!r} (a positive integer)")
    return ident


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
        "username": _json.as_str,
        "display_name": _json.as_optional_str,
        "bio": _json.as_optional_str,
        "created_at": _json.as_time,
        "followers_count": _json.as_optional_int,
        "following_count": _json.as_optional_int,
        "microposts_count": _json.as_optional_int,
        "href": _json.as_optional_str,
        "collection": _json.as_optional_str,
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
        body = dict(_json.as_object(data, "User"))
        links = {new: body.pop(old, None) for old, new in self._RENAMED.items()}
        super(User, self)._apply(body, etag)
        for name, value in links.items():
            object.__setattr__(self, name, _json.as_optional_str(value, f"User.{name}"))

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
            return client._caller(), self.username
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
        return posts_of(client, username_of(self), size=size, limit=limit, cursor=cursor)

    def timeline(
        self, *, size: int | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Pager[Micropost]:
        """This user's timeline: posts of the users they follow and posts naming them."""
        client = self._client_or_raise()
        return timeline_of(client, username_of(self), size=size, limit=limit, cursor=cursor)

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


_REPR_TEXT = 22


def _mentions(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _json.malformed(what, value)
    return tuple(_json.as_str(name, what) for name in value)


@dataclass(slots=True, repr=False, eq=False, kw_only=True)
class Micropost(_base.Resource):
    """A micropost: up to 255 characters, optionally addressed to (``referenced``) a user.

    ``text`` and ``referenced`` are editable (assign, then :meth:`save`); every other
    field is read-only. ``user`` and ``referenced`` are plain usernames; :attr:`author`
    and :attr:`referenced_user` are the same people as lazy :class:`User` objects.

    Two microposts are equal when they have the same ``id`` (the same post on the
    service), whatever their field values: an edited, unsaved copy stays equal to the
    original, and both hash alike. ``repr`` shows unsaved edits. Copies
    (``copy.deepcopy``, ``pickle``) are detached from the client: see
    :meth:`~microblog.Micropost.to_dict` for a JSON export.
    """

    id: int
    user: str
    text: str
    referenced: str | None = None
    mentions: tuple[str, ...] = ()
    timestamp: datetime | None = None
    updated_at: datetime | None = None
    href: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    _EDITABLE: ClassVar[tuple[str, ...]] = ("text", "referenced")
    _CONVERTERS: ClassVar[Mapping[str, _base.Converter]] = {
        "id": _json.as_int,
        "user": _json.as_str,
        "text": _json.as_str,
        "referenced": _json.as_optional_str,
        "mentions": _mentions,
        "timestamp": _json.as_time,
        "updated_at": _json.as_time,
        "href": _json.as_optional_str,
    }

    def _path(self) -> Route:
        return route(
            "/users/{username}/collection/{id}",
            username=username_of(self.user),
            id=micropost_id_of(self.id),
        )

    @property
    def author(self) -> User:
        """The author as a lazy :class:`User` (a field other than ``username`` costs one GET)."""
        return self._user_named(self.user)

    @property
    def referenced_user(self) -> User | None:
        """The referenced user as a lazy :class:`User`, or ``None``."""
        return None if self.referenced is None else self._user_named(self.referenced)

    def _user_named(self, username: str) -> User:
        cached = self._related.get(username)
        if cached is None:
            # A hand-built or copied micropost has no client: its author's username still
            # costs nothing; another field of the author then says what is missing.
            cached = self._related[username] = User._lazy(self._client, username)
        return cached

    def __repr__(self) -> str:
        text = self.text
        if len(text) > _REPR_TEXT:
            text = text[:_REPR_TEXT].rstrip() + "…"
        return f"<Micropost {self.id} by {self.user}: {text!r}{self._unsaved()}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Micropost):
            return NotImplemented
        return self.id == other.id

    def __hash__(self) -> int:
        return hash((Micropost, self.id))


def posts_of(
    client: Requester, username: str, *, size: int | None, limit: int | None, cursor: str | None
) -> Pager[Micropost]:
    """The microposts of ``username`` (already checked), newest first."""
    listing = route("/users/{username}/collection", "microposts.list", username=username)
    return Micropost._pager(client, listing, size=size, limit=limit, cursor=cursor)


def timeline_of(
    client: Requester, username: str, *, size: int | None, limit: int | None, cursor: str | None
) -> Pager[Micropost]:
    """The timeline of ``username`` (already checked), newest first."""
    listing = route("/users/{username}/timeline", "microposts.timeline", username=username)
    return Micropost._pager(client, listing, size=size, limit=limit, cursor=cursor)
