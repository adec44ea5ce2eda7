"""SQLite writers of one process queue on the write gate, from BEGIN to checkin."""

from __future__ import annotations

import subprocess
import sys
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


FILE = "microblog_write_gate_file"


def test_writers_of_two_processes_queue_on_the_lock_file(tmp_path: Path) -> None:
    # Two gates on one file are two processes' gates: a flock belongs to the open file,
    # not to the thread or the process.
    lock_file = str(tmp_path / "db.sqlite.write-lock")
    first, second = (
        WriteGate(timeout=5, lock_file=lock_file),
        WriteGate(timeout=5, lock_file=lock_file),
    )
    holder: dict[str, object] = {}
    waiter: dict[str, object] = {}
    first.enter(holder)
    blocked = threading.Thread(target=second.enter, args=(waiter,))
    blocked.start()
    blocked.join(timeout=0.2)
    waiting = blocked.is_alive()
    first.leave(holder)
    blocked.join(timeout=5)

    assert waiting
    assert waiter[HELD] is True
    assert waiter[FILE] is not None
    second.leave(waiter)
    assert FILE not in waiter
    assert (Path(lock_file).stat().st_mode & 0o777) == 0o600


def test_a_writer_past_the_timeout_goes_on_without_the_other_process(tmp_path: Path) -> None:
    lock_file = str(tmp_path / "db.sqlite.write-lock")
    first = WriteGate(timeout=5, lock_file=lock_file)
    impatient = WriteGate(timeout=0.01, lock_file=lock_file)
    holder: dict[str, object] = {}
    late: dict[str, object] = {}
    first.enter(holder)

    impatient.enter(late)

    assert late[HELD] is True  # its own process's gate, which nobody held
    assert late[FILE] is None  # not the file: SQLite's busy timeout bounds the rest
    impatient.leave(late)
    first.leave(holder)


def test_a_sqlite_file_engine_waits_for_another_process_holding_the_lock_file(
    tmp_path: Path,
) -> None:
    database = tmp_path / "gate.db"
    engine = create_engine_for_url(f"sqlite:///{database}")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_THE_LOCK_FILE, f"{database}.write-lock"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    done = threading.Event()

    def write() -> None:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        done.set()

    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"locked\n"
        writer = threading.Thread(target=write)
        writer.start()
        waited = not done.wait(0.3)  # the other process holds the file: no BEGIN yet
        holder.communicate(b"release\n", timeout=10)
        writer.join(timeout=10)
    finally:
        holder.kill()
        engine.dispose()

    assert waited
    assert done.is_set()


_HOLD_THE_LOCK_FILE = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.readline()
"""
