"""The service stores an Idempotency-Key's response before the client can see it.

Otherwise a client that got (or lost) the answer and retried at once could find the key
still "in progress" and get a 409 for a request that had succeeded.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from microblog_server.api.idempotency import IdempotencyMiddleware

if TYPE_CHECKING:
    from starlette.types import Message, Receive, Scope, Send

    from microblog_server.domain import IdempotencyRecord


class _RecordingStore:
    def __init__(self, events: list[str]) -> None:
        self.events = events

    def begin(self, scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
        self.events.append("begin")
        return None

    def complete(
        self, scope: str, key: str, *, status_code: int, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        self.events.append(f"complete {status_code} {body.decode()}")

    def discard(self, scope: str, key: str) -> None:
        self.events.append("discard")


def _run(status: int) -> list[str]:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        events.append(f"send {message['type']}")

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/users/dana/collection",
        "query_string": b"",
        "headers": [(b"idempotency-key", b"k1")],
        "client": ("127.0.0.1", 1),
    }
    asyncio.run(IdempotencyMiddleware(app, _RecordingStore(events))(scope, receive, send))
    return events


def test_a_success_is_stored_before_any_byte_of_it_is_sent() -> None:
    assert _run(201) == [
        "begin",
        "complete 201 {}",
        "send http.response.start",
        "send http.response.body",
    ]


def test_a_server_error_releases_the_key_before_it_is_sent() -> None:
    assert _run(500) == ["begin", "discard", "send http.response.start", "send http.response.body"]
