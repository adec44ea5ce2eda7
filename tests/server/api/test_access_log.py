"""The access log's status is what the client got: found by the load run.

When locust stopped, clients closed connections with requests in flight; the body limit
middleware saw ``http.disconnect`` and returned without answering, and the access log
wrote those requests down as 500s although no server error happened.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from microblog_server.api.edge import EdgeMiddleware
from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS = "microblog_server.access"


def _scope(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _client_gone() -> Message:
    return {"type": "http.disconnect"}


def _call(app: ASGIApp, scope: Scope, receive: Receive = _client_gone) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def call() -> None:
        await app(scope, receive, send)

    asyncio.run(call())
    return sent


def _logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == ACCESS]


async def _answers_204(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _never_answers(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()


async def _fails(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("a bug")


def test_an_answered_request_is_logged_with_its_status(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS):
        _call(EdgeMiddleware(_answers_204), _scope("/api/v1/x"))

    (line,) = _logged(caplog)
    assert line.startswith("GET /api/v1/x 204 ")


def test_a_request_the_client_abandoned_is_logged_as_499_not_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS):
        sent = _call(EdgeMiddleware(_never_answers), _scope("/api/v1/x"))

    assert sent == []
    (line,) = _logged(caplog)
    assert line.startswith("GET /api/v1/x 499 ")


def test_an_app_that_fails_before_answering_is_logged_as_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS), pytest.raises(RuntimeError):
        _call(EdgeMiddleware(_fails), _scope("/api/v1/x"))

    (line,) = _logged(caplog)
    assert line.startswith("GET /api/v1/x 500 ")


def test_the_service_logs_a_client_that_left_mid_request_as_499(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(Settings.for_tests())
    with TestClient(app) as client:
        client.post("/api/v1/users", json={"username": "dana", "password": "password123"})
        token = client.post("/api/v1/token", data={"username": "dana", "password": "password123"})
        bearer = f"Bearer {token.json()['access_token']}".encode()
        caplog.clear()
        with caplog.at_level(logging.INFO, logger=ACCESS):
            sent = _call(app, _scope("/api/v1/users/dana", [(b"authorization", bearer)]))

    assert sent == []
    (line,) = _logged(caplog)
    assert line.startswith("GET /api/v1/users/dana 499 ")
