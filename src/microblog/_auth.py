"""Authentication as a ``requests`` ``AuthBase``: a bearer token, or a password login.

With a username and password the first call that needs a token logs in (``POST
/api/v1/token``, the OAuth2 password grant); a 401 later (expired or revoked token) makes
the transport ask for one fresh login and send the call again, once. Login is serialised
by a lock: when many threads get a 401 for the same stale token at once, exactly one logs
in and the others reuse its token.

The token never appears in ``repr``, logs or exception messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from requests.auth import AuthBase

from microblog._hooks import Hooks, call_hook

if TYPE_CHECKING:
    from requests import PreparedRequest

__all__ = ["BearerAuth"]

Login = Callable[[str, str], str]
"""Performs the password grant: ``login(username, password) -> access token``."""


class BearerAuth(AuthBase):
    """Adds ``Authorization: Bearer <token>``, logging in lazily when it has a password.

    Thread-safe: the token and the login are guarded by one lock.
    """

    def __init__(
        self,
        *,
        token: str | None,
        username: str | None,
        password: str | None,
        login: Login,
        hooks: Hooks,
    ) -> None:
        self._token = token
        self._username = username
        self._password = password
        self._login = login
        self._hooks = hooks
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BearerAuth(kind={self.kind!r}, username={self._username!r})"

    @property
    def kind(self) -> str | None:
        """How the client authenticates: ``"password"``, ``"token"`` or ``None`` (anonymous)."""
        if self._password is not None:
            return "password"
        return "token" if self._token else None

    @property
    def username(self) -> str | None:
        """The username the credentials belong to, when known."""
        return self._username

    @property
    def has_token(self) -> bool:
        """Whether a token is held now (no login is needed for the next call)."""
        return self._token is not None

    @property
    def can_login(self) -> bool:
        """Whether a fresh token can be obtained (a password is known)."""
        return self._username is not None and self._password is not None

    def header(self) -> str | None:
        """Return the ``Authorization`` value to send, logging in first when needed."""
        token = self._token
        if token is None and self.can_login:
            token = self._refresh(stale=None)
        return None if token is None else f"Bearer {token}"

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        value = self.header()
        if value is not None:
            r.headers["Authorization"] = value
        return r

    def relogin(self, sent: str | None) -> bool:
        """Replace the token that earned a 401, unless another thread already did.

        Args:
            sent: The ``Authorization`` value the rejected request carried.

        Returns:
            True when a new token is in place (send the call again), False when the
            credentials cannot log in (a static token).
        """
        if not self.can_login:
            return False
        stale = sent.removeprefix("Bearer ") if sent else None
        self._refresh(stale=stale)
        return True

    def _refresh(self, *, stale: str | None) -> str:
        with self._lock:
            if self._token is not None and self._token != stale:
                return self._token  # another thread logged in while this one waited
            assert self._username is not None
            assert self._password is not None
            self._token = None
            token = self._login(self._username, self._password)
            self._token = token
        call_hook(self._hooks.on_new_token, token)
        return token

    def use_password(self, password: str) -> None:
        """Log in with ``password`` from now on (the caller changed its own password).

        The token held stays: the service keeps the one that made the change valid.
        """
        with self._lock:
            if self._password is not None:
                self._password = password

    def forget(self) -> None:
        """Drop the token (after logout)."""
        with self._lock:
            self._token = None
