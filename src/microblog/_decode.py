"""What one attempt came to: the decoded answer, or the ``Failed`` to raise for it.

The pipeline (``_transport.py``) hands each attempt's end here: :func:`decode` turns an
answer into a :class:`Response` (a 304 from the cache, a JSON body, a 204) or a
``Failed`` carrying the mapped ``APIError``; :func:`unanswered` turns an attempt that got
no whole answer into a ``Failed`` carrying the mapped ``APIConnectionError`` (or its
kin). Either way the error keeps no credential: an error's ``response.request`` has no
``Authorization`` header and no login or password body.
"""

from __future__ import annotations

from dataclasses import dataclass
from json import loads as json_loads
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from requests.structures import CaseInsensitiveDict

from microblog._cache import CachedResponse, ETagCache
from microblog._call import Call, Failed
from microblog._errors import ResponseDecodeError
from microblog._failures import error_from_failure, error_from_response, parse_retry_after
from microblog._logging import logger
from microblog._outcome import Outcome

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import requests

    from microblog._send import AttemptFailed

__all__ = ["Answer", "Response", "decode", "unanswered"]


class Answer(Protocol):
    """What a pager and a resource read of a :class:`Response` (so a test's fake can stand in)."""

    @property
    def status_code(self) -> int:
        """The HTTP status (2xx)."""

    @property
    def request_id(self) -> str:
        """The request id of the call."""

    @property
    def data(self) -> Any:
        """The decoded JSON body, ``None`` when empty."""

    @property
    def etag(self) -> str | None:
        """The ``ETag`` header, if any."""


@dataclass(frozen=True, slots=True)
class Response:
    """A successful (2xx) response, decoded.

    Attributes:
        status_code: The HTTP status (a 304 revalidation is reported as the cached 200).
        headers: The response headers (case-insensitive).
        data: The decoded JSON body; None when the body is empty (204).
        url: The URL of the response.
        request_id: The ``X-Request-ID`` the call sent.
    """

    status_code: int
    headers: Mapping[str, str]
    data: Any
    url: str
    request_id: str

    @property
    def etag(self) -> str | None:
        """The response's ``ETag``, if any."""
        return self.headers.get("ETag")


def decode(
    call: Call,
    response: requests.Response,
    cached: CachedResponse | None,
    *,
    cache: ETagCache | None,
    now: Callable[[], float],
) -> Response | Failed:
    """The decoded answer of an attempt, or the ``Failed`` for an error status.

    Args:
        call: The call the answer belongs to.
        response: The answer, its body read.
        cached: The cached response its ``If-None-Match`` named, if any.
        cache: The client's ETag cache, kept current here (None: no cache).
        now: The wall clock, to read an HTTP-date ``Retry-After``.

    Raises:
        ResponseDecodeError: A 2xx body that is not JSON.
    """
    status = response.status_code
    if status == 304 and cached is not None:
        call.observer.revalidated(call)
        return Response(
            200,
            cached.headers,
            _json(call, cached.content, 200),
            response.url,
            call.request_id,
        )
    if status == 404 and call.method == "DELETE" and call.maybe_applied:
        # An earlier attempt's answer was lost and this retry finds nothing to delete:
        # that attempt did it. Raising NotFoundError would report a done delete as failed.
        logger.info(
            "DELETE %s: gone on attempt %d after an unanswered attempt; taken as done "
            "(request id %s)",
            urlsplit(call.url).path,
            call.attempt,
            call.request_id,
            extra={
                "method": call.method,
                "url_template": call.template,
                "status": status,
                "attempt": call.attempt,
                "request_id": call.request_id,
            },
        )
        if cache is not None:
            cache.discard(response.request.url or "")
        return Response(204, CaseInsensitiveDict(), None, response.url, call.request_id)
    if status >= 300 or status < 200:
        return _error(call, response, now())
    content = response.content
    if cache is not None:
        url = response.request.url or ""
        etag = response.headers.get("ETag") if call.method == "GET" else None
        if etag:
            cache.put(url, CachedResponse(etag, content, response.headers))
        elif cached is not None or call.method != "GET":
            cache.discard(url)
    data = _json(call, content, status) if content else None
    return Response(status, response.headers, data, response.url, call.request_id)


def _json(call: Call, content: bytes, status: int) -> Any:
    try:
        return json_loads(content)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurd nesting
        raise ResponseDecodeError(
            "the response body is not JSON", status_code=status, request_id=call.request_id
        ) from exc


def _error(call: Call, response: requests.Response, now: float) -> Failed:
    error = error_from_response(response, request_id=call.request_id, now=now)
    status = response.status_code
    call.maybe_applied = call.maybe_applied or status >= 500
    after = parse_retry_after(response.headers.get("Retry-After"), now=now)
    return Failed(Outcome(status=status, retry_after=after, code=error.code), error)


def unanswered(call: Call, failed: AttemptFailed, *, base_url: str, max_bytes: int) -> Failed:
    """The ``Failed`` for an attempt without a whole answer, its error mapped.

    The message names the limit a timeout hit, the attempts made and the time taken.
    """
    call.maybe_applied = call.maybe_applied or failed.sent
    cause = failed.__cause__
    timeout = call.policy.timeout
    limits = {
        "connect_timeout": timeout.connect,
        "timeout": timeout.read,
        "deadline": call.policy.retry.deadline,
    }
    error = error_from_failure(
        failed.failure,
        base_url=base_url,
        cause=cause,
        status_code=failed.status,
        request_id=call.request_id,
        max_bytes=max_bytes,
        limit=limits.get(failed.failure),
        attempts=call.attempt,
        elapsed=call.deadline.clock() - call.started,
    )
    if cause is not None:
        # The cause stays in __cause__ (its own cause in its args), but a traceback
        # shows it in one line instead of four chained exceptions deep inside urllib3.
        cause.__suppress_context__ = True
        cause.__traceback__ = None
    error.__cause__ = cause
    error.__suppress_context__ = True
    return Failed(Outcome.failed(failed.failure, sent=failed.sent), error)
