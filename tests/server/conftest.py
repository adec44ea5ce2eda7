"""Fixtures for every service test: the migrated template database, signed-up users.

``api``, ``dana`` and ``jaime`` need a ``client``: the package's conftest provides it
(``api/``: in-memory SQLite; ``security/``: a SQLite file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .api_client import Api
from .template_db import migrate

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi.testclient import TestClient


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file migrated to the newest revision, once per test session.

    Tests get copies of it (``template_db``) instead of running the migrations each.
    """
    return migrate(tmp_path_factory.mktemp("template") / "migrated.db")


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
