"""Fixtures for the SDK <-> service tests: one local service over real HTTP on 127.0.0.1."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

import microblog
from microblog.testing import LocalServer

PASSWORD = "integration-password"
_names = itertools.count()


@pytest.fixture(scope="session")
def server() -> Iterator[LocalServer]:
    """The reference service with a throw-away database, shared by the integration tests."""
    with LocalServer() as running:
        yield running


def no_wait(_: float) -> None:
    """A client's ``sleep``: retries go on at once (no test waits for real)."""


@pytest.fixture
def faults_cleared(server: LocalServer) -> Iterator[None]:
    """Forget the faults a test injected, even when it failed early."""
    yield
    server.clear_faults()


@pytest.fixture
def new_username() -> Callable[[], str]:
    """Make usernames no other test uses."""
    return lambda: f"user_{next(_names)}"


@pytest.fixture
def make_client(
    server: LocalServer, new_username: Callable[[], str]
) -> Iterator[Callable[[], microblog.Client]]:
    """Sign up a fresh user and return a client logged in as them (closed after the test)."""
    clients: list[microblog.Client] = []

    def make() -> microblog.Client:
        username, password = server.create_user(new_username(), password=PASSWORD)
        client = microblog.Client(server.url, username=username, password=password)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
