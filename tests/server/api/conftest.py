"""Fixtures for the API tests: a fresh app over a fresh in-memory SQLite database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

from .support import Api


@pytest.fixture
def settings() -> Settings:
    """Test settings: in-memory SQLite, cheap hashing, rate limits off."""
    return Settings.for_tests()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of a new app (and a new database)."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    """The client with sign-up and login helpers."""
    return Api(client)


@pytest.fixture
def dana(api: Api) -> dict[str, str]:
    """Authorization headers of a signed-up user ``dana``."""
    return api.sign_up("dana")


@pytest.fixture
def jaime(api: Api) -> dict[str, str]:
    """Authorization headers of a signed-up user ``jaime``."""
    return api.sign_up("jaime")
