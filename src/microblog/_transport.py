"""One logical call's pipeline: build -> pace -> send -> (re-login) -> decode -> map errors.

``Transport`` is the state a client shares with its ``with_options`` copies (session,
auth, cache, pacing, hooks, clock). Each attempt ends in a response or a ``Failed``
(a frozen ``Outcome`` and the error); ``Retrier`` (``_call.py``) asks ``Retry.decide``
whether to raise or wait and try again. Sending one prepared request is ``Sender``'s
job (``_send.py``, the one module that imports urllib3); ``Transport._send_one`` is the
one seam every attempt's request goes through.

Per logical call: one ``X-Request-ID`` and, for a POST, one ``Idempotency-Key``, both
made before the first attempt and sent unchanged by every retry.

Redirects: one to another origin (scheme, host and port) is never followed, for any
method, and becomes an ``APIError`` with the 3xx status and its ``Location`` header;
same-origin redirects are followed for GET and HEAD only (at most
``session.max_redirects``), every other method's 3xx is raised, never re-sent.
``session.auth`` is not used: the client's auth wins.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from json import loads as json_loads
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.auth import AuthBase
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri

from microblog._cache import CachedResponse, ETagCache
from microblog._call import Call, CallPolicy, Failed, Retrier
from microblog._errors import (
    APITimeoutError,
    MicroblogError,
    PaginationError,
    RateLimitError,
    ResponseDecodeError,
    error_from_failure,
    error_from_response,
    parse_retry_after,
)
from microblog._hooks import Hooks, call_hook
from microblog._logging import logger
from microblog._middleware import RawResponse, Request, apply, chain, request_of, response_of
from microblog._outcome import Outcome
from microblog._ratelimit import ServerQuota, TokenBucket
from microblog._send import AttemptFailed, Sender

if TYPE_CHECKING:
    from microblog._auth import BearerAuth
    from microblog._breaker import CircuitBreaker
    from microblog._middleware import Middleware
    from microblog._otel import Telemetry

__all__ = ["Response", "Transport"]

MAX_RESPONSE_BYTES = 16 * 2**20
_FOLLOWED = frozenset({"GET", "HEAD"})


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


class _Anonymous(AuthBase):
    """No credentials (``session.auth`` and credentials in the URL are not used)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


_ANONYMOUS = _Anonymous()


def _merged(call_value: Any, session_value: Any, base: Callable[[Any], Any]) -> Any:
    """Merge a call's setting over the session's as ``requests.sessions.merge_setting`` does.

    ``base`` builds the merged mapping from the session's (``CaseInsensitiveDict`` for
    headers); keys the result maps to None are dropped, which lets a session unset a
    default.
    """
    if not session_value:
        return call_value
    if call_value is None:
        merged = base(session_value)
    elif isinstance(call_value, Mapping) and isinstance(session_value, Mapping):
        merged = base(session_value)
        merged.update(call_value)
    else:
        return call_value
    for key in [k for k, v in merged.items() if v is None]:
        del merged[key]
    return merged


class _Answered(Exception):  # noqa: N818  (internal: never reaches a caller)
    """An unanswered request seen by middleware as its public error, carried back out."""

    def __init__(self, failed: Failed) -> None:
        super().__init__(failed.error)
        self.failed = failed


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    parts.port  # noqa: B018  # raises ValueError for a port that is not a port
    return (parts.scheme.lower(), parts.netloc.lower())


