"""Serve an ASGI app with uvicorn workers as ``microblog-server serve`` serves the service.

Each worker listens on a socket of its own (``SO_REUSEPORT`` on Linux, see
:mod:`microblog_server.worker_sockets`), made with ``IPPROTO_TCP``, so that both sides of
the service benchmark spread wrk's connections over their workers alike.

``uvicorn --workers N`` binds ``socket.socket(family)`` (protocol 0). Accepted
connections inherit that protocol number, and asyncio only sets ``TCP_NODELAY`` on sockets
whose protocol is ``IPPROTO_TCP``: so with workers, every response written in two parts
(headers, then body) waits for the client's delayed ACK, about 40 ms on Linux. This
launcher is the fix (``microblog-server serve`` applies the same one); the service
benchmark serves the bare app with it, so that both sides have ``TCP_NODELAY``.

Usage: ``python -m tests.benchmarks._nodelay_serve APP PORT WORKERS [--factory]``
"""

from __future__ import annotations

import sys

import uvicorn
from uvicorn.supervisors import Multiprocess

from microblog_server.worker_sockets import workers_sockets

__all__ = ["main"]


def main(argv: list[str]) -> None:
    """Serve ``APP`` on ``127.0.0.1:PORT`` with ``WORKERS`` processes."""
    app, port, workers = argv[0], int(argv[1]), int(argv[2])
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        workers=workers,
        factory="--factory" in argv,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )
    sockets, _ = workers_sockets("127.0.0.1", port, backlog=config.backlog)
    Multiprocess(config, sockets=sockets).run()


if __name__ == "__main__":
    main(sys.argv[1:])
