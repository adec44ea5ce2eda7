"""Every failure the SDK raises, and the one table that maps a response to its class.

The hierarchy::

    MicroblogError                      anything this SDK raises for a failed call
    ├── APIConnectionError              no response: DNS, refused, reset, TLS (cause in __cause__)
    │   └── APITimeoutError             connect or read timeout
    ├── APIError                        the service answered with an error status
    │   ├── BadRequestError             400
    │   ├── AuthenticationError         401, and 400 ``invalid_grant`` at login
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404
    │   ├── ConflictError               409
    │   ├── PreconditionFailedError     412 (``If-Match`` lost a race)
    │   ├── ValidationError             422 (``errors`` holds the field pointers)
    │   ├── RateLimitError              429, or a spent quota the client will not wait for
    │   └── ServerError                 5xx
    ├── ResponseDecodeError             a 2xx whose body is not the JSON the contract promises
    ├── ResponseTooLargeError           a body past ``Client(max_response_bytes=...)``
    ├── PaginationError                 a ``next`` link that does not advance, or leaves the origin
    └── ClientClosedError               a call on a closed client (also a ``RuntimeError``)

No builtin name is shadowed: ``PermissionError``, ``ConnectionError`` and ``TimeoutError``
stay Python's. Messages are one line (status, code, detail, request id; for a 422 the
first refused field and its reason, as in ``text: String should have at most 255
characters``, while ``errors`` keeps the whole list) and never carry credentials, request
headers or bodies.
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

if TYPE_CHECKING:
    from collections.abc import Mapping

    from microblog._outcome import Failure

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CircuitOpenError",
    "ClientClosedError",
    "ConflictError",
    "MicroblogError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "ServerError",
    "ValidationError",
    "connection_failure",
    "error_from_failure",
    "error_from_response",
    "parse_retry_after",
]


class MicroblogError(Exception):
    """Base class of every exception the SDK raises for a failed call.

    Every one pickles (for ``multiprocessing`` and task queues) with its message and
    attributes, but without the ``requests.Response``: that holds the request, whose
    ``Authorization`` header carries the token.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        state = {**self.__dict__, "response": None} if "response" in self.__dict__ else None
        return (_restore, (type(self), self.args), state or self.__dict__)


def _restore(cls: type[MicroblogError], args: tuple[Any, ...]) -> MicroblogError:
    """Rebuild a pickled error without calling its keyword-only ``__init__``."""
    error = cls.__new__(cls)
    error.args = args
    return error


class APIConnectionError(MicroblogError):
    """No response arrived: DNS failure, refused or reset connection, TLS error.

    The underlying exception is chained as ``__cause__``.

    Attributes:
        request_id: The ``X-Request-ID`` the call sent.
    """

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