class Transport:
    """The state shared by a client and its copies, and the call pipeline.

    Thread-safe: the session's pool, the auth (login lock), the cache and the pacing
    state each guard themselves; a call's own state lives in a per-call object.
    """

    def __init__(
        self,
        *,
        base_url: str,
        session: requests.Session,
        auth: BearerAuth | None,
        cache: ETagCache | None,
        bucket: TokenBucket | None,
        hooks: Hooks,
        user_agent: str,
        wait_on_rate_limit: bool,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        wall_clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        breaker: CircuitBreaker | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self.session = session
        self.sender = Sender(session, self.base_url, clock)
        self.auth = auth
        self.cache = cache
        self.bucket = bucket
        self.quota = ServerQuota(clock)
        self.hooks = hooks
        self.wait_on_rate_limit = wait_on_rate_limit
        self.clock = clock
        self.sleep = sleep
        self.wall_clock = wall_clock
        self.max_response_bytes = max_response_bytes
        self.breaker = breaker
        self.telemetry = telemetry
        self.retrier = Retrier(
            clock=clock,
            sleep=sleep,
            rand=rand,
            hooks=hooks,
            wait_on_rate_limit=wait_on_rate_limit,
        )
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}

    def url_for(self, path_or_url: str) -> str:
        """Join a path to the base URL, or check that a link the service sent is on its origin.

        Absolute URLs and anything not starting with ``/`` only come from the service's
        own links (a page's ``next``), so refusing one is a ``PaginationError``.

        Raises:
            PaginationError: For a URL on another origin, or one that is not a URL.
        """
        if path_or_url.startswith("/"):
            return self.base_url + path_or_url
        try:
            same = _origin(path_or_url) == self._origin
        except ValueError:
            same = False
        if not same or not path_or_url.startswith(("http://", "https://")):
            raise PaginationError(
                f"refusing a link to another origin (credentials stay home): {path_or_url!r:.120}"
            )
        return path_or_url

    def request(
        self,
        policy: CallPolicy,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str | int | None] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        if_match: str | None = None,
        authenticate: bool = True,
        relogin: bool = True,
        template: str | None = None,
    ) -> Response:
        """Perform one logical call with every policy applied.

        ``template`` names the endpoint (``/api/v1/microposts/{id}``) in logs (None: not
        known; never the raw path, which may hold user data).

        Returns:
            The decoded 2xx response.

        Raises:
            MicroblogError: The mapped failure, after the retries the policy allows.
        """
        method = method.upper()
        headers = {**self._headers, "X-Request-ID": str(uuid.uuid4())}
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        if if_match is not None:
            headers["If-Match"] = if_match
        if params:
            params = {k: v for k, v in params.items() if v is not None}
        started = self.clock()
        deadline = policy.retry.deadline
        call = Call(
            method,
            self.url_for(path_or_url),
            params,  # type: ignore[arg-type]  # None values were just dropped
            json,
            data,
            headers,
            authenticate,
            relogin,
            started,
            policy,
            None if deadline is None else started + deadline,
            template,
        )
        telemetry = self.telemetry
        if telemetry is not None and telemetry.live():
            call.telemetry = telemetry
            with telemetry.operation(call):
                return self._run(call)
        return self._run(call)

    def _run(self, call: Call) -> Response:
        if self.breaker is None:
            return self.retrier.run(call, self._attempt)
        return self.breaker._guard(
            self.clock, self.base_url, lambda: self.retrier.run(call, self._attempt)
        )

    def _attempt(self, call: Call) -> Response | Failed:
        try:
            self._pace(call)
            prepared = self._prepare(call)
            cached = self._revalidate(call, prepared)
            response = self._exchange(call, prepared)
            if (
                response.status_code == 401
                and call.authenticate
                and call.relogin
                and self.auth is not None
                and self.auth.relogin(prepared.headers.get("Authorization"))
            ):
                self._pace(call)
                prepared = self._prepare(call)
                cached = self._revalidate(call, prepared)
                response = self._exchange(call, prepared)
        except AttemptFailed as failed:
            return self._failed(call, failed)
        except _Answered as answered:
            return answered.failed
        return self._decode(call, response, cached)

    def _pace(self, call: Call) -> None:
        if self.bucket is not None:
            delay = self.bucket.reserve()
            if delay > 0:
                if call.deadline_at is not None and self.clock() + delay > call.deadline_at:
                    raise APITimeoutError(
                        "waiting for the client's own rate limit would pass the call's "
                        f"deadline (request id {call.request_id})",
                        request_id=call.request_id,
                    )
                self._rate_limit_wait(call, delay)
        delay = self.quota.delay()
        if delay <= 0:
            return
        if delay > call.policy.retry.max_retry_after:
            # An announced reset past the cap is untrusted input, not a reason to stop
            # calling: forget it and let the service answer (a real 429 is raised then).
            self.quota.clear()
            return
        over_deadline = call.deadline_at is not None and self.clock() + delay > call.deadline_at
        if not self.wait_on_rate_limit or over_deadline:
            raise RateLimitError(
                retry_after=delay,
                status_code=429,
                code="rate_limited",
                detail=f"the service's quota is spent; it resets in {delay:.1f} s",
                request_id=call.request_id,
            )
        self._rate_limit_wait(call, delay)

    def _rate_limit_wait(self, call: Call, delay: float) -> None:
        call_hook(self.hooks.on_rate_limit_wait, delay)
        if call.telemetry is not None:
            call.telemetry.rate_limit_wait(delay)
        self.sleep(delay)

    def _prepare(self, call: Call) -> requests.PreparedRequest:
        session = self.session
        auth = self.auth if call.authenticate and self.auth is not None else _ANONYMOUS
        prepared = requests.PreparedRequest()
        try:
            prepared.prepare(
                method=call.method,
                url=call.url,
                headers=_merged(call.headers, session.headers, CaseInsensitiveDict),
                params=_merged(call.params, session.params, dict),
                json=call.json,
                data=call.data,
                auth=auth,
                cookies=session.cookies,
                hooks=session.hooks,
            )
        except requests.RequestException as exc:  # e.g. a body json cannot encode
            raise ValueError(f"cannot build the request: {exc}") from exc
        return prepared

    def _revalidate(self, call: Call, prepared: requests.PreparedRequest) -> CachedResponse | None:
        if self.cache is None or call.method != "GET":
            return None
        cached = self.cache.get(prepared.url or "")
        if cached is not None:
            prepared.headers["If-None-Match"] = cached.etag
        return cached

    def _exchange(self, call: Call, prepared: requests.PreparedRequest) -> requests.Response:
        """Send, following same-origin redirects of a GET/HEAD (see the module docstring)."""
        response = self._send_one(call, prepared)
        hops = 0
        while response.is_redirect and call.method in _FOLLOWED:
            target = self._redirect_target(response)
            if target is None or hops >= self.session.max_redirects:
                break  # decoded as the 3xx APIError
            hops += 1
            prepared = prepared.copy()
            prepared.url = target
            response = self._send_one(call, prepared)
        return response

    def _redirect_target(self, response: requests.Response) -> str | None:
        """The same-origin URL a redirect names, or None (another origin, or not a URL)."""
        location = (
            response.headers["Location"].encode("latin-1", "replace").decode("utf-8", "replace")
        )
        try:
            target = requote_uri(urljoin(response.url, location))
            same = _origin(target) == self._origin
        except ValueError:
            return None
        return target if same else None

    def _send_one(self, call: Call, prepared: requests.PreparedRequest) -> requests.Response:
        """Send one request of an attempt: the seam middleware, tracing and breakers wrap.

        Without middleware nothing is wrapped (the default path costs one test).

        Raises:
            AttemptFailed: No whole answer arrived.
            _Answered: The same, seen by middleware as the mapped error.
        """
        if call.telemetry is not None:
            return call.telemetry.send(call, prepared, self._send_next)
        return self._send_next(call, prepared)

    def _send_next(self, call: Call, prepared: requests.PreparedRequest) -> requests.Response:
        middleware = call.policy.middleware
        if middleware:
            return self._through(middleware, call, prepared)
        return self._send(call, prepared)

    def _through(
        self,
        middleware: tuple[Middleware, ...],
        call: Call,
        prepared: requests.PreparedRequest,
    ) -> requests.Response:
        """Send ``prepared`` through the middleware chain (see ``_middleware.py``)."""
        request = request_of(prepared)
        content = request.content
        sent: list[tuple[RawResponse, requests.Response]] = []
        unanswered: list[Failed] = []

        def send(request: Request) -> RawResponse:
            apply(request, prepared, content)
            try:
                response = self._send(call, prepared)
            except AttemptFailed as failed:
                unanswered.append(self._failed(call, failed))
                raise unanswered[-1].error from failed.__cause__
            raw = RawResponse(
                response.status_code, response.headers, response.content, response.elapsed
            )
            sent.append((raw, response))
            return raw

        try:
            answer = chain(middleware, send)(request)
        except MicroblogError as error:
            if unanswered and error is unanswered[-1].error:
                raise _Answered(unanswered[-1]) from None
            raise
        for raw, response in sent:
            if raw is answer:
                return response
        return response_of(answer, prepared)

    def _send(self, call: Call, prepared: requests.PreparedRequest) -> requests.Response:
        started = time.perf_counter()
        try:
            response = self.sender.send(
                prepared,
                call.policy.requests_timeout,
                max_bytes=self.max_response_bytes,
                deadline_at=call.deadline_at,
            )
        except AttemptFailed as failed:
            self._log(call, prepared, failed.failure, started)
            raise
        self._log(call, prepared, response.status_code, started)
        self.quota.observe(response.headers)
        return response

    def _log(
        self, call: Call, prepared: requests.PreparedRequest, outcome: int | str, started: float
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            elapsed_ms = (time.perf_counter() - started) * 1000
            failed = isinstance(outcome, str)
            logger.debug(
                "%s %s -> %s in %.1f ms (attempt %d, request id %s)",
                call.method,
                prepared.path_url,
                outcome,
                elapsed_ms,
                call.attempt,
                call.request_id,
                extra={
                    "method": call.method,
                    "url_template": call.template,
                    "status": None if failed else outcome,
                    "failure": outcome if failed else None,
                    "elapsed_ms": elapsed_ms,
                    "attempt": call.attempt,
                    "request_id": call.request_id,
                },
            )

    def _failed(self, call: Call, failed: AttemptFailed) -> Failed:
        """The ``Failed`` for an attempt without a whole answer, its error mapped."""
        call.maybe_applied = call.maybe_applied or failed.sent
        cause = failed.__cause__
        error = error_from_failure(
            failed.failure,
            base_url=self.base_url,
            cause=cause,
            status_code=failed.status,
            request_id=call.request_id,
            max_bytes=self.max_response_bytes,
        )
        if cause is not None:
            # The cause stays in __cause__ (its own cause in its args), but a traceback
            # shows it in one line instead of four chained exceptions deep inside urllib3.
            cause.__suppress_context__ = True
            cause.__traceback__ = None
        error.__cause__ = cause
        error.__suppress_context__ = True
        return Failed(Outcome.failed(failed.failure, sent=failed.sent), error)

    def _decode(
        self, call: Call, response: requests.Response, cached: CachedResponse | None
    ) -> Response | Failed:
        status = response.status_code
        if status == 304 and cached is not None:
            if call.telemetry is not None:
                call.telemetry.revalidated()
            return Response(
                200,
                cached.headers,
                self._json(call, cached.content, 200),
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
            if self.cache is not None:
                self.cache.discard(response.request.url or "")
            return Response(204, CaseInsensitiveDict(), None, response.url, call.request_id)
        if status >= 300 or status < 200:
            return self._error(call, response)
        content = response.content
        if self.cache is not None:
            url = response.request.url or ""
            etag = response.headers.get("ETag") if call.method == "GET" else None
            if etag:
                self.cache.put(url, CachedResponse(etag, content, response.headers))
            elif cached is not None or call.method != "GET":
                self.cache.discard(url)
        data = self._json(call, content, status) if content else None
        return Response(status, response.headers, data, response.url, call.request_id)

    @staticmethod
    def _json(call: Call, content: bytes, status: int) -> Any:
        try:
            return json_loads(content)
        except (ValueError, RecursionError) as exc:  # RecursionError: absurd nesting
            raise ResponseDecodeError(
                "the response body is not JSON", status_code=status, request_id=call.request_id
            ) from exc

    def _error(self, call: Call, response: requests.Response) -> Failed:
        now = self.wall_clock()
        error = error_from_response(response, request_id=call.request_id, now=now)
        status = response.status_code
        call.maybe_applied = call.maybe_applied or status >= 500
        after = parse_retry_after(response.headers.get("Retry-After"), now=now)
        return Failed(Outcome(status=status, retry_after=after, code=error.code), error)
