"""Request bodies: JSON only (a form only at ``/token``) and at most ``max_body_bytes``.

The body is read here, counted while it streams in, and refused with 413 as soon as it
passes the limit (or at once when ``Content-Length`` already says so); what the
application sees is the whole, bounded body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microblog_server.api.asgi import header, send_problem
from microblog_server.api.problems import ProblemError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimitMiddleware"]

TOKEN_PATH = "/api/v1/token"  # noqa: S105 - a path, not a secret
_FORM = "application/x-www-form-urlencoded"


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class BodyLimitMiddleware:
    """Refuse oversized (413) and non-JSON (415) request bodies under ``/api``.

    Args:
        app: The application to protect.
        max_body_bytes: The largest body accepted, in bytes.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or not scope["path"].startswith("/api"):
            await self.app(scope, receive, send)
            return
        length = header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await send_problem(scope, receive, send, self._too_large())
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await send_problem(scope, receive, send, self._too_large())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and not self._acceptable(scope):
            problem = ProblemError(
                415,
                "unsupported_media_type",
                "send JSON (application/json)"
                + (" or a form" if scope["path"] == TOKEN_PATH else ""),
                headers=(("Accept-Post", "application/json"),),
            )
            await send_problem(scope, receive, send, problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> ProblemError:
        return ProblemError(
            413, "payload_too_large", f"the body is over {self.max_body_bytes} bytes"
        )

    @staticmethod
    def _acceptable(scope: Scope) -> bool:
        content_type = header(scope, b"content-type") or ""
        media_type = content_type.split(";", 1)[0].strip().lower()
        if _is_json(media_type):
            return True
        return scope["path"] == TOKEN_PATH and media_type == _FORM
