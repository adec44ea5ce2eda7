"""Middleware: the application's callables around every request the client sends.

A middleware is ``mw(request, call_next) -> RawResponse``. The client runs the chain
once per request it sends (each attempt of a call, and each redirect hop or re-login
re-send within one), outermost first, inside the retry loop and after auth: the
``request`` already carries ``Authorization``, ``X-Request-ID`` and, for a retry, the
same ``Idempotency-Key``. ``call_next(request)`` sends it and returns the answer before
any decoding, whatever its status; a request that gets no answer raises the mapped
``APIConnectionError``/``APITimeoutError`` from ``call_next``. A middleware may change
the request, observe, or answer itself without calling ``call_next``. What a middleware
raises reaches the caller unchanged (it is not retried).

We build the chain ourselves: it is a few lines (what anthropic's and httpx's event
hooks do), and no library's request type is the one our pipeline sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping, Sequence
    from datetime import timedelta

__all__ = [
    "CallNext",
    "Middleware",
    "RawResponse",
    "Request",
    "apply",
    "chain",
    "request_of",
    "response_of",
]


@dataclass(slots=True, eq=False)
class Request:
    """One HTTP request as the client is about to send it, for a middleware to see or change.

    What the innermost ``call_next`` sends is what these fields hold then.

    Attributes:
        method: The HTTP method, upper case.
        url: The full URL, query included.
        headers: The headers (case-insensitive, mutable): ``Authorization`` is among
            them, so a middleware that logs them must leave it out.
        content: The body bytes, or None without a body.
    """

    method: str
    url: str
    headers: MutableMapping[str, str]
    content: bytes | None

    def __repr__(self) -> str:
        # Header names only: values and the body may hold credentials.
        return f"<Request {self.method} {self.url} headers={sorted(self.headers)}>"


@dataclass(frozen=True, slots=True, eq=False)
class RawResponse:
    """An answer before the client decodes it (any status).

    Attributes:
        status_code: The HTTP status.
        headers: The response headers (case-insensitive when the service sent them).
        content: The whole body, bytes (empty when there is none).
        elapsed: The time from sending the request to the arrival of the answer's head.
    """

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    elapsed: timedelta

    def __repr__(self) -> str:
        return f"<RawResponse {self.status_code}, {len(self.content)} bytes>"


class CallNext(Protocol):
    """What a middleware calls to send the request on: ``call_next(request)``.

    It returns the answer as a :class:`RawResponse`, whatever its status, or raises the
    mapped ``APIConnectionError``/``APITimeoutError`` when no answer came. Annotate a
    middleware's second parameter with it (``call_next: microblog.CallNext``).
    """

    def __call__(self, request: Request, /) -> RawResponse:
        """Send ``request`` on and return its answer."""
        ...


class Middleware(Protocol):
    """A middleware: ``mw(request, call_next) -> RawResponse``, run around each request sent.

    Any function of that shape is one (``Client(middleware=[mw])``): it may change the
    :class:`Request`, observe, call ``call_next(request)`` and return what it returned,
    or answer itself with a :class:`RawResponse` of its own.
    """

    def __call__(self, request: Request, call_next: CallNext, /) -> RawResponse:
        """Handle ``request``, usually by returning ``call_next(request)``."""
        ...


def chain(middleware: Sequence[Middleware], send: CallNext) -> CallNext:
    """Wrap ``send`` in ``middleware``, the first one outermost.

    Raises:
        TypeError: (from the returned handler) when a middleware returns something that
            is not a :class:`RawResponse`.
    """
    handler = send
    for mw in reversed(middleware):
        handler = _link(mw, handler)
    return handler


def _link(mw: Middleware, call_next: CallNext) -> CallNext:
    def handle(request: Request) -> RawResponse:
        response = mw(request, call_next)
        if not isinstance(response, RawResponse):
            raise TypeError(
                f"middleware {mw!r} returned {type(response).__name__}, not a"
                " microblog.RawResponse (return what call_next returned, or build one)"
            )
        return response

    return handle


def request_of(prepared: requests.PreparedRequest) -> Request:
    """The :class:`Request` a middleware sees for ``prepared`` (its headers are shared)."""
    body = prepared.body
    content = body.encode("utf-8") if isinstance(body, str) else body
    return Request(prepared.method or "", prepared.url or "", prepared.headers, content)


def apply(request: Request, prepared: requests.PreparedRequest, content: bytes | None) -> None:
    """Write what a middleware left in ``request`` into ``prepared`` (it saw ``content``)."""
    prepared.method = request.method.upper()
    prepared.url = request.url
    if request.headers is not prepared.headers:
        prepared.headers = CaseInsensitiveDict(request.headers)
    if request.content is not content:
        prepared.body = request.content
        prepared.headers.pop("Content-Length", None)
        if request.content is not None:
            prepared.headers["Content-Length"] = str(len(request.content))


def response_of(raw: RawResponse, prepared: requests.PreparedRequest) -> requests.Response:
    """The ``requests.Response`` for an answer a middleware made up itself."""
    response = requests.Response()
    response.status_code = raw.status_code
    response.headers = CaseInsensitiveDict(raw.headers)
    response.encoding = get_encoding_from_headers(response.headers)
    response._content = raw.content
    response._content_consumed = True  # type: ignore[attr-defined]  # set by requests too
    response.url = prepared.url or ""
    response.request = prepared
    response.elapsed = raw.elapsed
    return response
