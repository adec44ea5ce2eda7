"""Read-only units of work read beside a writer; writers still take turns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError

from microblog_server.persistence import (
    SqlAlchemyUnitOfWork,
    create_engine_for_url,
    upgrade,
)
from microblog_server.persistence.engine import SQLITE_POOL_SIZE
from microblog_server.services import UnitOfWork

# SQLite's write lock and connection pool: PostgreSQL has row locks and MVCC instead.
pytestmark = pytest.mark.sqlite_only

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def impatient_engine(tmp_path: Path) -> Iterator[Engine]:
    # A short busy timeout: a blocked transaction fails fast instead of waiting 30 s.
    engine = create_engine_for_url(f"sqlite:///{tmp_path / 'microblog.db'}", busy_timeout=0.1)
    upgrade(engine)
    yield engine
    engine.dispose()


def add_dana(uow: UnitOfWork) -> None:
    uow.users.add(username="dana", display_name="Dana", bio="", password_hash="hash", created_at=T0)


def test_a_read_only_unit_of_work_reads_while_another_holds_the_write_lock(
    impatient_engine: Engine,
) -> None:
    with SqlAlchemyUnitOfWork(impatient_engine) as writer:
        add_dana(writer)
        writer.commit()
        writer.users.get_by_username("dana")  # a new IMMEDIATE transaction: the lock is held

        with SqlAlchemyUnitOfWork(impatient_engine, read_only=True) as reader:
            found = reader.users.get_by_username("dana")

    assert found is not None
    assert found.username == "dana"


def test_a_writing_unit_of_work_still_waits_for_the_write_lock(
    impatient_engine: Engine,
) -> None:
    with SqlAlchemyUnitOfWork(impatient_engine) as writer:
        writer.users.get_by_username("dana")  # holds the write lock

        with (
            SqlAlchemyUnitOfWork(impatient_engine) as second,
            pytest.raises(OperationalError, match="locked"),
        ):
            second.users.get_by_username("dana")


def test_a_read_only_unit_of_work_refuses_to_commit(impatient_engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(impatient_engine, read_only=True) as reader:
        with pytest.raises(RuntimeError, match="read-only unit of work cannot write"):
            add_dana(reader)
        with pytest.raises(RuntimeError, match="read-only"):
            reader.commit()

    with SqlAlchemyUnitOfWork(impatient_engine, read_only=True) as reader:
        assert reader.users.get_by_username("dana") is None


def test_a_sqlite_file_engine_keeps_a_connection_per_worker_thread_open(
    impatient_engine: Engine,
) -> None:
    # Past the default pool of 5, each busy moment opened and closed connections (a
    # connect and three PRAGMAs each): the pool now holds one per worker thread.
    connections = [impatient_engine.connect() for _ in range(SQLITE_POOL_SIZE)]
    for connection in connections:
        connection.close()

    assert impatient_engine.pool.checkedin() == SQLITE_POOL_SIZE  # type: ignore[attr-defined]
    assert anyio.run(_worker_threads) <= SQLITE_POOL_SIZE


async def _worker_threads() -> int:
    """How many worker threads the ASGI server may run sync routes in (anyio's limit)."""
    return int(anyio.to_thread.current_default_thread_limiter().total_tokens)


def test_a_read_only_unit_of_work_ends_its_transaction_when_closed(
    impatient_engine: Engine,
) -> None:
    # It is closed, not rolled back through the session: the pool's reset must still end
    # the transaction it began, or the connection would keep a WAL snapshot open.
    ended: list[bool] = []

    @event.listens_for(impatient_engine.pool, "checkin")
    def checked_in(dbapi_connection: Any, _record: Any) -> None:
        ended.append(not dbapi_connection.in_transaction)

    with SqlAlchemyUnitOfWork(impatient_engine, read_only=True) as reader:
        reader.users.get_by_username("dana")
        connection = reader.users.db
        assert isinstance(connection, Connection)  # not a session: see unit_of_work.py
        raw = connection.connection.driver_connection
        assert raw is not None
        assert raw.in_transaction

    assert ended == [True]
