"""Child processes that serve on 127.0.0.1: a free port for one, and waiting until it serves."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable

__all__ = ["accepts", "free_port", "tcp_sockets", "wait_until_serving"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def tcp_sockets(port: int, state: str) -> set[str]:
    """The inodes of the IPv4 TCP sockets on local ``port`` in ``state`` (Linux only).

    ``state`` as ``/proc/net/tcp`` writes it: ``"0A"`` listening, ``"01"`` established.
    """
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            inodes.add(fields[9])
    return inodes


def accepts(port: int) -> bool:
    """Whether something accepts TCP connections on ``127.0.0.1:port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_until_serving(
    process: subprocess.Popen[Any],
    port: int,
    *,
    ready: Callable[[], bool] | None = None,
    timeout: float = 30,
    log: Path | None = None,
) -> None:
    """Wait until ``process`` serves on ``port``: ``ready()`` (by default, it accepts).

    Raises:
        RuntimeError: The process ended first, or ``timeout`` seconds passed; the message
            holds ``log`` (the process's output) when given.
    """
    probe = ready if ready is not None else lambda: accepts(port)
    deadline = time.monotonic() + timeout
    while not probe():
        if process.poll() is not None or time.monotonic() > deadline:
            said = log.read_text(errors="replace") if log is not None else ""
            state = "exited" if process.poll() is not None else f"not serving after {timeout} s"
            raise RuntimeError(f"the process on port {port} {state}\n{said}")
        time.sleep(0.05)  # waiting for the process to bind, not for a retry
