"""LocalServer.inject: chosen statuses and lost connections, seen on the wire.

Plain ``http.client`` over 127.0.0.1, so each test sees exactly what a client would: the
status line and body, or a connection closed without a byte.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest

from microblog.testing import Fault, LocalServer, LocalServerError, _close

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code", "request_id"}


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults_left(server: LocalServer) -> Iterator[None]:
    yield
    server.clear_faults()


@pytest.fixture
def token(server: LocalServer) -> str:
    username, password = server.create_user(f"f_{uuid.uuid4().hex[:12]}")
    return server.token_for(username, password)


@pytest.fixture
def server_errors() -> Iterator[list[logging.LogRecord]]:
    """What uvicorn logs as errors (an app that returned without answering, a crash)."""
    handler = Recorder(logging.ERROR)
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


class Recorder(logging.Handler):
    """Keep the records it is given."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Wire:
    """One keep-alive connection to the server."""

    def __init__(self, server: LocalServer, token: str | None = None) -> None:
        parts = urlsplit(server.url)
        assert parts.hostname is not None
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        self.token = token

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.connection.close()

    def send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, Any]:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        self.connection.request(method, path, body=data, headers=sent)
        response = self.connection.getresponse()
        content = response.read()
        return response.status, response.headers, json.loads(content) if content else None


def my_posts(server: LocalServer, token: str) -> list[str]:
    with Wire(server, token) as wire:
        status, _, me = wire.send("GET", "/api/v1/me")
        assert status == 200
        _, _, page = wire.send("GET", f"/api/v1/users/{me['username']}/collection")
    return [post["text"] for post in page["result"]]


def collection(server: LocalServer, token: str) -> str:
    with Wire(server, token) as wire:
        _, _, me = wire.send("GET", "/api/v1/me")
    return f"/api/v1/users/{me['username']}/collection"


def test_an_injected_status_answers_a_problem_in_the_services_format_with_the_headers(
    server: LocalServer, token: str
) -> None:
    fault = server.inject(503, headers={"Retry-After": "7"})

    with Wire(server, token) as wire:
        status, headers, body = wire.send("GET", "/api/v1/me", headers={"X-Request-ID": "abc-1"})

    assert status == 503
    assert headers["Retry-After"] == "7"
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["X-Request-ID"] == "abc-1"
    assert set(body) == PROBLEM_KEYS
    assert (body["status"], body["code"]) == (503, "unavailable")
    assert body["title"] == "Service unavailable"
    assert (body["request_id"], body["instance"]) == ("abc-1", "urn:uuid:abc-1")
    assert (fault.hits, fault.remaining) == (1, 0)


def test_the_given_headers_win_over_the_defaults_but_not_the_framing(
    server: LocalServer, token: str
) -> None:
    server.inject(502, headers={"Content-Type": "application/json", "X-Request-ID": "mine"})

    with Wire(server, token) as wire:
        status, headers, body = wire.send("GET", "/api/v1/me", headers={"X-Request-ID": "abc"})
        after = wire.send("GET", "/api/v1/me")[0]

    assert (status, headers["Content-Type"], headers["X-Request-ID"]) == (
        502,
        "application/json",
        "mine",
    )
    assert body["status"] == 502
    assert after == 200  # the body was framed right: the connection is still in step


def test_a_status_fires_times_times_and_then_the_service_answers(
    server: LocalServer, token: str
) -> None:
    fault = server.inject(500, times=2)

    with Wire(server, token) as wire:
        statuses = [wire.send("GET", "/api/v1/me")[0] for _ in range(3)]

    assert statuses == [500, 500, 200]
    assert fault.hits == 2


def test_an_answered_request_never_reaches_the_service_and_the_connection_stays_usable(
    server: LocalServer, token: str
) -> None:
    server.inject(429, method="POST", headers={"Retry-After": "1"})
    path = collection(server, token)

    with Wire(server, token) as wire:
        refused = wire.send("POST", path, {"text": "not stored"})
        accepted = wire.send("POST", path, {"text": "stored"})

    assert (refused[0], refused[2]["code"]) == (429, "rate_limited")
    assert accepted[0] == 201
    assert my_posts(server, token) == ["stored"]


def test_faults_match_on_method_and_path_prefix(server: LocalServer, token: str) -> None:
    server.inject(404, method="post", path="/api/v1/users/")
    path = collection(server, token)

    with Wire(server, token) as wire:
        other_method = wire.send("GET", path)[0]
        other_path = wire.send("POST", "/api/v1/token", headers={})[0]
        matched = wire.send("POST", path, {"text": "x"})[0]

    assert (other_method, matched) == (200, 404)
    assert other_path != 404  # the service's own answer to a form-less login


def test_faults_fire_in_the_order_they_were_injected(server: LocalServer, token: str) -> None:
    server.inject(503, times=2)
    server.inject(429, headers={"Retry-After": "1"})

    with Wire(server, token) as wire:
        statuses = [wire.send("GET", "/api/v1/me")[0] for _ in range(4)]

    assert statuses == [503, 503, 429, 200]


def test_a_request_dropped_after_processing_is_stored_and_its_retry_is_replayed(
    server: LocalServer, token: str, server_errors: list[logging.LogRecord]
) -> None:
    path = collection(server, token)
    fault = server.inject(drop="after", method="POST")
    key = {"Idempotency-Key": str(uuid.uuid4())}

    with Wire(server, token) as wire, pytest.raises(http.client.RemoteDisconnected):
        wire.send("POST", path, {"text": "once"}, key)
    with Wire(server, token) as wire:
        status, _, body = wire.send("POST", path, {"text": "once"}, key)

    assert (status, body["text"]) == (201, "once")
    assert my_posts(server, token) == ["once"]
    assert fault.hits == 1
    assert server_errors == []


