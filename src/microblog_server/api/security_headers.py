"""Response headers that keep browsers and shared caches from misusing an answer.

- ``X-Content-Type-Options: nosniff`` on every response: a browser never guesses a
  type other than the one declared (no JSON run as a script or HTML).
- ``Cache-Control: private, no-cache`` on every response to an authenticated request
  that does not set its own (``/token`` keeps ``no-store``): a shared cache never stores
  one user's answer for another, while the client's own cache may keep it and revalidate
  with its ETag (the SDK's ``If-None-Match``).

No ``Server`` header names the stack: ``serve`` runs uvicorn without it
(:mod:`microblog_server.serving`). ``/docs`` sets its own CSP (:mod:`.docs`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.datastructures import MutableHeaders

from microblog_server.api.caller import caller_of

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PRIVATE", "SecurityHeadersMiddleware"]

PRIVATE = "private, no-cache"


class SecurityHeadersMiddleware:
    """Add ``X-Content-Type-Options`` everywhere and ``Cache-Control`` when authenticated."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if caller_of(scope).user is not None and "cache-control" not in headers:
                    headers["Cache-Control"] = PRIVATE
            await send(message)

        await self.app(scope, receive, send_with_headers)
