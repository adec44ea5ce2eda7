"""Creating the database engine and sessions from the settings."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.pool import StaticPool

from microblog_server.persistence.text_fold import register_sqlite_lower
from microblog_server.persistence.write_gate import WriteGate

if TYPE_CHECKING:
    from microblog_server.settings import Settings

__all__ = [
    "READ_ONLY",
    "SQLITE_POOL_SIZE",
    "create_engine_for_url",
    "create_engine_from_settings",
]

SQLITE_POOL_SIZE = 40
"""Open SQLite connections kept per engine: one per worker thread of the ASGI server."""

READ_ONLY = "microblog_read_only"
"""The connection execution option that makes a SQLite transaction begin deferred."""


def create_engine_from_settings(settings: Settings) -> Engine:
    """Create the engine for ``settings.database_url``.

    A SQLite database file is created readable and writable by its owner only (0600; SQLite
    gives its ``-wal`` and ``-shm`` files the same mode): it holds password hashes. SQLite
    gets WAL journaling, foreign keys on, a busy timeout and ``BEGIN IMMEDIATE``
    transactions (writers queue instead of failing), but plain ``BEGIN`` on connections
    with the :data:`READ_ONLY` execution option (readers do not queue); an in-memory
    SQLite URL shares one connection so every session sees the same data. Bound
    parameters are kept out of SQL logs and error messages: they carry password hashes.
    """
    return create_engine_for_url(settings.database_url, busy_timeout=settings.sqlite_busy_timeout)


def create_engine_for_url(url: str, *, busy_timeout: float = 30.0) -> Engine:
    """Create an engine for a SQLAlchemy URL (see :func:`create_engine_from_settings`)."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    in_memory = url in {"sqlite://", "sqlite:///:memory:"} or "mode=memory" in url
    if not in_memory:
        _create_private(url)
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": busy_timeout},
        "hide_parameters": True,
    }
    if in_memory:
        options["poolclass"] = StaticPool
    else:
        # One connection per worker thread that may hold one (anyio's default limit is 40),
        # kept open: past the default pool_size of 5, every busy moment opened and closed
        # SQLite connections (a connect and three PRAGMAs each): about a third of a read's
        # database time in a profile under load.
        options["pool_size"] = SQLITE_POOL_SIZE
        options["max_overflow"] = 0
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _configure_sqlite)
    if in_memory:
        event.listen(engine, "begin", _begin)
        return engine
    database = make_url(url).database
    lock_file = None if not database or database.startswith("file:") else f"{database}.write-lock"
    gate = WriteGate(timeout=busy_timeout, lock_file=lock_file)

    def begin_queued(connection: Connection) -> None:
        if not connection.get_execution_options().get(READ_ONLY):
            gate.enter(connection.connection.info)
        _begin(connection)

    def checkin(_dbapi_connection: Any, connection_record: Any) -> None:
        gate.leave(connection_record.info)

    event.listen(engine, "begin", begin_queued)
    event.listen(engine.pool, "checkin", checkin)
    return engine


def _create_private(url: str) -> None:
    # SQLite creates a missing file with the process's umask (0644 most often) and gives
    # the -wal and -shm files the database file's mode: create it empty (a valid empty
    # database) with 0600 first. An existing file keeps the mode its owner chose.
    database = make_url(url).database
    if not database or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except (FileExistsError, FileNotFoundError):
        return  # there already, or no such directory: SQLite reports that itself


def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    # The driver's own transaction handling would let a SAVEPOINT commit on release;
    # turning it off and emitting BEGIN ourselves (below) keeps savepoints nested.
    dbapi_connection.isolation_level = None
    register_sqlite_lower(dbapi_connection)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so two
    # transactions that read then write cannot fail with "database is locked" half-way.
    # A read-only transaction never writes: deferred, it reads a WAL snapshot without
    # waiting for (or blocking) the writer.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