def test_a_request_dropped_before_processing_is_never_seen_by_the_service(
    server: LocalServer, token: str, server_errors: list[logging.LogRecord]
) -> None:
    path = collection(server, token)
    server.inject(drop="before", method="POST")

    with Wire(server, token) as wire, pytest.raises(http.client.RemoteDisconnected):
        wire.send("POST", path, {"text": "lost"})

    assert my_posts(server, token) == []
    assert server_errors == []


def test_a_request_whose_body_is_unread_is_dropped_cleanly(
    server: LocalServer, token: str, server_errors: list[logging.LogRecord]
) -> None:
    server.inject(drop="before")

    with Wire(server, token) as wire, pytest.raises(ConnectionError):
        wire.send("POST", collection(server, token), {"text": "x" * 50_000})

    assert server_errors == []


def test_the_servers_own_helpers_are_never_faulted(server: LocalServer) -> None:
    fault = server.inject(503)

    username, password = server.create_user(f"f_{uuid.uuid4().hex[:12]}")
    server.token_for(username, password)

    assert (fault.hits, fault.remaining) == (0, 1)


def test_times_none_faults_until_cancelled(server: LocalServer, token: str) -> None:
    fault = server.inject(502, times=None, path="/api/v1/me")

    with Wire(server, token) as wire:
        during = [wire.send("GET", "/api/v1/me") for _ in range(3)]
        fault.cancel()
        after = wire.send("GET", "/api/v1/me")[0]

    assert [status for status, _, _ in during] == [502, 502, 502]
    assert (during[0][2]["code"], during[0][2]["title"]) == ("bad_gateway", "Bad Gateway")
    assert after == 200
    assert (fault.hits, fault.remaining) == (3, 0)


def test_clear_faults_forgets_what_has_not_fired(server: LocalServer, token: str) -> None:
    fault = server.inject(503, times=5)
    server.clear_faults()

    with Wire(server, token) as wire:
        assert wire.send("GET", "/api/v1/me")[0] == 200
    assert fault.hits == 0


def test_a_fault_injected_before_start_applies_and_stop_forgets_faults() -> None:
    server = LocalServer()
    server.inject(599)
    with server, Wire(server) as wire:
        status, _, body = wire.send("GET", "/health")
    assert (status, body["code"], body["title"]) == (599, "error", "Error")

    with server:
        server.inject(503)
    with server, Wire(server) as wire:
        assert wire.send("GET", "/health")[0] == 200


def test_concurrent_requests_are_faulted_exactly_times_times(
    server: LocalServer, token: str
) -> None:
    fault = server.inject(503, times=5)
    statuses: list[int] = []

    def call() -> None:
        with Wire(server, token) as wire:
            statuses.append(wire.send("GET", "/api/v1/me")[0])

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200] * 11 + [503] * 5
    assert fault.hits == 5


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "either a status or drop"),
        ({"status": 503, "drop": "after"}, "either a status or drop"),
        ({"status": 200}, "from 400 to 599"),
        ({"status": 600}, "from 400 to 599"),
        ({"status": True}, "from 400 to 599"),
        ({"status": "503"}, "from 400 to 599"),
        ({"drop": "during"}, "'before' or 'after'"),
        ({"drop": "after", "headers": {"Retry-After": "1"}}, "no headers"),
        ({"status": 503, "times": 0}, "at least 1"),
        ({"status": 503, "path": "api/v1"}, "starting with '/'"),
        ({"status": 503, "headers": {"Retry After": "1"}}, "not a header name"),
        ({"status": 503, "headers": {"Content-Length": "5"}}, "the server's to send"),
        ({"status": 503, "headers": {"X-Note": "a\r\nSet-Cookie: x"}}, "not a header value"),
        ({"status": 503, "headers": {"X-Note": "\u20ac"}}, "Latin-1"),
        ({"status": 503, "headers": {"X-Note": 1}}, "not a header value"),
    ],
)
def test_inject_refuses_what_cannot_be_done(
    server: LocalServer, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        server.inject(**arguments)


def test_times_must_be_an_int(server: LocalServer) -> None:
    with pytest.raises(TypeError, match="times must be an int"):
        server.inject(503, times=1.5)  # type: ignore[arg-type]


def test_a_fault_says_what_it_does_in_its_repr(server: LocalServer) -> None:
    fault = server.inject(drop="after", method="post", path="/api/v1/users")

    assert isinstance(fault, Fault)
    assert repr(fault) == (
        "<Fault drop='after', method='POST', path='/api/v1/users', hits=0, remaining=1>"
    )
    assert repr(server.inject(503, times=None)) == "<Fault status=503, hits=0, remaining=None>"


def test_a_connection_it_cannot_find_is_an_error_not_a_silent_answer() -> None:
    # Guards the one uvicorn detail a drop relies on: open connections and their scopes.
    scope: dict[str, Any] = {"type": "http"}
    other = SimpleNamespace(cycle=SimpleNamespace(scope={"type": "http"}))
    idle = SimpleNamespace(cycle=None)
    uvicorn_server = SimpleNamespace(server_state=SimpleNamespace(connections=[other, idle]))

    with pytest.raises(LocalServerError, match="cannot find the connection"):
        _close(uvicorn_server, scope)  # type: ignore[arg-type]
