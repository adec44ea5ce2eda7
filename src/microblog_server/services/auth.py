"""Login, bearer-token authentication and revocation (JWT HS256)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt

from microblog_server.domain import (
    InvalidCredentials,
    IssuedToken,
    ReauthenticationRequired,
    Unauthenticated,
    validate_username,
)
from microblog_server.services.token_cache import TokenCache, token_digest

if TYPE_CHECKING:
    from microblog_server.domain import User
    from microblog_server.services.clock import Clock
    from microblog_server.services.passwords import PasswordHasher
    from microblog_server.services.ports import UnitOfWorkFactory

__all__ = ["RECENT_LOGIN", "AuthService"]

RECENT_LOGIN = 600
"""Seconds a password login counts as recent for deleting the account (RFC 9470 max_age)."""

_ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["sub", "exp", "iat", "jti"]
_MAX_ID = 2**63 - 1  # the largest id a 64-bit signed column holds
_MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime holds
_MAX_JTI = 64  # the revocation table's jti column


class AuthService:
    """Issues, checks and revokes access tokens.

    Tokens are JWTs signed with HS256 carrying ``sub`` (the user id), ``iat``, ``exp``, a
    random ``jti`` and ``auth_time``, when the password was checked (RFC 9068, 9470). A
    token stops working when it expires (by the injected clock), when it is revoked, when
    its user is deleted, or when its user changes their password (every token issued
    until then but the one that changed it). Answers are kept in a
    :class:`TokenCache` for a few seconds (see there for what that trades).

    Args:
        uow_factory: Opens a unit of work per use case.
        passwords: Verifies passwords.
        clock: The time source (expiry is checked against it, not the system clock).
        secret_key: Signs the tokens.
        token_ttl: Token lifetime in seconds.
        tokens: Recently authenticated tokens, shared with :class:`UserService` (which
            forgets a deleted user's); none kept when omitted.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        passwords: PasswordHasher,
        clock: Clock,
        *,
        secret_key: str,
        token_ttl: int,
        tokens: TokenCache | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._passwords = passwords
        self._clock = clock
        self._secret_key = secret_key
        self._token_ttl = token_ttl
        self._tokens = tokens if tokens is not None else TokenCache(clock, seconds=0)

    def login(self, username: str, password: str) -> IssuedToken:
        """Exchange a username and password for an access token.

        An unknown username costs a password verification too, so timing does not tell
        whether the user exists.

        Raises:
            InvalidCredentials: Unknown username or wrong password.
        """
        user = None
        # A name that breaks the username rule belongs to no one, and is not looked up: it
        # may hold what the database cannot take (a NUL, for PostgreSQL).
        if validate_username(username) is None:
            with self._uow_factory(read_only=True) as uow:
                user = uow.users.get_by_username(username)
        if not self._passwords.verify(user.password_hash if user else None, password):
            raise InvalidCredentials("wrong username or password")
        assert user is not None  # verify() is False without a hash
        now = self._clock()
        claims = {
            "sub": str(user.id),
            # To the microsecond (RFC 7519 allows a fraction): a password change must tell
            # the tokens issued just before it from those issued just after.
            "iat": now.timestamp(),
            "exp": int((now + timedelta(seconds=self._token_ttl)).timestamp()),
            "jti": secrets.token_urlsafe(16),
            "auth_time": int(now.timestamp()),
        }
        token = jwt.encode(claims, self._secret_key, algorithm=_ALGORITHM)
        return IssuedToken(access_token=token, expires_in=self._token_ttl)

    def authenticate(self, token: str, *, digest: str | None = None) -> User:
        """Return the user a bearer token stands for.

        Args:
            token: The bearer token.
            digest: Its :func:`~microblog_server.services.token_cache.token_digest`, when
                the caller computed it already (the identity middleware does, once per
                request); computed here, once, otherwise.

        Raises:
            Unauthenticated: The token is malformed, forged, not HS256, expired, revoked,
                its user no longer exists, or the password changed since it was issued.
        """
        digest = digest if digest is not None else token_digest(token)
        user = self._tokens.get(token, digest=digest)
        if user is not None:
            return user
        claims = self._decode(token)
        generation = self._tokens.generation
        with self._uow_factory(read_only=True) as uow:
            if uow.tokens.is_revoked(str(claims["jti"])):
                raise Unauthenticated("the token was revoked")
            user = uow.users.get(int(claims["sub"]))
        if user is None or int(claims["iat"]) < int(user.created_at.timestamp()):
            raise Unauthenticated("the token's user no longer exists")
        if _revoked_by_password_change(user, digest, float(claims["iat"])):
            raise Unauthenticated("the password changed since the token was issued")
        self._tokens.put(
            token, user, expires_at=int(claims["exp"]), generation=generation, digest=digest
        )
        return user

    def recall(self, token: str, *, digest: str | None = None) -> User | None:
        """Return the user of a token that authenticated a moment ago, without any I/O.

        ``None`` means "not known": call :meth:`authenticate`. Safe on the event loop.

        Args:
            token: The bearer token.
            digest: Its digest, when the caller computed it already.
        """
        return self._tokens.get(token, digest=digest)

    def revoke(self, token: str) -> None:
        """Revoke a valid token so it no longer authenticates (idempotent).

        Raises:
            Unauthenticated: The token is not valid in the first place.
        """
        claims = self._decode(token)
        now = self._clock()
        with self._uow_factory() as uow:
            uow.tokens.purge_expired(now)
            uow.tokens.revoke(
                str(claims["jti"]), expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC)
            )
            uow.commit()
        self._tokens.forget(token)

    def require_recent_login(self, token: str, max_age: int = RECENT_LOGIN) -> None:
        """Refuse a token whose password login is older than ``max_age`` seconds.

        For the actions a stolen token must not take alone (deleting the account): the
        caller logs in again and repeats (RFC 9470 step-up).

        Raises:
            Unauthenticated: The token is not valid in the first place.
            ReauthenticationRequired: It carries no ``auth_time``, or an older one.
        """
        auth_time = self._decode(token).get("auth_time")
        if (
            not isinstance(auth_time, int | float)
            or isinstance(auth_time, bool)
            or self._clock().timestamp() - auth_time > max_age
        ):
            raise ReauthenticationRequired(
                f"this needs a password login within the last {max_age} s; log in again",
                max_age=max_age,
            )

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret_key,
                algorithms=[_ALGORITHM],
                options={"require": _REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
            )
            expires = int(claims["exp"])
            subject = int(claims["sub"])
            issued = float(claims["iat"])
            jti = claims["jti"]
        except (jwt.InvalidTokenError, ValueError, TypeError) as error:
            raise Unauthenticated("the token is not valid") from error
        # A signed token is ours, but the key may have signed claims the database cannot
        # hold: ids are 64-bit, times must fit a datetime, text must encode as UTF-8.
        if not (
            0 < subject <= _MAX_ID
            and 0 <= issued <= _MAX_TIMESTAMP
            and 0 < expires <= _MAX_TIMESTAMP
            and isinstance(jti, str)
            and jti.isascii()
            and 0 < len(jti) <= _MAX_JTI
        ):
            raise Unauthenticated("the token is not valid")
        if expires <= self._clock().timestamp():
            raise Unauthenticated("the token expired")
        return claims


def _revoked_by_password_change(user: User, digest: str, issued_at: float) -> bool:
    cutoff = user.tokens_valid_after
    if cutoff is None or issued_at > cutoff.timestamp():
        return False
    return digest != user.kept_token
