"""Fixtures for the engine's tests: a mocked service at 127.0.0.1 and a fake clock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import responses

import microblog

from .engine_support import BASE, CANARY_TOKEN, FakeTime, MakeClient

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def make_client(fake_time: FakeTime) -> Iterator[MakeClient]:
    """Build clients on the fake clock with deterministic (jitter-free) backoff."""
    made: list[microblog.Client] = []

    def make(**options: Any) -> microblog.Client:
        options.setdefault("token", CANARY_TOKEN)
        options.setdefault("retry", microblog.Retry(jitter=0))
        options.setdefault("clock", fake_time.clock)
        options.setdefault("sleep", fake_time.sleep)
        client = microblog.Client(options.pop("base_url", BASE), **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
