"""Who is calling: the authenticated user, or the client address when anonymous.

:class:`IdentityMiddleware` resolves the bearer token once per request, before rate
limiting and idempotency (both are scoped per caller); the routes' ``Authenticated``
dependency reads the result instead of authenticating again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol

from anyio import to_thread

from microblog_server.api.asgi import header, state_of
from microblog_server.domain import Unauthenticated, User
from microblog_server.services.token_cache import token_digest

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["Authenticator", "Caller", "IdentityMiddleware", "Recaller", "caller_of"]


class Authenticator(Protocol):
    """Turns a bearer token into its user; raises :class:`Unauthenticated` when it cannot."""

    def __call__(self, token: str, /, *, digest: str | None = None) -> User:
        """Check ``token`` (whose digest is ``digest``, when given)."""
        ...


class Recaller(Protocol):
    """Turns a bearer token into its user from memory, or ``None`` when it cannot tell."""

    def __call__(self, token: str, /, *, digest: str | None = None) -> User | None:
        """Recall ``token`` (whose digest is ``digest``, when given)."""
        ...


def _unknown(_token: str, *, digest: str | None = None) -> User | None:
    return None


@dataclass(frozen=True, slots=True)
class Caller:
    """The party behind one request.

    Attributes:
        user: The authenticated user, or ``None``.
        token: The bearer token presented, valid or not, or ``None``.
        address: The client's network address.
    """

    user: User | None
    token: str | None
    address: str

    @property
    def scope(self) -> str:
        """The key that rate limits and idempotency keys are kept under."""
        if self.user is not None:
            return f"user:{self.user.id}"
        return f"address:{self.address}"


def caller_of(scope: Scope) -> Caller:
    """Return the caller the identity middleware found (anonymous when it did not run)."""
    caller = state_of(scope).get("caller")
    if isinstance(caller, Caller):
        return caller
    client = scope.get("client")
    return Caller(None, None, client[0] if client else "unknown")


def bearer_token(authorization: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` value, else ``None``."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


class IdentityMiddleware:
    """Resolve the request's caller and keep it in ``request.state.caller``.

    A token checked a moment ago is answered from memory on the event loop; only the
    others cost a database transaction, in a worker thread (a hop that costs more CPU
    than the memory look-up it replaces).

    Args:
        app: The application.
        authenticate: The token resolver (a blocking call, run in a worker thread).
        recall: Answers from memory, without I/O, for a token checked a moment ago;
            ``None`` when it does not know.
    """

    def __init__(
        self, app: ASGIApp, authenticate: Authenticator, recall: Recaller = _unknown
    ) -> None:
        self.app = app
        self.authenticate = authenticate
        self.recall = recall

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] == "http" and scope["path"].startswith("/api"):
            client = scope.get("client")
            address = client[0] if client else "unknown"
            token = bearer_token(header(scope, b"authorization"))
            user: User | None = None
            if token is not None:
                # One digest per request, for the cache and the password-change check.
                digest = token_digest(token)
                user = self.recall(token, digest=digest)
                if user is None:
                    try:
                        user = await to_thread.run_sync(
                            partial(self.authenticate, token, digest=digest)
                        )
                    except Unauthenticated:
                        user = None
            state_of(scope)["caller"] = Caller(user, token, address)
        await self.app(scope, receive, send)