class CircuitOpenError(APIConnectionError):
    """Refused at once, without a request: the client's circuit breaker is open.

    Raised by a client given ``circuit_breaker=microblog.CircuitBreaker(...)`` after that
    many consecutive calls got no useful answer, until its ``recovery_time`` has passed
    (and, once it has, while another call is the one trial). An ``APIConnectionError``,
    so code that handles an unreachable service handles this too.

    Attributes:
        retry_in: Seconds until a trial call may be made (0 while a trial is under way).
    """

    def __init__(self, message: str, *, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in


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


class APITimeoutError(APIConnectionError):
    """The connect or read timeout passed before the service answered."""


class APIError(MicroblogError):
    """The service answered with an error status (a problem-details body, RFC 9457).

    Attributes:
        status_code: The HTTP status.
        code: The problem's stable machine word (``"not_found"``), or None.
        title: The problem's short human title, or None.
        detail: The problem's explanation of this occurrence, or None.
        request_id: The request id the service echoed (else the one the SDK sent).
        errors: For 422, the list of ``{"detail", "pointer"|"parameter"}`` entries.
        headers: The response headers (case-insensitive).
        response: The ``requests.Response``, or None when the SDK raised without one.
            Its ``request`` carries no credentials: no ``Authorization`` (or
            ``Cookie``) header, and no body when that held a password.
    """

    def __init__(
        self,
        *,
        status_code: int,
        code: str | None = None,
        title: str | None = None,
        detail: str | None = None,
        request_id: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        response: requests.Response | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.title = title
        self.detail = detail
        self.request_id = request_id
        self.errors: list[dict[str, Any]] = errors or []
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.response = response
        super().__init__(self._one_line())

    def _one_line(self) -> str:
        text = " ".join((self._first_field() or self.detail or self.title or "").split())
        message = f"{self.status_code} {self.code or 'error'}"
        if text:
            message += f": {text}"
        if self.request_id:
            message += f" (request id {self.request_id})"
        return message

    def _first_field(self) -> str | None:
        """For a 422: the first refused field and its reason (``text: ...``), and how many more."""
        if self.status_code != 422 or not self.errors:
            return None
        first = self.errors[0]
        reason = first.get("detail")
        if not isinstance(reason, str):
            return None
        where = first.get("pointer") or first.get("parameter")
        if isinstance(where, str) and where.strip("#/"):
            reason = f"{where.lstrip('#/').replace('/', '.')}: {reason}"
        more = len(self.errors) - 1
        return f"{reason} (and {more} more)" if more else reason


class BadRequestError(APIError):
    """400: the request was malformed (bad JSON, a cursor that is not the service's)."""


class AuthenticationError(APIError):
    """401 (no, expired or revoked token), or 400 ``invalid_grant`` (wrong password)."""


class PermissionDeniedError(APIError):
    """403: acting on another user's behalf."""


class NotFoundError(APIError):
    """404: unknown user or micropost."""


class ConflictError(APIError):
    """409: the username is taken, or the same Idempotency-Key is still running."""


class PreconditionFailedError(APIError):
    """412: the object changed since it was loaded (``If-Match`` did not match).

    Raised by ``save()``, ``set_password()`` and ``delete()`` of a resource, which then
    fetch the current version (one ``GET``) and hand it back here, so an app can show
    what changed and let its user merge or try again; the object that lost the race
    keeps its unsaved edits.

    Attributes:
        current: The :class:`~microblog.User` or :class:`~microblog.Micropost` as the
            service has it now (with its new ETag, so its ``save()`` or ``delete()``
            wins the next race), or None when it could not be fetched (deleted
            meanwhile, the service unreachable) or the error came from elsewhere.
    """

    current: Any = None


class ValidationError(APIError):
    """422: a field or query value was refused; ``errors`` says which."""


class RateLimitError(APIError):
    """429, or a spent quota the client was told not to wait for.

    Attributes:
        retry_after: Seconds until the service accepts calls again, when known.
    """

    def __init__(self, *, retry_after: float | None = None, **fields: Any) -> None:
        self.retry_after = retry_after
        super().__init__(**fields)


class ServerError(APIError):
    """5xx: the service failed (a bug, or the database is unreachable).

    Attributes:
        retry_after: Seconds until the service expects to answer again, when it said
            (``Retry-After`` on a 503): what a "try again in N seconds" message needs.
    """

    retry_after: float | None = None


class ResponseDecodeError(MicroblogError):
    """A 2xx response whose body is not the JSON the contract promises.

    Attributes:
        status_code: The HTTP status.
        request_id: The request id of the call.
    """

    def __init__(self, message: str, *, status_code: int, request_id: str | None) -> None:
        super().__init__(f"{message} (status {status_code}, request id {request_id})")
        self.status_code = status_code
        self.request_id = request_id


class ResponseTooLargeError(MicroblogError):
    """A response body larger than ``Client(max_response_bytes=...)``; it was not read on.

    Attributes:
        status_code: The HTTP status of the answer, when its head arrived.
        request_id: The request id of the call.
    """

    def __init__(self, message: str, *, status_code: int | None, request_id: str | None) -> None:
        super().__init__(f"{message} (status {status_code}, request id {request_id})")
        self.status_code = status_code
        self.request_id = request_id


class PaginationError(MicroblogError):
    """The service sent a ``next`` link that does not advance, or leaves the origin.

    Following the first would loop for ever; the second would send the client's
    credentials to another host, so neither is followed.
    """


class ClientClosedError(MicroblogError, RuntimeError):
    """A call on a client that was closed (``close()``, or the end of its ``with`` block).

    Raised at once, before any request. Also a ``RuntimeError``, as using a closed file is.
    """


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
