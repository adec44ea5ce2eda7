"""Fixtures for the API tests: a fresh app over a fresh in-memory SQLite database per test.

The database is a copy of the session's migrated template (``tests/server/template_db.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microblog_server.settings import Settings

from ..template_db import client_over_template


@pytest.fixture
def settings() -> Settings:
    """Test settings: in-memory SQLite, cheap hashing, rate limits off."""
    return Settings.for_tests()


@pytest.fixture
def client(settings: Settings, migrated_template: Path) -> Iterator[TestClient]:
    """A client of a new app (and a new database)."""
    with client_over_template(settings, migrated_template) as test_client:
        yield test_client
