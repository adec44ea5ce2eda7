"""From an error answer or a failed attempt to the SDK's exception, and its message.

The one table that maps a status and a problem ``code`` to a class, the reading of a
problem-details body and of ``Retry-After``, the message of a connection failure (the
operating system's words, never a server's), and the scrubbing of credentials from
the request an error keeps. The classes themselves are in ``_errors.py``.
"""

from __future__ import annotations

import json
import math
import re
import ssl
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from microblog._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    MicroblogError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ServerError,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from microblog._outcome import Failure


def connection_failure(what: str, base_url: str, exc: BaseException) -> str:
    """Say in a few words what failed, where and why: ``what talking to URL: reason``.

    The reason is the innermost cause's errno and text (``[Errno 111] Connection refused``),
    found by walking the chain that ``requests`` and ``urllib3`` build, so the message
    names the URL and port, and says what happened, without that chain being read.
    """
    root: BaseException = exc
    seen = {id(root)}
    while True:
        inner = root.__cause__ or root.__context__
        if inner is None and root.args and isinstance(root.args[0], BaseException):
            inner = root.args[0]  # requests wraps urllib3's error as its argument
        reason = getattr(inner, "reason", None)  # urllib3's MaxRetryError (not ssl's text)
        inner = reason if isinstance(reason, BaseException) else inner
        if not isinstance(inner, BaseException) or id(inner) in seen:
            break
        seen.add(id(inner))
        root = inner
    # Only the operating system's words (errno and strerror), never an exception's own
    # text: that can quote a URL, a header or whatever a proxy or a hostile server said.
    # The one exception is a test double's refusal (responses, requests-mock, vcrpy):
    # its text is the test's own, and says which mock is missing.
    reason = type(exc).__name__
    if isinstance(root, ssl.SSLError) and root.strerror:  # names the verification reason
        reason = root.strerror
    elif isinstance(root, OSError) and root.strerror:
        reason = f"[Errno {root.errno}] {root.strerror}"
    elif _from_a_test_double(root):
        reason = f"{type(root).__name__}: {' '.join(str(root).split())}"[:_SAID]
    hint = " (is the service running there?)" if isinstance(root, ConnectionRefusedError) else ""
    return f"{what} talking to {base_url}: {reason}{hint}"


_SAID = 600  # characters of a test double's message kept
_RESPONSES_REFUSAL = "Connection refused by Responses"
# Where the network's and the standard library's exceptions come from: never quoted.
_NETWORK_MODULES = frozenset({"builtins", "requests", "urllib3", "http", "ssl", "socket"})


