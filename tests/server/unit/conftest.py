"""Fixtures for service unit tests: in-memory storage, a controllable clock, the services."""

from __future__ import annotations

import pytest

from microblog_server.domain import User
from microblog_server.services import Services, wire_services
from microblog_server.settings import Settings

from .core_fakes import FakeClock, FakeDatabase


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def services(database: FakeDatabase, clock: FakeClock) -> Services:
    return wire_services(Settings.for_tests(), database.uow, clock=clock)


@pytest.fixture
def dana(services: Services) -> User:
    return services.users.register("Dana", "dana-password").user


@pytest.fixture
def jaime(services: Services) -> User:
    return services.users.register("jaime", "jaime-password").user
