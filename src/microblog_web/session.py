"""The session cookie and the CSRF tokens, both signed with the site's secret.

The cookie holds a visitor's CSRF seed and, once logged in, their username and service
token (never a password), signed with :mod:`itsdangerous` so it cannot be forged or
edited; it is the only per-user state, so any process with the same secret reads it.
A form's CSRF token is the seed signed again under another salt: a POST is accepted only
when it carries the token of the seed in the same visitor's cookie.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

__all__ = ["COOKIE", "MAX_AGE", "Session", "Signer"]

#: The session cookie's name.
COOKIE = "microblog_session"
#: How long a session lasts, in seconds (the service's token may end sooner).
MAX_AGE = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    """What one visitor's cookie says.

    Attributes:
        seed: The random value their CSRF tokens are made from.
        username: Who is logged in, or None.
        token: Their service token, or None.
        changed: Whether the cookie must be (re)sent with the response.
    """

    seed: str
    username: str | None = None
    token: str | None = None
    changed: bool = False

    @property
    def logged_in(self) -> bool:
        """Whether a user is logged in."""
        return self.username is not None and self.token is not None

    def log_in(self, username: str, token: str) -> Session:
        """The session of ``username`` with a fresh CSRF seed (no fixation across a login)."""
        return Session(secrets.token_urlsafe(16), username, token, changed=True)

    def log_out(self) -> Session:
        """The anonymous session, with a fresh CSRF seed."""
        return Session(secrets.token_urlsafe(16), changed=True)


class Signer:
    """Signs and reads session cookies and CSRF tokens with one secret.

    Args:
        secret: The site's secret (``MICROBLOG_WEB_SECRET``).
    """

    def __init__(self, secret: str) -> None:
        self._cookies = URLSafeTimedSerializer(secret, salt="microblog-web-session")
        self._csrf = URLSafeSerializer(secret, salt="microblog-web-csrf")

    def read(self, cookie: str | None) -> Session:
        """The session a cookie holds, or a new anonymous one (to be sent) when it holds none.

        A cookie that is missing, forged, edited or older than :data:`MAX_AGE` counts as
        none.
        """
        if cookie:
            try:
                data = self._cookies.loads(cookie, max_age=MAX_AGE)
            except BadSignature:
                data = None
            if isinstance(data, dict) and isinstance(data.get("c"), str):
                username, token = data.get("u"), data.get("t")
                if isinstance(username, str) and isinstance(token, str):
                    return Session(data["c"], username, token)
                return Session(data["c"])
        return Session(secrets.token_urlsafe(16), changed=True)

    def cookie(self, session: Session) -> str:
        """The signed cookie value of ``session``."""
        data: dict[str, str] = {"c": session.seed}
        if session.username is not None and session.token is not None:
            data |= {"u": session.username, "t": session.token}
        return self._cookies.dumps(data)

    def csrf_token(self, session: Session) -> str:
        """The CSRF token to put in the forms of this visitor's pages."""
        return self._csrf.dumps(session.seed)

    def csrf_ok(self, session: Session, token: object) -> bool:
        """Whether ``token`` is a CSRF token made for this session (a new session has none)."""
        if session.changed or not isinstance(token, str):
            return False
        try:
            seed = self._csrf.loads(token)
        except BadSignature:
            return False
        return isinstance(seed, str) and hmac.compare_digest(seed, session.seed)
