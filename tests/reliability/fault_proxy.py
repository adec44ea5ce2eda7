"""A small HTTP proxy that sits between the SDK and a local service and misbehaves on cue.

It forwards each request to the upstream service and, when a rule matches, breaks the
exchange the way real networks and gateways do (see :class:`Fault`). Each rule applies a
given number of times and is then spent, so a retry can succeed; a rule may also fire at
random (seeded) and at most a few times for one logical call (one ``X-Request-ID``).

The older one-shot API stays: ``plan.drop_response.append(matcher)`` loses the response
of the first exchange ``matcher(method, path)`` accepts, after the service did the work.
"""

from __future__ import annotations

import enum
import http.client
import random
import socket
import socketserver
import struct
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit

Matcher = Callable[[str, str], bool]
"""Decides, from (method, path), whether a rule applies to this exchange."""

_HOP_BY_HOP = frozenset({"content-length", "connection", "transfer-encoding", "keep-alive"})

GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
INVALID_JSON = b'{"id": 1, "text": "cut sho'


def everything(method: str, path: str) -> bool:
    """Match every exchange."""
    return True


def refused_url() -> str:
    """Return an ``http://127.0.0.1:<port>`` URL nobody listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Fault(enum.Enum):
    """How an exchange is broken."""

    RESET_BEFORE = "reset_before"
    """The connection is reset (RST) once the request is read; the service never sees it."""
    DROP_RESPONSE = "drop_response"
    """The service does the work; the connection closes before a byte of the answer."""
    STALL = "stall"
    """The service does the work; the proxy holds the answer for ``hold`` seconds."""
    TRUNCATE = "truncate"
    """The service does the work; half the body is sent under the full Content-Length."""
    GATEWAY_502 = "gateway_502"
    """A gateway's HTML 502 page (text/html); the service never sees the request."""
    INVALID_JSON = "invalid_json"
    """The service does the work; its 2xx body is replaced by broken JSON."""
    STATUS = "status"
    """Answer ``status`` with ``headers`` and a problem body (e.g. 503/429 + Retry-After)."""


@dataclass
class FaultRule:
    """One fault, where it applies and how often.

    Attributes:
        fault: What to break.
        match: Which exchanges it applies to, from (method, path).
        times: How many exchanges it breaks before it is spent; None: never spent.
        probability: The chance it fires on a matching exchange (drawn from ``seed``).
        seed: Seeds the random draws, so a run can be replayed.
        per_request: At most this many fires for one ``X-Request-ID`` (one logical call).
        status: For ``STATUS``: the status to answer.
        headers: For ``STATUS``: extra headers, such as ``Retry-After``.
        forward: For ``STATUS``: let the service do the work first (the answer is lost).
        hold: For ``STALL``: seconds the answer is held back.
        hits: How many times it fired so far.
    """

    fault: Fault
    match: Matcher = everything
    times: int | None = 1
    probability: float = 1.0
    seed: int = 0
    per_request: int | None = None
    status: int = 503
    headers: Mapping[str, str] = field(default_factory=dict)
    forward: bool = False
    hold: float = 2.0
    hits: int = 0
    _random: random.Random = field(init=False, repr=False)
    _per_request: Counter[str] = field(init=False, repr=False, default_factory=Counter)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # fault injection, not crypto

    def fires(self, method: str, path: str, request_id: str) -> bool:
        """Whether this rule breaks the exchange; counts it when it does (call under a lock)."""
        if self.times is not None and self.hits >= self.times:
            return False
        if not self.match(method, path):
            return False
        if self.per_request is not None and self._per_request[request_id] >= self.per_request:
            return False
        if self.probability < 1 and self._random.random() >= self.probability:
            return False
        self.hits += 1
        self._per_request[request_id] += 1
        return True


@dataclass
class FaultPlan:
    """What to break. Rules are tried in order; the first that fires wins."""

    rules: list[FaultRule] = field(default_factory=list)
    drop_response: list[Matcher] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)

    def add(self, rule: FaultRule) -> FaultRule:
        """Append ``rule`` and return it (to read its ``hits`` later)."""
        with self.lock:
            self.rules.append(rule)
        return rule

    def choose(self, method: str, path: str, request_id: str) -> FaultRule | None:
        """Record the exchange and return the rule that breaks it, if any."""
        with self.lock:
            self.seen.append((method, path))
            for index, matcher in enumerate(self.drop_response):
                if matcher(method, path):
                    del self.drop_response[index]
                    return FaultRule(Fault.DROP_RESPONSE)
            for rule in self.rules:
                if rule.fires(method, path, request_id):
                    return rule
        return None


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def head(self, content_length: int | None = None) -> bytes:
        length = len(self.body) if content_length is None else content_length
        lines = [f"HTTP/1.1 {self.status} {self.reason}\r\n"]
        lines += [f"{name}: {value}\r\n" for name, value in self.headers]
        lines.append(f"Content-Length: {length}\r\n\r\n")
        return "".join(lines).encode("latin-1")


