"""A small hostile HTTP/1.1 server on a loopback address, for the SDK's own tests.

It speaks just enough HTTP to read a request (head and ``Content-Length`` body) and lets
each test's handler write whatever bytes it likes back: a redirect elsewhere, a body that
trickles, a head and then silence, a header no honest service would send. Every request is
recorded. Threads are daemons and every socket has a timeout, so a test that goes wrong
ends in seconds instead of hanging the suite.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Conn", "FakeServer", "Handler", "Received"]

IDLE = 5.0  # seconds a connection may sit idle before the server drops it


@dataclass
class Received:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Conn:
    """The connection a handler answers on."""

    sock: socket.socket
    closed: bool = False
    stop: threading.Event = field(default_factory=threading.Event)

    def send(self, data: bytes) -> bool:
        """Write bytes; False once the client has gone (then stop writing)."""
        try:
            self.sock.sendall(data)
        except OSError:
            self.closed = True
            return False
        return True

    def respond(
        self,
        status: int,
        body: bytes | Any = b"",
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        *,
        reason: str = "X",
    ) -> None:
        """Send a whole answer; a non-bytes body is sent as JSON."""
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
            pairs.append(("Content-Type", "application/json"))
        names = {name.lower() for name, _ in pairs}
        if "content-length" not in names and "transfer-encoding" not in names:
            pairs.append(("Content-Length", str(len(body))))
        self.send(self.head(status, pairs, reason=reason) + body)

    @staticmethod
    def head(status: int, headers: Iterable[tuple[str, str]], *, reason: str = "X") -> bytes:
        lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def trickle(self, piece: bytes, every: float, *, chunked: bool = True) -> None:
        """Send ``piece`` every ``every`` seconds until the client goes or the server stops."""
        data = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
        while not self.stop.wait(every) and self.send(data):
            pass
        self.closed = True

    def hang(self) -> None:
        """Send nothing more until the client goes or the server stops."""
        self.sock.settimeout(0.05)
        while not self.stop.is_set():
            try:
                if not self.sock.recv(1):
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        self.closed = True

    def drop(self) -> None:
        """Close the connection now (the client sees a reset or a short body)."""
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


Handler = Callable[[Received, Conn], None]


class FakeServer:
    """A threaded fake service on ``host`` (127.0.0.1 or 127.0.0.2) and a free port.

    Args:
        handler: Called for every request with what was read and the connection.
        host: The loopback address to listen on.
    """

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self.handler = handler
        self.received: list[Received] = []
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.1)
        self.host = host
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[Conn] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.received]

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(IDLE)
        reader = sock.makefile("rb")
        conn = Conn(sock, stop=self._stop)
        self._conns.append(conn)
        try:
            while not conn.closed and not self._stop.is_set():
                request = self._read(reader)
                if request is None:
                    return
                self.received.append(request)
                self.handler(request, conn)
        except OSError:
            return
        finally:
            reader.close()
            sock.close()

    @staticmethod
    def _read(reader: Any) -> Received | None:
        line = reader.readline(65537)
        if not line.strip():
            return None
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (header := reader.readline(65537)) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0")))
        return Received(method, target, headers, body)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        for conn in self._conns:  # wake the threads blocked reading an idle connection
            conn.drop()
        deadline = time.monotonic() + 5
        for thread in [self._accepting, *self._threads]:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
