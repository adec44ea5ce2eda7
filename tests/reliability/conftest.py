"""Fixtures for the reliability tests: one local service, fresh users, a fault proxy."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from microblog.testing import LocalServer

from .fault_proxy import FaultProxy

_names = itertools.count()


@dataclass(frozen=True)
class Account:
    """A user of the local service and a bearer token for them."""

    username: str
    token: str


NewAccount = Callable[[], Account]


@pytest.fixture(scope="package")
def server() -> Iterator[LocalServer]:
    """The reference service with a throw-away database, shared by the reliability tests."""
    with LocalServer() as running:
        yield running


@pytest.fixture
def new_account(server: LocalServer) -> NewAccount:
    """Sign up users no other test uses; each comes with a token (no login through faults)."""

    def make() -> Account:
        username, password = server.create_user(f"rel_{next(_names)}")
        return Account(username, server.token_for(username, password))

    return make


@pytest.fixture
def proxy(server: LocalServer) -> Iterator[FaultProxy]:
    """A fault proxy in front of the service, with no rule yet."""
    with FaultProxy(server.url) as running:
        yield running
