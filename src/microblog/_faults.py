"""Faults for tests: the rules ``LocalServer.inject`` adds, and the middleware that applies them.

:class:`FaultMiddleware` is a pure ASGI middleware that ``microblog.testing.LocalServer``
wraps around the reference service's app (the service itself knows nothing of it). Before
each request it asks the :class:`FaultPlan` for the first live :class:`Fault` whose method
and path prefix match, and then

- answers with the fault's status, headers and a problem details body, without the
  service seeing the request;
- ``drop="before"``: closes the connection without a byte of response, without the
  service seeing the request;
- ``drop="after"``: lets the service handle the request (the write is done, its answer is
  stored under its ``Idempotency-Key``), throws the answer away and closes the connection.

How a connection is closed is the server's business (``close``, given by LocalServer):
an ASGI app cannot close its connection, and a server whose app returns without a
response answers 500 instead. After closing, the middleware waits for the server's
``http.disconnect`` so that the server sees a client that went away, not an app that
forgot to answer. What an answer says is the service's too: LocalServer hands in its
problem renderer, its request-id rule and its header reader, so an injected answer reads
like the service's own and nothing of the service is copied here.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Literal

__all__ = ["HELPER_HEADER", "Drop", "Fault", "FaultMiddleware", "FaultPlan"]

Drop = Literal["before", "after"]
"""Where a dropped request loses its connection: before or after the service handles it."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Marks the LocalServer's own helper requests (create_user, token_for): never faulted.
HELPER_HEADER = b"x-microblog-testing-helper"

_DROPS = ("before", "after")


class Fault:
    """One injected fault: what it does, which requests it applies to, how often it fired.

    Made by :meth:`microblog.testing.LocalServer.inject`, which documents the arguments.
    A fault is live until it has fired ``times`` times (never, for ``times=None``) or is
    cancelled. Thread-safe: the server's thread fires it while the test reads it.

    Attributes:
        status: The status answered, or None for a dropped request.
        drop: ``"before"`` or ``"after"`` for a dropped request, else None.
        method: The method it applies to (upper case), or None for every method.
        path: The URL path prefix it applies to, or None for every path.
        headers: Headers sent with ``status`` (``Retry-After``, ``RateLimit``, ...).
    """

    def __init__(
        self,
        status: int | None = None,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        headers: Mapping[str, str] | None = None,
        drop: Drop | None = None,
    ) -> None:
        if (status is None) == (drop is None):
            raise ValueError("pass either a status or drop='before'/'after', not both or neither")
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599
        ):
            raise ValueError(f"status must be an int from 400 to 599, not {status!r}")
        if drop is not None and drop not in _DROPS:
            raise ValueError(f"drop must be 'before' or 'after', not {drop!r}")
        if drop is not None and headers:
            raise ValueError("a dropped request gets no response, so no headers")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
            raise TypeError(f"times must be an int or None, not {type(times).__name__}")
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 (or None for every request), not {times}")
        if path is not None and not path.startswith("/"):
            raise ValueError(f"path is a URL path prefix starting with '/', not {path!r}")
        self.status: int | None = status
        self.drop: Drop | None = drop
        self.method: str | None = method.upper() if method is not None else None
        self.path: str | None = path
        self.headers: tuple[tuple[str, str], ...] = tuple(
            _checked(name, value) for name, value in (headers or {}).items()
        )
        self._times = times
        self._hits = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        what = f"status={self.status}" if self.status is not None else f"drop={self.drop!r}"
        where = "".join(
            f", {name}={value!r}"
            for name, value in (("method", self.method), ("path", self.path))
            if value is not None
        )
        return f"<Fault {what}{where}, hits={self.hits}, remaining={self.remaining}>"

    @property
    def hits(self) -> int:
        """How many requests this fault has hit so far."""
        return self._hits

    @property
    def remaining(self) -> int | None:
        """How many more requests it will hit (None: every matching one until cancelled)."""
        with self._lock:
            return None if self._times is None else self._times - self._hits

    def cancel(self) -> None:
        """Stop applying this fault (requests from now on are served normally)."""
        with self._lock:
            self._times = self._hits

    def _matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request (it may be spent)."""
        return (self.method is None or self.method == method) and (
            self.path is None or path.startswith(self.path)
        )

    def _take(self) -> bool:
        """Count one hit if the fault is still live; return whether it was."""
        with self._lock:
            if self._times is not None and self._hits >= self._times:
                return False
            self._hits += 1
            return True


class FaultPlan:
    """The live faults of one server, in the order they were injected (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def __len__(self) -> int:
        return len(self._faults)

    def add(self, fault: Fault) -> Fault:
        """Queue a fault after the ones already injected; return it."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first live fault for this request, counting the hit; forget spent ones."""
        with self._lock:
            chosen = next((f for f in self._faults if f._matches(method, path) and f._take()), None)
            self._faults = [f for f in self._faults if f.remaining != 0]
            return chosen

    def clear(self) -> None:
        """Forget every fault."""
        with self._lock:
            self._faults = []


class FaultMiddleware:
    """Apply a :class:`FaultPlan` to the requests an ASGI app receives.

    Args:
        app: The service's app.
        plan: The faults to apply.
        problem: Renders ``(status, request_id)`` as a problem details object.
        close: Closes the connection a request came on (from the server's event loop).
        request_id: The service's rule for a request's id (the sent one when sane).
        header: The service's reader of a request header (``header(scope, b"name")``).
    """

    def __init__(
        self,
        app: ASGIApp,
        plan: FaultPlan,
        *,
        problem: Callable[[int, str], dict[str, Any]],
        close: Callable[[Scope], None],
        request_id: Callable[[Scope], str],
        header: Callable[[Scope, bytes], str | None],
    ) -> None:
        self.app = app
        self.plan = plan
        self.problem = problem
        self.close = close
        self.request_id = request_id
        self.header = header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        fault = None
        if scope["type"] == "http" and self.plan and self.header(scope, HELPER_HEADER) is None:
            fault = self.plan.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.drop is None:
            await self._answer(fault, scope, receive, send)
        else:
            if fault.drop == "after":
                await self.app(scope, receive, _discard)
            self.close(scope)
            while (await receive())["type"] != "http.disconnect":
                pass

    async def _answer(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        assert fault.status is not None
        message: Message = {"more_body": True}
        while message.get("more_body", False):  # read the body: the connection stays usable
            message = await receive()
        request_id = self.request_id(scope)
        body = json.dumps(self.problem(fault.status, request_id)).encode()
        headers = {
            b"content-type": b"application/problem+json",
            b"x-request-id": request_id.encode(),
            **{name.lower().encode(): value.encode("latin-1") for name, value in fault.headers},
            b"content-length": str(len(body)).encode(),
        }
        start = {
            "type": "http.response.start",
            "status": fault.status,
            "headers": [*headers.items()],
        }
        await send(start)
        await send({"type": "http.response.body", "body": body})


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


def _checked(name: str, value: str) -> tuple[str, str]:
    """Return a response header as given, or raise if it cannot be sent as one."""
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise ValueError(f"not a header name: {name!r}")
    if name.lower() in _FRAMING:
        raise ValueError(f"{name} is the server's to send")
    if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
        raise ValueError(f"not a header value for {name}: {value!r}")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"a header value must be Latin-1 text: {value!r}") from None
    return name, value


async def _discard(message: Message) -> None:
    """Throw a response away (the answer a ``drop="after"`` fault loses)."""
