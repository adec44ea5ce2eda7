"""The X-Request-ID middleware: every response names the request it answers.

It also writes the access log (logger ``microblog_server.access``, INFO): method, path,
status, duration and request id, so a client's request id finds the call. Only those:
never the query string, headers or bodies, where tokens and passwords travel. The path
is logged with its control characters escaped (:func:`~microblog_server.api.log_text.loggable`),
so no request can forge a log line.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import TYPE_CHECKING

from starlette.datastructures import MutableHeaders

from microblog_server.api.asgi import header, state_of
from microblog_server.api.log_text import loggable

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestIdMiddleware"]

access_log = logging.getLogger("microblog_server.access")

#: Logged for a request the client abandoned before any response (nginx's convention).
CLIENT_CLOSED_REQUEST = 499

# Echo only ids that are safe to log and to put back in a header.
_SANE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


class RequestIdMiddleware:
    """Give each request an id: the client's ``X-Request-ID`` when sane, else a new UUID.

    The id is kept in the request state (``request.state.request_id``) for logs and
    problem bodies, and echoed on the response.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = header(scope, b"x-request-id")
        request_id = sent if sent is not None and _SANE.fullmatch(sent) else str(uuid.uuid4())
        state_of(scope)["request_id"] = request_id
        started = time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            if status is None:
                status = 500  # what the client gets when the app fails before answering
            raise
        finally:
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
