"""The service stores an Idempotency-Key's response before the client can see it.

Otherwise a client that got (or lost) the answer and retried at once could find the key
still "in progress" and get a 409 for a request that had succeeded.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import anyio

from microblog_server.api.idempotency import IdempotencyMiddleware
from microblog_server.services.held_transaction import HoldingUnitOfWorkFactory
from microblog_server.services.idempotency import IdempotencyClaim
from tests.server.unit.core_fakes import FakeDatabase

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from starlette.types import Message, Receive, Scope, Send

    from microblog_server.services.held_transaction import HeldTransaction


class _RecordingStore:
    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.holding = HoldingUnitOfWorkFactory(FakeDatabase().uow)

    def begin(self, scope: str, key: str, fingerprint: str) -> IdempotencyClaim:
        self.events.append("begin")
        return IdempotencyClaim(scope, key, datetime(2026, 11, 1, tzinfo=UTC))

    def hold(self) -> AbstractContextManager[HeldTransaction]:
        return self.holding.hold()

    def finish(
        self,
        claim: IdempotencyClaim,
        held: HeldTransaction,
        status_code: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> bool:
        self.events.append(f"finish {status_code} {body.decode()}")
        return True

    def abandon(self, claim: IdempotencyClaim, held: HeldTransaction) -> None:
        self.events.append("abandon")


KEYED_POST: Scope = {
    "type": "http",
    "method": "POST",
    "path": "/api/v1/users/dana/collection",
    "query_string": b"",
    "headers": [(b"idempotency-key", b"k1")],
    "client": ("127.0.0.1", 1),
}


async def receive() -> Message:
    return {"type": "http.request", "body": b"{}", "more_body": False}


def _run(status: int) -> list[str]:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def send(message: Message) -> None:
        events.append(f"send {message['type']}")

    middleware = IdempotencyMiddleware(app, _RecordingStore(events), secret="order-test-secret")
    asyncio.run(middleware(dict(KEYED_POST), receive, send))
    return events


def test_a_success_is_stored_before_any_byte_of_it_is_sent() -> None:
    assert _run(201) == [
        "begin",
        "finish 201 {}",
        "send http.response.start",
        "send http.response.body",
    ]


def test_a_server_error_releases_the_key_before_it_is_sent() -> None:
    assert _run(500) == ["begin", "abandon", "send http.response.start", "send http.response.body"]


def test_a_cancelled_request_still_releases_what_it_holds() -> None:
    # A client that goes away cancels the request; its held transaction (a write lock on
    # SQLite) must still be rolled back and its key released, not left to the collector.
    events: list[str] = []
    scopes: list[anyio.CancelScope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        scopes[0].cancel()
        await anyio.sleep(60)  # cancelled at once: never waited for

    async def send(message: Message) -> None:
        events.append(f"send {message['type']}")

    async def main() -> None:
        with anyio.CancelScope() as cancelled:
            scopes.append(cancelled)
            middleware = IdempotencyMiddleware(
                app, _RecordingStore(events), secret="order-test-secret"
            )
            await middleware(dict(KEYED_POST), receive, send)

    anyio.run(main)

    assert events == ["begin", "abandon"]
