"""Clients of the test cluster that the attacks need: other source addresses, slow senders.

Every address in 127.0.0.0/8 is this machine's: a connection bound to 127.0.0.2 reaches
HAProxy on 127.0.0.1 as a client of its own address, so one test plays an attacker and
the people it should not hurt from different addresses.
"""

from __future__ import annotations

import contextlib
import http.client
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["Answer", "Prober", "SlowSender", "request"]


@dataclass(frozen=True)
class Answer:
    """What came back: the status, the headers (lower-cased names) and the body."""

    status: int
    headers: dict[str, str]
    body: bytes


def request(
    base_url: str,
    method: str,
    path: str,
    *,
    source: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10,
) -> Answer:
    """Send one request from the address ``source`` on a new connection."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()


@dataclass
class _Slow:
    sock: socket.socket
    opened: float
    closed: float | None = None
    received: bytes = b""


@dataclass
class SlowSender:
    """``count`` connections from ``source`` that send ``opening``, then ``drip`` every ``every`` s.

    Run it with :meth:`run` (in a thread); each connection records when it was closed by
    the other side and what it received before that.
    """

    port: int
    source: str
    count: int
    opening: bytes
    drip: bytes
    every: float = 0.25
    connections: list[_Slow] = field(default_factory=list)

    def run(self, duration: float) -> None:
        """Open the connections, then drip into the open ones for ``duration`` seconds."""
        selector = selectors.DefaultSelector()
        for _ in range(self.count):
            sock = socket.socket()
            sock.bind((self.source, 0))
            sock.settimeout(2)
            slow = _Slow(sock, time.monotonic())
            self.connections.append(slow)
            try:  # a connection refused at once may be reset while it opens
                sock.connect(("127.0.0.1", self.port))
                sock.sendall(self.opening)
            except OSError:
                self._closed(slow, selector)
                continue
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, slow)
        end = time.monotonic() + duration
        next_drip = time.monotonic() + self.every
        while time.monotonic() < end and selector.get_map():
            for key, _ in selector.select(timeout=max(0.0, next_drip - time.monotonic())):
                slow = key.data
                try:
                    data = slow.sock.recv(4096)
                except OSError:
                    data = b""
                slow.received += data
                if not data:
                    self._closed(slow, selector)
            if time.monotonic() >= next_drip:
                next_drip += self.every
                for key in list(selector.get_map().values()):
                    try:
                        key.data.sock.send(self.drip)
                    except OSError:
                        self._closed(key.data, selector)
        for slow in self.connections:
            if slow.closed is None:
                selector.unregister(slow.sock)
            slow.sock.close()
        selector.close()

    @staticmethod
    def _closed(slow: _Slow, selector: selectors.BaseSelector) -> None:
        slow.closed = time.monotonic()
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(slow.sock)

    def open_at(self, moment: float) -> int:
        """How many connections were open (accepted, not yet closed) at ``moment``."""
        return sum(1 for c in self.connections if c.closed is None or c.closed > moment)

    def longest_open(self) -> float:
        """The longest time one connection stayed open (``inf`` if one never closed)."""
        return max(
            (c.closed - c.opened if c.closed is not None else float("inf"))
            for c in self.connections
        )


@dataclass
class Prober:
    """A real client: requests ``paths`` one after the other, recording status and latency."""

    base_url: str
    paths: list[tuple[str, str, dict[str, str], bytes | None]]
    results: list[tuple[str, int, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Probe until :attr:`stop` is set."""
        while not self.stop.is_set():
            for method, path, headers, body in self.paths:
                started = time.monotonic()
                try:
                    status = request(
                        self.base_url, method, path, headers=headers, body=body, timeout=15
                    ).status
                except OSError:
                    status = 0
                self.results.append((f"{method} {path}", status, time.monotonic() - started))
            self.stop.wait(0.1)  # pacing between rounds, not waiting on anything

    def worst(self) -> float:
        """The slowest answer."""
        return max(latency for _, _, latency in self.results)