def _from_a_test_double(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by a mock or recorder in the user's tests, not the network.

    An exception of another library than the network's (requests-mock's
    ``NoMockAddress``, vcrpy's ``CannotOverwriteExistingCassetteException``) comes from
    a test double, and so does responses' refusal of a request no mock matches. Any
    other ``requests`` error's text is not quoted: a mock that raises one on purpose
    may put anything in it.
    """
    if isinstance(exc, requests.ConnectionError):
        return str(exc).startswith(_RESPONSES_REFUSAL)
    return type(exc).__module__.partition(".")[0] not in _NETWORK_MODULES


# The mapping: a problem `code` wins over the status, then the status, then its class.
_BY_CODE: Mapping[str, type[APIError]] = {
    "invalid_grant": AuthenticationError,
    "rate_limited": RateLimitError,
}
_BY_STATUS: Mapping[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    422: ValidationError,
    429: RateLimitError,
}


def error_class(status_code: int, code: str | None) -> type[APIError]:
    """Return the exception class for an error status and problem code.

    Args:
        status_code: The HTTP status (>= 300).
        code: The problem's ``code``, or None.

    Returns:
        The most specific class; ``APIError`` for statuses without their own.
    """
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if status_code in _BY_STATUS:
        return _BY_STATUS[status_code]
    if status_code >= 500:
        return ServerError
    return APIError


_SECONDS = re.compile(r"[0-9]{1,300}")


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Read a ``Retry-After`` header: delay-seconds or an HTTP date.

    Args:
        value: The header value, or None.
        now: The current time as a UNIX timestamp (for the HTTP-date form).

    Returns:
        Seconds to wait (never negative), or None when absent or unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):  # ASCII digits only: str.isdigit() also takes "²"
        seconds = float(text)
        return seconds if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
        return max(0.0, when.timestamp() - now) if when.tzinfo is not None else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _problem(response: requests.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content) if response.content else None
    except (ValueError, RecursionError):
        return {}
    return body if isinstance(body, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


_SECRET_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie")


def _without_secrets(response: requests.Response) -> requests.Response:
    """Make ``response.request`` (and its redirects') safe to keep on an error.

    An error travels far (logs, error trackers, ``repr`` in a debugger): its request
    keeps method, URL and other headers, but loses its credentials headers, and its body
    when that holds a password (a login form, a sign-up, a password change).
    """
    for answer in (*response.history, response):
        safe = answer.request.copy()
        for name in _SECRET_HEADERS:
            safe.headers.pop(name, None)
        body = safe.body
        text = body.decode("latin-1") if isinstance(body, bytes) else body
        if isinstance(text, str) and "password" in text:
            safe.body = None
            safe.headers.pop("Content-Length", None)
        answer.request = safe
    return response


def _not_a_problem(response: requests.Response) -> str:
    """The detail of an error answer that is no microblog problem document (another server)."""
    parts = urlsplit(response.url or "")
    origin = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    kind = response.headers.get("Content-Type", "").partition(";")[0].strip() or "no Content-Type"
    return (
        f"the answer is not a microblog problem document ({kind}, {len(response.content)} bytes):"
        f" is {origin} the microblog service's URL?"
    )


def error_from_response(response: requests.Response, *, request_id: str, now: float) -> APIError:
    """Build the exception for an error response, reading its problem-details body.

    A body that is missing or not problem JSON still yields the right class by status.

    Args:
        response: The error response.
        request_id: The request id the call sent (used when the service echoes none).
        now: The current UNIX time, to read an HTTP-date ``Retry-After``.

    Returns:
        An instance of the mapped ``APIError`` subclass (not raised).
    """
    problem = _problem(response)
    code = _text(problem.get("code"))
    title = _text(problem.get("title"))
    detail = _text(problem.get("detail"))
    if code is None and title is None and response.status_code >= 400:
        detail = _not_a_problem(response)
    errors = problem.get("errors")
    fields: dict[str, Any] = {
        "status_code": response.status_code,
        "code": code,
        "title": title,
        "detail": detail,
        "request_id": response.headers.get("X-Request-ID") or request_id,
        "errors": [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else [],
        "headers": response.headers,
        "response": _without_secrets(response),
    }
    cls = error_class(response.status_code, code)
    if cls is RateLimitError:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=now)
        return RateLimitError(retry_after=retry_after, **fields)
    error = cls(**fields)
    if isinstance(error, ServerError):
        error.retry_after = parse_retry_after(response.headers.get("Retry-After"), now=now)
    return error


_CONNECTION_ERRORS: Mapping[str, tuple[type[APIConnectionError], str]] = {
    "connect": (APIConnectionError, "connection failed"),
    "connect_timeout": (APITimeoutError, "connect timeout"),
    "tls": (APIConnectionError, "TLS failed"),
    "invalid": (APIConnectionError, "cannot send the request"),
    "timeout": (APITimeoutError, "read timeout"),
    "lost": (APIConnectionError, "connection lost"),
    "deadline": (APITimeoutError, "the call's deadline passed"),
}


# What a timeout's limit is called in its message.
_LIMITS: Mapping[str, str] = {
    "connect_timeout": "no connection within the connect limit",
    "timeout": "no answer within the read limit",
    "deadline": "the call's deadline",
}


def error_from_failure(
    failure: Failure,
    *,
    base_url: str,
    cause: BaseException | None = None,
    status_code: int | None,
    request_id: str,
    max_bytes: int,
    limit: float | None = None,
    attempts: int = 1,
    elapsed: float | None = None,
) -> MicroblogError:
    """Build the exception for an attempt that got no whole answer (see ``_outcome.py``).

    Args:
        failure: The kind of failure.
        base_url: The service's base URL, for the message.
        cause: The exception the attempt failed with, whose innermost reason (an
            operating-system error) the message names.
        status_code: The answer's status when its head arrived, else None.
        request_id: The request id the call sent.
        max_bytes: The client's ``max_response_bytes``, for the message.
        limit: For a timeout, the limit it hit in seconds (connect, read or the
            call's deadline), named in the message.
        attempts: The attempts the call made so far, this one included.
        elapsed: Seconds since the call started, for the message.

    Returns:
        The mapped exception (not raised): ``APITimeoutError`` for every timeout and the
        deadline, ``ResponseTooLargeError``, ``ResponseDecodeError`` for a body that
        cannot be decoded, ``APIConnectionError`` for the rest.
    """
    if failure == "too_large":
        return ResponseTooLargeError(
            f"the response body is larger than max_response_bytes={max_bytes}",
            status_code=status_code,
            request_id=request_id,
        )
    if failure == "malformed":
        return ResponseDecodeError(
            "the response body cannot be decoded",
            status_code=status_code or 0,
            request_id=request_id,
        )
    cls, what = _CONNECTION_ERRORS[failure]
    if failure in _LIMITS and limit is not None:
        message = f"{what} talking to {base_url}: {_LIMITS[failure]} of {limit:g} s"
    elif cause is not None:
        message = connection_failure(what, base_url, cause)
    else:
        message = f"{what} talking to {base_url}"
    if attempts > 1 or elapsed is not None:
        message += f" ({attempts} attempt{'s' if attempts > 1 else ''}"
        message += f" in {elapsed:.1f} s)" if elapsed is not None else ")"
    return cls(f"{message} (request id {request_id})", request_id=request_id)
