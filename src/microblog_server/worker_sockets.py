"""The listening sockets of ``serve --workers N``: one per worker, so the kernel shares the load.

uvicorn's supervisor binds one socket and every worker accepts from it. Whoever wakes
first accepts everything that is waiting, so a client that opens its keep-alive
connections at once (a load balancer's pool, a load generator) often lands all of them on
one worker, and a two-worker service runs on one core (measured: in 6 of 8 rounds of 16
connections, one worker served everything; docs/performance.md). On Linux each worker
now binds its own socket with ``SO_REUSEPORT`` on the same address; the kernel hashes each
new connection to one of the group's sockets, so connections spread over the workers
whichever of them is awake. The supervisor's own socket is bound but never listens: it
keeps the port (and resolves port 0) and receives no connections.

Why our own mechanism: uvicorn has no option for it (encode/uvicorn#2472 is still open);
its supervisor hands each worker, including the ones it restarts, the ``sockets`` it was
given, pickled. :class:`WorkerSockets` is that list, and binds a fresh socket in each
worker process the first time the worker looks at it.

Every socket is made with ``IPPROTO_TCP``: asyncio sets ``TCP_NODELAY`` only on accepted
sockets whose protocol says TCP, and without it every response written in two parts waits
for the client's delayed ACK (about 40 ms).
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence
from typing import Any, cast, overload

__all__ = ["WorkerSockets", "balances_connections", "bind_tcp_socket", "workers_sockets"]


def balances_connections() -> bool:
    """Tell whether ``SO_REUSEPORT`` spreads connections over sockets here (Linux only).

    Elsewhere (macOS, the BSDs) several sockets may bind the port, but one of them gets
    every connection: the workers then share one socket, as uvicorn does.
    """
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def bind_tcp_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """Bind a TCP socket (``IPPROTO_TCP``) to ``host:port``, as uvicorn binds its own."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class WorkerSockets(Sequence[socket.socket]):
    """The ``sockets`` list uvicorn's supervisor hands every worker: one socket, bound there.

    Made in the supervisor, which keeps :attr:`reservation` (bound with ``SO_REUSEPORT``,
    not listening); pickled to each worker it starts, where the first look binds and
    listens on a socket of the worker's own in the same group.

    Args:
        host: The address to listen on.
        port: The port (0: any free one, the same for every worker).
        backlog: The listen queue of each worker's socket.

    Raises:
        OSError: The address cannot be bound (in use, say), at once in the supervisor.
    """

    def __init__(self, host: str, port: int, *, backlog: int) -> None:
        self.reservation = bind_tcp_socket(host, port, reuse_port=True)
        self._host = host
        self._port = int(self.reservation.getsockname()[1])
        self._backlog = backlog
        self._supervisor = os.getpid()
        self._socket: socket.socket | None = None

    @property
    def port(self) -> int:
        """The port every worker listens on."""
        return self._port

    def _bound(self) -> socket.socket:
        if self._socket is None:
            if os.getpid() == self._supervisor:
                # A socket listening here would get its share of connections and never
                # accept them: those clients would hang. Fail loudly instead.
                msg = "the supervisor must not listen on the workers' sockets"
                raise RuntimeError(msg)
            sock = bind_tcp_socket(self._host, self._port, reuse_port=True)
            sock.listen(self._backlog)
            self._socket = sock
        return self._socket

    @overload
    def __getitem__(self, index: int) -> socket.socket: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[socket.socket]: ...
    def __getitem__(self, index: int | slice) -> socket.socket | Sequence[socket.socket]:
        """The worker's socket (bound at the first look)."""
        return [self._bound()][index]

    def __len__(self) -> int:
        """One socket per worker."""
        return 1

    def __getstate__(self) -> dict[str, Any]:
        """What a worker gets: the address, never a socket (each binds its own)."""
        return {
            "host": self._host,
            "port": self._port,
            "backlog": self._backlog,
            "supervisor": self._supervisor,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild in a worker, with no socket yet."""
        self._host = state["host"]
        self._port = state["port"]
        self._backlog = state["backlog"]
        self._supervisor = state["supervisor"]
        self._socket = None


def workers_sockets(host: str, port: int, *, backlog: int) -> tuple[list[socket.socket], int]:
    """The ``sockets`` to hand uvicorn's supervisor for several workers, and their port.

    A socket per worker where the kernel balances them (:class:`WorkerSockets`), else one
    listening socket shared by all, as uvicorn binds it but made with ``IPPROTO_TCP``.

    Raises:
        OSError: The address cannot be bound (in use, say).
    """
    if balances_connections():
        balanced = WorkerSockets(host, port, backlog=backlog)
        # uvicorn types ``sockets`` as a list; it only pickles it to each worker it starts.
        return cast("list[socket.socket]", balanced), balanced.port
    sock = bind_tcp_socket(host, port)
    sock.listen(backlog)
    return [sock], int(sock.getsockname()[1])
