"""``serve --workers N``: each worker listens on its own socket and gets its share of clients."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from microblog_server.worker_sockets import WorkerSockets, balances_connections
from tests.processes import accepts, free_port, tcp_sockets, wait_until_serving

pytestmark = pytest.mark.skipif(
    not balances_connections(), reason="SO_REUSEPORT spreads connections on Linux only"
)

_LISTEN, _ESTABLISHED = "0A", "01"


def _sockets_of(pid: int) -> set[str]:
    """The inodes of the sockets a process holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    children: list[int] = []
    for task in tasks.iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children


def test_each_worker_listens_on_its_own_socket_and_clients_spread_over_them(
    tmp_path: Path,
) -> None:
    port = free_port()
    environment = {
        **os.environ,
        "MICROBLOG_SECRET_KEY": "worker-sockets-secret-key-0123456789-abcdef",
        "MICROBLOG_DATABASE_URL": f"sqlite:///{tmp_path / 'workers.db'}",
    }
    command = [sys.executable, "-m", "microblog_server", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", "2"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_serving(server, port, ready=lambda: accepts(port), timeout=30)
        deadline = time.monotonic() + 30
        while len(tcp_sockets(port, _LISTEN)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the second worker is starting (or, shared, never listens)
        listening = tcp_sockets(port, _LISTEN)
        held = {child: _sockets_of(child) for child in _children(server.pid)}
        workers = [child for child, inodes in held.items() if inodes & listening]
        supervisor_listens = bool(_sockets_of(server.pid) & listening)
        with ExitStack() as stack:
            # 32 keep-alive clients opened at once, as a load balancer's pool or a load
            # generator opens them: with one shared socket the first worker to wake
            # accepted nearly all of them, most of the time.
            clients = [
                stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
                for _ in range(32)
            ]
            for client in clients:
                client.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            for client in clients:
                assert client.recv(65536).startswith(b"HTTP/1.1 200")
            connected = tcp_sockets(port, _ESTABLISHED)
            per_worker = [len(_sockets_of(worker) & connected) for worker in workers]
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=10)

    assert b"Traceback" not in errors
    assert len(listening) == 2  # one socket per worker, not one shared by both
    assert len(workers) == 2
    assert [len(held[worker] & listening) for worker in workers] == [1, 1]
    assert not supervisor_listens  # the supervisor's socket never listens
    assert sum(per_worker) == 32
    assert min(per_worker) >= 1  # all 32 on one worker: 2 chances in 2**32 by the hash


def test_worker_sockets_reserve_the_port_and_bind_only_in_a_worker() -> None:
    sockets = WorkerSockets("127.0.0.1", 0, backlog=8)
    try:
        assert sockets.port > 0  # port 0 resolved once, for every worker
        with pytest.raises(RuntimeError, match="supervisor"):
            sockets[0]  # listening here would swallow its share of connections
        assert not accepts(sockets.port)  # the reservation does not listen

        # What a worker gets: the address, not a socket (a socket would not pickle).
        state = pickle.loads(pickle.dumps(sockets)).__getstate__()
        worker = WorkerSockets.__new__(WorkerSockets)
        worker.__setstate__({**state, "supervisor": -1})  # as unpickled in another process
        sock = worker[0]
        with sock:
            assert worker[0] is sock  # bound once, however often uvicorn looks
            assert len(worker) == 1
            assert sock.proto == socket.IPPROTO_TCP  # so asyncio sets TCP_NODELAY
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            assert sock.getsockname() == ("127.0.0.1", sockets.port)
            assert accepts(sockets.port)
    finally:
        sockets.reservation.close()


def test_a_port_in_use_fails_in_the_supervisor_at_once() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="in use"):
            WorkerSockets("127.0.0.1", taken.getsockname()[1], backlog=8)


def test_serve_with_workers_on_a_port_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "MICROBLOG_SECRET_KEY": "worker-sockets-secret-key-0123456789-abcdef",
        "MICROBLOG_DATABASE_URL": f"sqlite:///{tmp_path / 'workers.db'}",
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "microblog_server", "serve", "--port", str(port)]
        finished = subprocess.run(
            [*command, "--workers", "2"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in finished.stderr
