"""A small HTTP proxy that sits between the SDK and a local service and misbehaves on cue.

It forwards each request to the upstream service and, when a rule matches, breaks the
exchange the way real networks do: for now, the service does the work but the response is
lost on the way back (the connection closes before a byte of it is sent).
"""

from __future__ import annotations

import http.client
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit

Rule = Callable[[str, str], bool]
"""Decides, from (method, path), whether to break this exchange."""


@dataclass
class FaultPlan:
    """What to break: each rule breaks the first exchange it matches, then is spent."""

    drop_response: list[Rule] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def should_drop(self, method: str, path: str) -> bool:
        """Record the exchange; return whether its response is to be lost."""
        with self.lock:
            self.seen.append((method, path))
            for index, rule in enumerate(self.drop_response):
                if rule(method, path):
                    del self.drop_response[index]
                    return True
        return False


class _Handler(socketserver.StreamRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        while True:
            request_line = self.rfile.readline(65537)
            if not request_line.strip():
                return
            method, path, _ = request_line.decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (line := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip()] = value.strip()
            length = int(headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length else None
            headers.pop("Connection", None)
            upstream = http.client.HTTPConnection(self.server.upstream, timeout=30)
            try:
                upstream.request(method, path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                reply = [f"HTTP/1.1 {response.status} {response.reason}\r\n".encode("latin-1")]
                for name, value in response.getheaders():
                    if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                        reply.append(f"{name}: {value}\r\n".encode("latin-1"))
                reply.append(f"Content-Length: {len(payload)}\r\n\r\n".encode("latin-1"))
                reply.append(payload)
            finally:
                upstream.close()
            if self.server.plan.should_drop(method, path):
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(b"".join(reply))
            self.wfile.flush()


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: str, plan: FaultPlan) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.plan = plan


class FaultProxy:
    """Run a fault-injecting proxy on 127.0.0.1 in front of ``upstream_url``."""

    def __init__(self, upstream_url: str) -> None:
        self.plan = FaultPlan()
        self._server = _ProxyServer(urlsplit(upstream_url).netloc, self.plan)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The proxy's base URL, to give the client instead of the service's."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
