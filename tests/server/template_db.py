"""A migrated template database for the service tests, and copies of it for each test.

Running Alembic's migrations for every test's fresh database took ~30-40 ms of each of
several hundred tests. The schema is migrated once per session into a SQLite file (the
``migrated_template`` fixture of ``tests/server/conftest.py``); a test gets a copy of it
instead: a file copy for a SQLite file URL, SQLite's backup into the one connection of an
in-memory URL. The copy is the migrated schema, page for page, so the tests see exactly
what a migrated database holds (the migrations themselves are tested in
``persistence/test_db_migrations.py``, on fresh databases).
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
from sqlalchemy import make_url

from microblog_server.bootstrap import build_services, create_app
from microblog_server.persistence import create_engine_for_url, upgrade
from microblog_server.persistence.engine import create_engine_from_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from sqlalchemy import Engine

    from microblog_server.settings import Settings

__all__ = [
    "app_over_template",
    "client_over_template",
    "copy_template",
    "is_in_memory",
    "load_into",
    "migrate",
]


def migrate(path: Path) -> Path:
    """Create the SQLite database file ``path`` migrated to the newest revision."""
    engine = create_engine_for_url(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    with closing(sqlite3.connect(path)) as connection:  # all of it in the file copied
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def is_in_memory(url: str) -> bool:
    """Whether ``url`` names an in-memory SQLite database."""
    return url in {"sqlite://", "sqlite:///:memory:"} or "mode=memory" in url


def load_into(engine: Engine, template: Path) -> None:
    """Copy ``template`` into the database of ``engine`` (an in-memory SQLite engine)."""
    connection = engine.raw_connection()
    try:
        with closing(sqlite3.connect(template)) as source:
            source.backup(connection.driver_connection)  # type: ignore[arg-type]
    finally:
        connection.close()


def copy_template(template: Path, url: str) -> bool:
    """Make the SQLite file ``url`` names a copy of ``template``; False if it exists already.

    An existing file (a test's own prepared database) is left as it is.
    """
    database = make_url(url).database
    assert make_url(url).get_backend_name() == "sqlite", url
    assert database, url
    if Path(database).exists():
        return False
    shutil.copyfile(template, database)
    return True


@contextmanager
def app_over_template(settings: Settings, template: Path) -> Iterator[FastAPI]:
    """The service's app over a copy of the migrated ``template`` (no migration runs).

    ``settings.database_url`` is SQLite in memory or a file; the app (and for an in-memory
    database, its engine) is closed when the block ends.
    """
    if is_in_memory(settings.database_url):
        ready = settings.model_copy(update={"auto_migrate": False})
        engine = create_engine_from_settings(ready)
        load_into(engine, template)
        services = build_services(ready, engine=engine)
        try:
            yield create_app(ready, services=services)
        finally:
            services.close()
            engine.dispose()
        return
    if copy_template(template, settings.database_url):
        settings = settings.model_copy(update={"auto_migrate": False})
    yield create_app(settings)


@contextmanager
def client_over_template(
    settings: Settings, template: Path, *, raise_server_exceptions: bool = True
) -> Iterator[TestClient]:
    """A test client of :func:`app_over_template`'s app, started and stopped with the block."""
    with (
        app_over_template(settings, template) as app,
        TestClient(app, raise_server_exceptions=raise_server_exceptions) as client,
    ):
        yield client
