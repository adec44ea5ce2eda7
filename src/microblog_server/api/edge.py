"""The edge: one pure-ASGI layer for what every request and every response goes through.

In the order a request meets them:

1. the request id (:mod:`.request_id`), echoed as ``X-Request-ID`` on the response, and
   the access log line (logger ``microblog_server.access``, INFO): method, path, status,
   duration and request id, never the query string, headers or bodies, where tokens and
   passwords travel; the method and path with their control characters escaped
   (:func:`~microblog_server.api.log_text.loggable`), so no request can forge a log line;
2. the security headers (:mod:`.security_headers`) on every response;
3. the ``Host`` check or the pinned public origin (:mod:`.hosts`): a ``400`` otherwise;
4. the storage errors raised anywhere inside before any response (a route, the token
   check, the Idempotency-Key store): ``503 unavailable`` with ``Retry-After``, logged
   once per outage (:mod:`.unavailable`). This is the service's one 503 path for an
   unreachable database; no exception handler answers them.

Why one layer and not four: each layer costs every request a coroutine call and each
send wrapper a call per message, and the headers are appended as precomputed byte pairs
instead of through a header object per response: the day's merges had added about 4 % to
a read by id's Python calls, a third of them in these layers (docs/performance.md). The
policies stay in their modules.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from microblog_server.api.asgi import send_problem, state_of
from microblog_server.api.caller import caller_of
from microblog_server.api.hosts import refused_host
from microblog_server.api.log_text import loggable
from microblog_server.api.request_id import request_id_for
from microblog_server.api.security_headers import add_security_headers
from microblog_server.api.unavailable import unavailable_problem

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from microblog_server.api.hosts import HostPolicy
    from microblog_server.api.unavailable import OutageLog

__all__ = ["CLIENT_CLOSED_REQUEST", "EdgeMiddleware"]

access_log = logging.getLogger("microblog_server.access")

# The headers this layer sets (replacing any the app sent); keys as Starlette sends them.
_SET_HERE = frozenset({b"x-request-id", b"x-content-type-options"})

#: Logged for a request the client abandoned before any response (nginx's convention).
CLIENT_CLOSED_REQUEST = 499


class EdgeMiddleware:
    """Request id and access log, security headers, ``Host``, 503 for an unreachable storage.

    Args:
        app: The application.
        hosts: The ``Host`` policy; ``None`` accepts every host (unit tests).
        errors: The exception types that mean "the storage does not answer".
        outage: Where an outage is logged (needed when ``errors`` is not empty).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: HostPolicy | None = None,
        errors: tuple[type[Exception], ...] = (),
        outage: OutageLog | None = None,
    ) -> None:
        if errors and outage is None:
            raise ValueError("storage errors need an outage log")
        self.app = app
        self.hosts = hosts
        self.errors = errors
        self.outage = outage

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        state = state_of(scope)
        state["request_id"] = request_id
        id_header = (b"x-request-id", request_id.encode("latin-1"))
        started = time.perf_counter()
        status: int | None = None

        async def send_edge(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Set, not added: a problem response names its request id already.
                headers = [h for h in message.get("headers", ()) if h[0] not in _SET_HERE]
                headers.append(id_header)
                add_security_headers(headers, authenticated=caller_of(scope).user is not None)
                message["headers"] = headers
            await send(message)

        try:
            await self._answer(scope, receive, send_edge, lambda: status is not None)
        except BaseException:
            if status is None:
                status = 500  # what the client gets when the app fails before answering
            raise
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d %.1fms request_id=%s",
                    loggable(scope["method"]),
                    loggable(scope["path"]),
                    # An app that returns without answering saw the client go away: not a
                    # server error, so not a 500 in the log that alerts watch.
                    CLIENT_CLOSED_REQUEST if status is None else status,
                    (time.perf_counter() - started) * 1000,
                    request_id,
                )

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, answered: Callable[[], bool]
    ) -> None:
        inner = scope if self.hosts is None else self.hosts.admit(scope)
        if inner is None:
            await send_problem(scope, receive, send, refused_host())
            return
        if not self.errors:
            await self.app(inner, receive, send)
            return
        try:
            await self.app(inner, receive, send)
        except self.errors as error:
            if answered() or self.outage is None:
                raise
            self.outage.failed(error, f"{scope['method']} {scope['path']}")
            await send_problem(inner, receive, send, unavailable_problem())
