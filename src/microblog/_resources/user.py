"""``client.users``: sign up, look up and list users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from microblog._resources._model import User, username_of
from microblog._resources._paths import route

if TYPE_CHECKING:
    from microblog._pagination import Pager
    from microblog._resources._base import Requester


class UserManager:
    """``client.users``: sign up, look up and list users.

    Wherever a user is named, a :class:`User` or a username is accepted. A username that
    could change the request's path raises :class:`ValueError` before any request; every
    other rule is the service's.
    """

    __slots__ = ("_client", "_me")

    def __init__(self, client: Requester, *, me: str | None = None) -> None:
        self._client = client
        self._me = me

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
