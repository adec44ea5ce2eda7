"""Fixtures: a fresh app over a fresh SQLite file database per test.

The database is a copy of the session's migrated template (``tests/server/template_db.py``),
unless a test's ``settings`` name a file it prepared itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from microblog_server.settings import Settings

from ..template_db import client_over_template

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi.testclient import TestClient


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings over a SQLite file: cheap hashing, rate limits off."""
    return Settings.for_tests(database_url=f"sqlite:///{tmp_path / 'security.db'}")


@pytest.fixture
def client(settings: Settings, migrated_template: Path) -> Iterator[TestClient]:
    """A client of a new app (and a new database) that sees 500s as a caller would."""
    with client_over_template(
        settings, migrated_template, raise_server_exceptions=False
    ) as test_client:
        yield test_client
