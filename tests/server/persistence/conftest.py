"""Fixtures for persistence tests: a fresh, migrated database per test, on each backend.

A test that takes ``database_url`` (or ``engine``, ``uow_factory``, ``services``, or
``make_database_url`` for more than one database) runs once per backend: ``[sqlite]`` on
a new file, ``[postgresql]`` on the server named by ``MICROBLOG_TEST_POSTGRES_URL``, in a
schema of its own that is dropped and recreated first (the URL's search path points at
it). Without that variable the PostgreSQL variants skip, saying how to run them; with it
set, a server that cannot be reached fails them. Tests marked ``sqlite_only`` (pragmas,
query plans, SQLite's locking) run on SQLite alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from microblog_server.bootstrap import build_services
from microblog_server.persistence import (
    SqlAlchemyUnitOfWork,
    create_engine_for_url,
    upgrade,
)
from microblog_server.services import Services, UnitOfWorkFactory
from microblog_server.settings import Settings

from ..template_db import copy_template

POSTGRES_URL_VARIABLE = "MICROBLOG_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")
# Unique per test session: two runs against one database (two checkouts, CI beside a local
# run) must not drop each other's schemas.
SCHEMA_PREFIX = f"microblog_test_{uuid.uuid4().hex[:8]}_"
# A connection a failed test left in a transaction fails the next drop instead of hanging it.
LOCK_TIMEOUT = text("SET LOCAL lock_timeout = '10s'")

MakeDatabaseUrl = Callable[[str], str]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("backend", BACKENDS[:1] if sqlite_only else BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class PostgresServer:
    """The test server: makes one empty schema per database a test asks for."""

    def __init__(self, admin: Engine) -> None:
        self.admin = admin
        self.schemas: set[str] = set()

    def fresh_database_url(self, name: str) -> str:
        """Recreate an empty schema for ``name``; return a URL whose search path is only it."""
        schema = f"{SCHEMA_PREFIX}{name}"
        with self.admin.begin() as connection:
            connection.execute(LOCK_TIMEOUT)
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.schemas.add(schema)
        url = self.admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def drop_schemas(self) -> None:
        """Drop every schema made, leaving the database as it was found."""
        with self.admin.begin() as connection:
            connection.execute(LOCK_TIMEOUT)
            for schema in sorted(self.schemas):
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"PostgreSQL variant: set {POSTGRES_URL_VARIABLE}=postgresql+psycopg://"
            "USER:PASSWORD@HOST:PORT/DATABASE to run it (docs/service/index.md)"
        )
    try:
        admin = create_engine(url, poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure here means "no usable server"
        pytest.fail(f"{POSTGRES_URL_VARIABLE} is set but PostgreSQL is not usable: {error}")
    server = PostgresServer(admin)
    yield server
    server.drop_schemas()
    admin.dispose()


@pytest.fixture
def make_database_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> MakeDatabaseUrl:
    """Return a maker of URLs of new, empty databases on this test's backend."""
    if backend == "sqlite":
        return lambda name: f"sqlite:///{tmp_path / name}.db"
    server = request.getfixturevalue("postgres_server")
    assert isinstance(server, PostgresServer)
    return server.fresh_database_url


@pytest.fixture
def database_url(make_database_url: MakeDatabaseUrl) -> str:
    return make_database_url("microblog")


@pytest.fixture
def engine(backend: str, database_url: str, migrated_template: Path) -> Iterator[Engine]:
    """A migrated database: on SQLite a copy of the session's template, else migrated here."""
    copied = backend == "sqlite" and copy_template(migrated_template, database_url)
    engine = create_engine_for_url(database_url)
    if not copied:
        upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(engine: Engine) -> UnitOfWorkFactory:
    return partial(SqlAlchemyUnitOfWork, engine)


@pytest.fixture
def services(backend: str, database_url: str, migrated_template: Path) -> Iterator[Services]:
    """The services over a migrated database (on SQLite, a copy of the session's template)."""
    copied = backend == "sqlite" and copy_template(migrated_template, database_url)
    settings = Settings.for_tests(database_url=database_url, auto_migrate=not copied)
    services = build_services(settings)
    yield services
    services.close()
