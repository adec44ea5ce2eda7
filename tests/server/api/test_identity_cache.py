"""The identity middleware answers a token checked a moment ago from memory.

``recall`` runs on the event loop and does no I/O; only when it does not know the token
does the middleware pay for ``authenticate`` (a database transaction, in a worker thread).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import pytest
from fastapi.testclient import TestClient

from microblog_server.api import caller
from microblog_server.api.caller import (
    Authenticator,
    Caller,
    IdentityMiddleware,
    Recaller,
    caller_of,
)
from microblog_server.bootstrap import build_services, create_app
from microblog_server.domain import Unauthenticated, User
from microblog_server.services import auth, token_cache
from microblog_server.settings import Settings

from .support import Api

if TYPE_CHECKING:
    from starlette.types import Message, Receive, Scope, Send

    from microblog_server.services.auth import AuthService

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DANA = User(1, "dana", "Dana", "", NOW, 1, "hash")


def _scope(token: str) -> Scope:
    return {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/me",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "state": {},
    }


async def _nothing_sent() -> Message:
    return {"type": "http.disconnect"}


def _caller_seen(authenticate: Authenticator, recall: Recaller, token: str) -> Caller:
    """Send one request with ``token`` through the middleware; return the caller seen inside."""
    seen: list[Caller] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(caller_of(scope))

    async def send(message: Message) -> None:
        pass

    middleware = IdentityMiddleware(app, authenticate=authenticate, recall=recall)
    asyncio.run(middleware(_scope(token), _nothing_sent, send))
    assert len(seen) == 1
    return seen[0]


def _must_not_authenticate(token: str, *, digest: str | None = None) -> User:
    raise AssertionError(f"authenticate was called for {token!r}")


def _knows_nothing(_token: str, *, digest: str | None = None) -> User | None:
    return None


def test_a_recalled_token_is_answered_without_authenticate() -> None:
    def recall(token: str, *, digest: str | None = None) -> User | None:
        return DANA if token == "known" else None

    caller = _caller_seen(_must_not_authenticate, recall, "known")

    assert caller.user == DANA
    assert caller.token == "known"
    assert caller.scope == f"user:{DANA.id}"


def test_a_token_recall_does_not_know_is_authenticated() -> None:
    asked: list[str] = []

    def authenticate(token: str, *, digest: str | None = None) -> User:
        asked.append(token)
        return DANA

    caller = _caller_seen(authenticate, _knows_nothing, "unknown")

    assert asked == ["unknown"]
    assert caller.user == DANA


def test_a_token_neither_recalled_nor_authenticated_is_anonymous() -> None:
    def authenticate(token: str, *, digest: str | None = None) -> User:
        raise Unauthenticated("the token is not valid")

    caller = _caller_seen(authenticate, _knows_nothing, "bad")

    assert caller.user is None
    assert caller.token == "bad"
    assert caller.scope == "address:127.0.0.1"


class _CountingAuth:
    """The real auth service, counting ``authenticate`` calls (everything else delegated)."""

    def __init__(self, inner: AuthService) -> None:
        self.inner = inner
        self.authenticated = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def authenticate(self, token: str, *, digest: str | None = None) -> User:
        self.authenticated += 1
        return self.inner.authenticate(token, digest=digest)


def test_the_app_answers_a_repeated_token_from_the_cache() -> None:
    settings = Settings.for_tests()
    services = build_services(settings, clock=lambda: NOW)
    auth = _CountingAuth(services.auth)
    app = create_app(settings, services=dataclasses.replace(services, auth=cast("Any", auth)))
    with TestClient(app) as client:
        headers = Api(client).sign_up("dana")
        first = client.get("/api/v1/me", headers=headers)
        second = client.get("/api/v1/me", headers=headers)
    services.close()

    assert first.status_code == second.status_code == 200
    assert second.json()["username"] == "dana"
    assert auth.authenticated == 1


def test_a_token_is_digested_once_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    # The digest names the token in the cache, in the password-change check and in the
    # revocation announcements: one SHA-256 per request, not one per look-up.
    digests: list[str] = []

    def counted(token: str) -> str:
        digests.append(token)
        return token_cache.token_digest(token)

    for module in (caller, auth):
        monkeypatch.setattr(module, "token_digest", counted)
    settings = Settings.for_tests(auth_cache_seconds=30)
    with TestClient(create_app(settings)) as client:
        headers = Api(client).sign_up("dana")
        digests.clear()
        checked = client.get("/api/v1/me", headers=headers)  # from the database
        after_check = len(digests)
        recalled = client.get("/api/v1/me", headers=headers)  # from the cache

    assert checked.status_code == recalled.status_code == 200
    assert (after_check, len(digests)) == (1, 2)
