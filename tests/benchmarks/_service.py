"""The service under measurement, in its own process: ``microblog-server serve``.

The benchmarks measure the client's process, so the service must not share its CPU
accounting or its GIL: it runs as a separate ``microblog-server serve`` process on
``127.0.0.1``, a free port and a throw-away SQLite database, with rate limits off and
cheap password hashing (logins are not what is measured).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from microblog_server.worker_sockets import balances_connections
from tests.cluster.stack import MEASURING
from tests.processes import tcp_sockets

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["BENCH_PASSWORD", "ServiceProcess", "create_user", "free_port", "wait_for_port"]

BENCH_PASSWORD = "bench-password-1"
_SECRET = "benchmark-secret-key-0123456789abcdef"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 30.0, *, listeners: int = 1) -> None:
    """Wait until something accepts connections on ``127.0.0.1:port``.

    With ``listeners``, also until that many sockets listen on it (each worker of a
    ``serve --workers N`` has its own on Linux): a load started while only the first worker
    listens would put every connection on it.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
        except OSError:
            time.sleep(0.05)
            continue
        if not balances_connections() or len(tcp_sockets(port, "0A")) >= listeners:
            return
        time.sleep(0.05)
    raise RuntimeError(f"not {listeners} listening on 127.0.0.1:{port} after {timeout} s")


def _scripts() -> Path:
    return Path(sys.executable).parent


class ServiceProcess:
    """``microblog-server serve --workers N`` over a temporary SQLite database.

    Args:
        workers: Uvicorn worker processes (with more than one, ``serve`` sets
            ``TCP_NODELAY`` on accepted connections itself).
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._directory = tempfile.mkdtemp(prefix="microblog-bench-")
        self.database_url = f"sqlite:///{self._directory}/bench.db"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The service's process id, also its process group (0 when not running)."""
        return 0 if self._process is None else self._process.pid

    def environment(self) -> dict[str, str]:
        """The environment the service runs with (also for seeding its database)."""
        return {
            **os.environ,
            "MICROBLOG_DATABASE_URL": self.database_url,
            "MICROBLOG_SECRET_KEY": _SECRET,
            **MEASURING,
        }

    def start(self) -> ServiceProcess:
        """Start serving and wait until the port accepts connections."""
        command = [
            str(_scripts() / "microblog-server"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
        ]
        environment = self.environment()
        self._process = subprocess.Popen(
            command,
            env=environment,
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, listeners=self.workers)
        return self

    def stop(self) -> None:
        """Stop the service (its whole process group) and delete the database."""
        stop_process(self._process)
        self._process = None
        shutil.rmtree(self._directory, ignore_errors=True)

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def create_user(self, username: str) -> str:
        """Sign up ``username`` (password :data:`BENCH_PASSWORD`) and return a bearer token."""
        return create_user(self.url, username)


def create_user(url: str, username: str) -> str:
    """Sign up ``username`` at the service at ``url``; return a bearer token for it."""
    body = json.dumps({"username": username, "password": BENCH_PASSWORD}).encode()
    _post(url + "/api/v1/users", body, "application/json")
    form = urllib.parse.urlencode(
        {"grant_type": "password", "username": username, "password": BENCH_PASSWORD}
    ).encode()
    token: str = _post(url + "/api/v1/token", form, "application/x-www-form-urlencoded")[
        "access_token"
    ]
    return token


def _post(url: str, data: bytes, content_type: str) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": content_type}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a process started with ``start_new_session=True``, with its workers."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
