"""Fixtures: a fresh app over a fresh SQLite file database per test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

from .support import Api

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings over a SQLite file: cheap hashing, rate limits off."""
    return Settings.for_tests(database_url=f"sqlite:///{tmp_path / 'security.db'}")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of a new app (and a new database) that sees 500s as a caller would."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
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
