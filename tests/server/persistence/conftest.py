"""Fixtures for persistence tests: a migrated SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine

from microblog_server.persistence import (
    SqlAlchemyUnitOfWork,
    build_services,
    create_engine_for_url,
    create_session_factory,
    upgrade,
)
from microblog_server.services import Services, UnitOfWorkFactory
from microblog_server.settings import Settings


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'microblog.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine_for_url(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(engine: Engine) -> UnitOfWorkFactory:
    session_factory = create_session_factory(engine)
    return partial(SqlAlchemyUnitOfWork, session_factory)


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    services = build_services(Settings.for_tests(database_url=database_url))
    yield services
    services.close()
