"""Response headers that keep browsers and shared caches from misusing an answer.

- ``X-Content-Type-Options: nosniff`` on every response: a browser never guesses a
  type other than the one declared (no JSON run as a script or HTML).
- ``Cache-Control: private, no-cache`` on every response to an authenticated request
  that does not set its own (``/token`` keeps ``no-store``): a shared cache never stores
  one user's answer for another, while the client's own cache may keep it and revalidate
  with its ETag (the SDK's ``If-None-Match``).

No ``Server`` header names the stack: ``serve`` runs uvicorn without it
(:mod:`microblog_server.serving`). ``/docs`` sets its own CSP (:mod:`.docs`). The edge
layer (:mod:`microblog_server.api.edge`) applies them.
"""

from __future__ import annotations

__all__ = ["PRIVATE", "add_security_headers"]

PRIVATE = "private, no-cache"

# Encoded once: the edge layer adds them to every response without building a
# header object per response.
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_PRIVATE = (b"cache-control", PRIVATE.encode("latin-1"))


def add_security_headers(headers: list[tuple[bytes, bytes]], *, authenticated: bool) -> None:
    """Add the security headers to a response's raw header list, in place.

    The caller removes any ``X-Content-Type-Options`` the app sent first (the edge layer
    sets it, it does not add a second one).

    Args:
        headers: The ``http.response.start`` message's headers.
        authenticated: Whether the request carried a valid token (then ``Cache-Control:
            private, no-cache`` unless the response sets its own).
    """
    if authenticated:
        for key, _ in headers:
            if key == b"cache-control":
                break
        else:
            headers.append(_PRIVATE)
    headers.append(_NOSNIFF)