class _Handler(socketserver.StreamRequestHandler):
    server: _ProxyServer
    _upstream: http.client.HTTPConnection | None = None

    def finish(self) -> None:
        if self._upstream is not None:
            self._upstream.close()
        super().finish()

    def handle(self) -> None:
        while (request := self._read_request()) is not None:
            rule = self.server.plan.choose(
                request.method, request.path, request.headers.get("X-Request-ID", "")
            )
            try:
                if not self._serve(request, rule):
                    return
            except OSError:  # the client gave up (e.g. its read timeout); nothing to do
                return

    def _read_request(self) -> _Request | None:
        request_line = self.rfile.readline(65537)
        if not request_line.strip():
            return None
        method, path, _ = request_line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (line := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip()] = value.strip()
        # Names in any case: HAProxy, for one, sends them in lower case.
        named = {name.lower(): name for name in headers}
        length = int(headers.get(named.get("content-length", ""), "0"))
        body = self.rfile.read(length) if length else None
        headers.pop(named.get("connection", ""), None)
        return _Request(method, path, headers, body)

    def _forward(self, request: _Request) -> _Answer:
        if self._upstream is None:
            self._upstream = http.client.HTTPConnection(self.server.upstream, timeout=30)
        upstream = self._upstream
        try:
            upstream.request(
                request.method, request.path, body=request.body, headers=request.headers
            )
            response = upstream.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            upstream.close()
            self._upstream = None
            raise
        headers = [
            (name, value)
            for name, value in response.getheaders()
            if name.lower() not in _HOP_BY_HOP
        ]
        return _Answer(response.status, response.reason, headers, body)

    def _serve(self, request: _Request, rule: FaultRule | None) -> bool:
        """Answer one request, broken as ``rule`` says; return whether to keep the connection."""
        fault = rule.fault if rule is not None else None
        if fault is Fault.RESET_BEFORE:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if fault is Fault.GATEWAY_502:
            html = [("Content-Type", "text/html"), ("Server", "nginx")]
            self._write(_Answer(502, "Bad Gateway", html, GATEWAY_PAGE))
            return True
        if rule is not None and fault is Fault.STATUS and not rule.forward:
            self._write(_status_answer(rule))
            return True
        answer = self._forward(request)
        if rule is None:
            self._write(answer)
            return True
        if fault is Fault.DROP_RESPONSE:
            self.connection.shutdown(socket.SHUT_RDWR)
            return False
        if fault is Fault.STALL:
            self.server.plan.released.wait(rule.hold)
            self._write(answer)
            return False
        if fault is Fault.TRUNCATE:
            half = answer.body[: len(answer.body) // 2]
            self.wfile.write(answer.head(content_length=len(answer.body)) + half)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return False
        if fault is Fault.INVALID_JSON:
            self._write(_Answer(answer.status, answer.reason, answer.headers, INVALID_JSON))
            return True
        self._write(_status_answer(rule))  # STATUS after the service did the work
        return True

    def _write(self, answer: _Answer) -> None:
        self.wfile.write(answer.head() + answer.body)
        self.wfile.flush()


def _status_answer(rule: FaultRule) -> _Answer:
    reason = http.client.responses.get(rule.status, "Error")
    code = "rate_limited" if rule.status == 429 else "unavailable"
    body = (
        f'{{"type": "/problems/{code}", "title": "{reason}", "status": {rule.status}, '
        f'"detail": "injected by the fault proxy", "code": "{code}"}}'
    ).encode()
    headers = [("Content-Type", "application/problem+json"), *rule.headers.items()]
    return _Answer(rule.status, reason, headers, body)


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, upstream: str, plan: FaultPlan) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.plan = plan


class FaultProxy:
    """Run a fault-injecting proxy on 127.0.0.1 in front of ``upstream_url``.

    Several proxies may share one ``plan``: a rule then breaks one exchange among all of
    them (one of a load balancer's nodes, whichever it picks).
    """

    def __init__(self, upstream_url: str, plan: FaultPlan | None = None) -> None:
        self.plan = plan if plan is not None else FaultPlan()
        self._server = _ProxyServer(urlsplit(upstream_url).netloc, self.plan)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

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
        self.plan.released.set()  # let stalled answers go, so their threads end
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
