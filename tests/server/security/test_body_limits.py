"""Bodies over the limit (64 KiB) are refused with 413 before they are read whole."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest

from .support import assert_problem

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient
    from starlette.types import ASGIApp, Message

    from microblog_server.settings import Settings

V1 = "/api/v1"
LIMIT = 64 * 1024
CHUNK = 4 * 1024
READ_AT_MOST = LIMIT + CHUNK  # the chunk that crosses the limit is the last one read


class EndlessBody:
    """An ASGI ``receive`` that streams 4 KiB chunks for ever, counting what was read."""

    def __init__(self) -> None:
        self.sent = 0

    async def __call__(self) -> Message:
        if self.sent >= 10 * 1024 * 1024:
            raise AssertionError("the app read 10 MiB of a body it should have refused")
        self.sent += CHUNK
        return {"type": "http.request", "body": b"[" * CHUNK, "more_body": True}


def call_asgi(app: ASGIApp, path: str, receive: EndlessBody, headers: dict[str, str]) -> Any:
    """Send one POST straight to the ASGI app; return its status, headers and body."""
    started: dict[str, Any] = {}
    chunks: list[bytes] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    response_headers = {k.decode().lower(): v.decode() for k, v in started["headers"]}
    return started["status"], response_headers, json.loads(b"".join(chunks))


@pytest.mark.parametrize("path", [f"{V1}/users", f"{V1}/token", f"{V1}/users/dana/collection"])
def test_a_streamed_body_is_refused_once_it_passes_the_limit(client: TestClient, path: str) -> None:
    body = EndlessBody()

    status, headers, problem = call_asgi(
        client.app, path, body, {"Content-Type": "application/json"}
    )

    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert problem["code"] == "payload_too_large"
    assert LIMIT < body.sent <= READ_AT_MOST


@pytest.mark.parametrize("path", [f"{V1}/users", f"{V1}/token", f"{V1}/users/dana/collection"])
def test_a_content_length_over_the_limit_is_refused_without_reading(
    client: TestClient, path: str, dana: dict[str, str]
) -> None:
    response = client.post(
        path,
        content=b"{}",
        headers={**dana, "Content-Type": "application/json", "Content-Length": "10485760"},
    )

    assert_problem(response, 413, "payload_too_large")


def chunks_of(size: int) -> Iterator[bytes]:
    """Yield ``size`` bytes of a JSON string in 1 KiB chunks (sent chunked, no length)."""
    yield b'{"text": "'
    remaining = size - len(b'{"text": "') - len(b'"}')
    while remaining > 0:
        part = min(1024, remaining)
        yield b"a" * part
        remaining -= part
    yield b'"}'


def test_a_chunked_body_without_a_length_is_counted_too(
    client: TestClient, dana: dict[str, str]
) -> None:
    response = client.post(
        f"{V1}/users/dana/collection",
        content=chunks_of(LIMIT + 1),
        headers={**dana, "Content-Type": "application/json"},
    )

    assert_problem(response, 413, "payload_too_large")


def test_a_body_of_exactly_the_limit_is_read_and_validated(
    client: TestClient, dana: dict[str, str], settings: Settings
) -> None:
    assert settings.max_body_bytes == LIMIT

    response = client.post(
        f"{V1}/users/dana/collection",
        content=b"".join(chunks_of(LIMIT)),
        headers={**dana, "Content-Type": "application/json"},
    )

    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["pointer"] == "#/text"


def test_a_batch_of_more_than_100_items_is_413(client: TestClient, dana: dict[str, str]) -> None:
    items = [{"text": "x"} for _ in range(101)]

    response = client.post(f"{V1}/users/dana/collection/batch", json={"items": items}, headers=dana)

    assert_problem(response, 413, "payload_too_large")
    assert client.get(f"{V1}/users/dana/collection", headers=dana).json()["result"] == []
