"""Fixtures for the hostile-server tests: fake services on 127.0.0.1 and 127.0.0.2."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import microblog
from tests.sdk.engine.engine_support import FakeTime

from .fake_server import FakeServer, Handler

Serve = Callable[..., FakeServer]
MakeClient = Callable[..., microblog.Client]


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start fake servers (``serve(handler, host="127.0.0.2")``); all stop after the test."""
    started: list[FakeServer] = []

    def start(handler: Handler, host: str = "127.0.0.1") -> FakeServer:
        server = FakeServer(handler, host)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture
def make_client(fake_time: FakeTime) -> Iterator[MakeClient]:
    """Clients on the fake clock (no real waiting on retries), jitter-free, short timeouts."""
    made: list[microblog.Client] = []

    def make(base_url: str, **options: Any) -> microblog.Client:
        if "password" not in options:
            options.setdefault("token", "hostile-test-token")
        options.setdefault("retry", microblog.Retry(jitter=0))
        options.setdefault("clock", fake_time.clock)
        options.setdefault("sleep", fake_time.sleep)
        options.setdefault("timeout", 2.0)
        client = microblog.Client(base_url, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
