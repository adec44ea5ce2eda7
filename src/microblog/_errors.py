"""Every failure the SDK raises (``_failures.py`` maps answers and failures to them).

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

from typing import TYPE_CHECKING, Any

import requests  # noqa: TC002 (typing.get_type_hints needs it at runtime)

if TYPE_CHECKING:
    from collections.abc import Mapping


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
