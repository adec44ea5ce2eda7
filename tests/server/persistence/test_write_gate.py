"""SQLite writers of one process queue on the write gate, from BEGIN to checkin."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from microblog_server.persistence.engine import READ_ONLY, create_engine_for_url
from microblog_server.persistence.write_gate import WriteGate

pytestmark = pytest.mark.sqlite_only

HELD = "microblog_write_gate"


def test_the_gate_is_taken_once_per_connection_and_released_at_leave() -> None:
    gate = WriteGate(timeout=5)
    info: dict[str, object] = {}

    gate.enter(info)
    gate.enter(info)  # a second transaction on the same checkout: still one hold
    other: dict[str, object] = {}
    blocked = threading.Thread(target=gate.enter, args=(other,))
    blocked.start()
    blocked.join(timeout=0.2)
    waiting = blocked.is_alive()
    gate.leave(info)
    blocked.join(timeout=5)

    assert waiting
    assert other[HELD] is True
    gate.leave(other)
    gate.leave(other)  # not held any more: nothing to release


def test_a_writer_past_the_timeout_goes_on_without_the_gate() -> None:
    gate = WriteGate(timeout=0.01)
    holder: dict[str, object] = {}
    late: dict[str, object] = {}
    gate.enter(holder)

    gate.enter(late)

    assert late[HELD] is False
    gate.leave(late)  # releases nothing it does not hold
    gate.leave(holder)


def test_a_write_transaction_holds_the_gate_until_its_connection_is_checked_in(
    tmp_path: Path,
) -> None:
    engine = create_engine_for_url(f"sqlite:///{tmp_path / 'gate.db'}")
    try:
        with engine.connect() as connection:
            with connection.begin():
                connection.execute(text("CREATE TABLE t (x INTEGER)"))
                held_in_transaction = connection.connection.info.get(HELD)
            held_after_commit = connection.connection.info.get(HELD)
            record = connection.connection.info
        with engine.connect().execution_options(**{READ_ONLY: True}) as reader:
            with reader.begin():
                reader.execute(text("SELECT count(*) FROM t"))
                held_by_reader = reader.connection.info.get(HELD)
    finally:
        engine.dispose()

    assert held_in_transaction is True
    assert held_after_commit is True  # the COMMIT is done only when the connection returns
    assert HELD not in record  # released at checkin
    assert not held_by_reader  # readers never queue
