"""One logical call, read top to bottom: from a manager's request to the decoded response.

As httpx's ``Client.send`` reads, each step a method named for its one concern, each
calling the next straight down::

    request                      the call: request id, Idempotency-Key, deadline, observer
    _send_handling_breaker       the circuit breaker admits the call, then counts how it ended
    _send_handling_retries       the first attempt; after a failure, tenacity's loop
    _attempt                     one attempt, its answer decoded or its failure mapped
    _send_handling_auth          ... sent once more after one re-login on a 401
    _send_handling_pacing        ... after the client's and the service's rate limits allow it
    _send_handling_redirects     ... following same-origin redirects of a GET/HEAD
    _send_single_request         one request: the observer's span, the middleware chain
    _send_through_session        ``session.send(prepared, ...)``, the body read bounded

What happens is told once, to the call's observer (``_observe.py``): logging, hooks and
telemetry listen there. The values a call is made of (``Call``, ``Deadline``,
``CallPolicy``, ``Failed``) are in ``_call.py``; the retry rule is ``Retry``'s
(``_config.py``); what an attempt came to, decoded or mapped to its error, is
``_decode.py``'s; what lies below ``Session.send`` (the adapter, the body reader, the
failure kinds) is ``_send.py``'s.

Per logical call: one ``X-Request-ID`` and, for a POST, one ``Idempotency-Key``, both
made before the first attempt and sent unchanged by every retry.

Redirects: one to another origin (scheme, host and port) is never followed, for any
method, and becomes an ``APIError`` with the 3xx status and its ``Location`` header;
same-origin redirects are followed for GET and HEAD only (at most
``session.max_redirects``), every other method's 3xx is raised, never re-sent.
``session.auth`` is not used: the client's auth wins.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Mapping
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import requests
import tenacity
from requests.auth import AuthBase
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri

from microblog._call import Call, CallPolicy, Deadline, Failed
from microblog._decode import Response, decode, unanswered
from microblog._errors import APITimeoutError, MicroblogError, PaginationError, RateLimitError
from microblog._middleware import RawResponse, Request, apply, chain, request_of, response_of
from microblog._observe import Observer
from microblog._ratelimit import ServerQuota, TokenBucket
from microblog._send import (
    AttemptFailed,
    BodyReader,
    Environment,
    attempt_failed,
    restore_location,
    watched,
)

if TYPE_CHECKING:
    from microblog._auth import BearerAuth
    from microblog._breaker import CircuitBreaker
    from microblog._cache import CachedResponse, ETagCache
    from microblog._hooks import Hooks
    from microblog._middleware import Middleware
    from microblog._otel import Telemetry

__all__ = ["Response", "Transport"]

MAX_RESPONSE_BYTES = 16 * 2**20
_FOLLOWED = frozenset({"GET", "HEAD"})


class _Anonymous(AuthBase):
    """No credentials (``session.auth`` and credentials in the URL are not used)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


_ANONYMOUS = _Anonymous()


def _merged(call_value: Any, session_value: Any) -> Any:
    """Merge a call's params over the session's as ``requests.sessions.merge_setting`` does.

    Keys the result maps to None are dropped, which lets a session unset a default.
    """
    if not session_value:
        return call_value
    if call_value is None:
        merged = dict(session_value)
    elif isinstance(call_value, Mapping) and isinstance(session_value, Mapping):
        merged = dict(session_value)
        merged.update(call_value)
    else:
        return call_value
    for key in [k for k, v in merged.items() if v is None]:
        del merged[key]
    return merged


def _merged_headers(call: Mapping[str, str], session: Mapping[str, Any]) -> Mapping[str, str]:
    """The call's headers over the session's, case-insensitively, as ``merge_setting`` does.

    A header the session maps to None is dropped (a session may unset a default). The
    result is a plain dict in the order requests would send it: ``prepare_headers``
    reads it without a lookup per key, and a ``CaseInsensitiveDict`` session's store is
    read through its iterator and ``lower_items`` (same order) rather than key by key.
    """
    if not session:
        return call
    if isinstance(session, CaseInsensitiveDict):
        merged = {
            lower: (name, value)
            for name, (lower, value) in zip(session, session.lower_items(), strict=True)
        }
    else:
        merged = {name.lower(): (name, value) for name, value in session.items()}
    for name, value in call.items():
        merged[name.lower()] = (name, value)
    return {name: value for name, value in merged.values() if value is not None}


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
    state each guard themselves; a call's own state lives in its ``Call``.
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
        sleep: Callable[[float], None] | None = None,
        wall_clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        breaker: CircuitBreaker | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self.session = session
        self.environment = Environment(session, self.base_url)
        self.auth = auth
        self.cache = cache
        self.bucket = bucket
        self.quota = ServerQuota(clock)
        self.hooks = hooks
        self.wait_on_rate_limit = wait_on_rate_limit
        self.clock = clock
        self.sleep = sleep
        self.wall_clock = wall_clock
        self.rand = rand
        self.max_response_bytes = max_response_bytes
        self.breaker = breaker
        self.telemetry = telemetry
        self._observer = Observer(hooks)
        self._traced = telemetry.observer(hooks) if telemetry is not None else None
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}

    def _sleep(self, seconds: float) -> None:
        """Wait with the client's ``sleep``, or ``time.sleep`` as it is now (tests patch it)."""
        (self.sleep or time.sleep)(seconds)

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
        traced = self._traced
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
            Deadline(None if deadline is None else started + deadline, self.clock),
            traced if traced is not None and traced.telemetry.live() else self._observer,
            template,
        )
        with call.observer.operation(call):
            return self._send_handling_breaker(call)

    def _send_handling_breaker(self, call: Call) -> Response:
        """Ask the circuit breaker to admit the call, and tell it how the call ended."""
        breaker = self.breaker
        if breaker is None:
            return self._send_handling_retries(call)
        breaker.admit(self.clock(), self.base_url)
        try:
            response = self._send_handling_retries(call)
        except BaseException as error:
            breaker.record(error, self.clock())
            raise
        breaker.record(None, self.clock())
        return response

    def _send_handling_retries(self, call: Call) -> Response:
        """Make the first attempt; after a failure, let tenacity run the policy's loop.

        A call that succeeds first time never builds the loop. After a failure, the
        policy's ``tenacity.Retrying`` decides from each attempt's ``Outcome`` (its retry
        state on the client's clock) whether to wait and try again or stop.

        Raises:
            MicroblogError: The error of the attempt after which the loop stopped.
        """
        result = self._attempt(call)
        if not isinstance(result, Failed):
            return result
        retrying = call.policy.retry.retrying(
            sleep=self._sleep, rand=self.rand, wait_on_rate_limit=self.wait_on_rate_limit
        )
        state = tenacity.RetryCallState(
            retrying, fn=None, args=(), kwargs={"method": call.method, "keyed": call.keyed}
        )
        retrying.begin()
        state.start_time = call.started
        while True:
            state.set_result(result.outcome)
            state.outcome_timestamp = now = self.clock()
            action = retrying.iter(state)
            if not isinstance(action, tenacity.DoSleep):
                raise result.error
            retry = call.policy.retry
            call.observer.retrying(
                call,
                result.outcome,
                result.error,
                float(action),
                elapsed=now - call.started,
                attempts=retry.max_attempts if retry.stop is None else None,
            )
            retrying.sleep(action)
            state.prepare_for_next_attempt()
            call.attempt += 1
            result = self._attempt(call)
            if not isinstance(result, Failed):
                return result

    def _attempt(self, call: Call) -> Response | Failed:
        """One attempt: the decoded answer, or what the failure came to."""
        try:
            response, cached = self._send_handling_auth(call)
        except AttemptFailed as failed:
            return unanswered(
                call, failed, base_url=self.base_url, max_bytes=self.max_response_bytes
            )
        except _Answered as answered:
            return answered.failed
        return decode(call, response, cached, cache=self.cache, now=self.wall_clock)

    def _send_handling_auth(self, call: Call) -> tuple[requests.Response, CachedResponse | None]:
        """Send; on a 401 for a token a password can replace, log in again and send once more."""
        response, cached = self._send_handling_pacing(call)
        if (
            response.status_code == 401
            and call.authenticate
            and call.relogin
            and self.auth is not None
            and self.auth.relogin(response.request.headers.get("Authorization"))
        ):
            response, cached = self._send_handling_pacing(call)
        return response, cached

    def _send_handling_pacing(self, call: Call) -> tuple[requests.Response, CachedResponse | None]:
        """Wait for the rate limits, then prepare, revalidate and send the request."""
        self._pace(call)
        prepared = self._prepare(call)
        cached = self._revalidate(call, prepared)
        return self._send_handling_redirects(call, prepared), cached

    def _pace(self, call: Call) -> None:
        if self.bucket is not None:
            delay = self.bucket.reserve()
            if delay > 0:
                if not call.deadline.allows(delay):
                    raise APITimeoutError(
                        "waiting for the client's own rate limit would pass the call's "
                        f"deadline (request id {call.request_id})",
                        request_id=call.request_id,
                    )
                self._wait_for_rate_limit(call, delay)
        delay = self.quota.delay()
        if delay <= 0:
            return
        if delay > call.policy.retry.max_retry_after:
            # An announced reset past the cap is untrusted input, not a reason to stop
            # calling: forget it and let the service answer (a real 429 is raised then).
            self.quota.clear()
            return
        if not self.wait_on_rate_limit or not call.deadline.allows(delay):
            raise RateLimitError(
                retry_after=delay,
                status_code=429,
                code="rate_limited",
                detail=f"the service's quota is spent; it resets in {delay:.1f} s",
                request_id=call.request_id,
            )
        self._wait_for_rate_limit(call, delay)

    def _wait_for_rate_limit(self, call: Call, delay: float) -> None:
        call.observer.rate_limit_wait(call, delay)
        self._sleep(delay)

    def _prepare(self, call: Call) -> requests.PreparedRequest:
        session = self.session
        auth = self.auth if call.authenticate and self.auth is not None else _ANONYMOUS
        prepared = requests.PreparedRequest()
        cookies = session.cookies
        try:
            # PreparedRequest.prepare's steps in its order, less the cookie step for an
            # empty jar: it would add no Cookie header, at about 15 µs per call (a mock
            # request, a urlparse and a cookie-policy pass).
            prepared.prepare_method(call.method)
            prepared.prepare_url(call.url, _merged(call.params, session.params))
            prepared.prepare_headers(_merged_headers(call.headers, session.headers))
            if not isinstance(cookies, CookieJar) or len(cookies):
                prepared.prepare_cookies(cookies)
            prepared.prepare_body(call.data, None, call.json)
            prepared.prepare_auth(auth, call.url)
            prepared.prepare_hooks(session.hooks)
        except requests.RequestException as exc:  # e.g. a body json cannot encode
            raise ValueError(f"cannot build the request: {exc}") from exc
        # Last of the response hooks: the body is read, bounded, inside Session.send.
        prepared.hooks["response"].append(BodyReader(self.max_response_bytes, call.deadline))
        return prepared

    def _revalidate(self, call: Call, prepared: requests.PreparedRequest) -> CachedResponse | None:
        if self.cache is None or call.method != "GET":
            return None
        cached = self.cache.get(prepared.url or "")
        if cached is not None:
            prepared.headers["If-None-Match"] = cached.etag
        return cached

    def _send_handling_redirects(
        self, call: Call, prepared: requests.PreparedRequest
    ) -> requests.Response:
        """Send, following same-origin redirects of a GET/HEAD (see the module docstring)."""
        response = self._send_single_request(call, prepared)
        hops = 0
        while response.is_redirect and call.method in _FOLLOWED:
            target = self._redirect_target(response)
            if target is None or hops >= self.session.max_redirects:
                break  # decoded as the 3xx APIError
            hops += 1
            prepared = prepared.copy()
            prepared.url = target
            response = self._send_single_request(call, prepared)
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

    def _send_single_request(
        self, call: Call, prepared: requests.PreparedRequest
    ) -> requests.Response:
        """Send one request of an attempt, seen by the observer, through the middleware.

        Raises:
            AttemptFailed: No whole answer arrived.
            _Answered: The same, seen by middleware as the mapped error.
        """
        with call.observer.sending(call, prepared) as seen:
            middleware = call.policy.middleware
            if middleware:
                response = self._through(middleware, call, prepared)
            else:
                response = self._send_through_session(call, prepared)
            seen.answered(response.status_code)
        return response

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
        lost: list[Failed] = []

        def send(request: Request) -> RawResponse:
            apply(request, prepared, content)
            try:
                response = self._send_through_session(call, prepared)
            except AttemptFailed as failed:
                lost.append(
                    unanswered(
                        call, failed, base_url=self.base_url, max_bytes=self.max_response_bytes
                    )
                )
                raise lost[-1].error from failed.__cause__
            raw = RawResponse(
                response.status_code, response.headers, response.content, response.elapsed
            )
            sent.append((raw, response))
            return raw

        try:
            answer = chain(middleware, send)(request)
        except MicroblogError as error:
            if lost and error is lost[-1].error:
                raise _Answered(lost[-1]) from None
            raise
        for raw, response in sent:
            if raw is answer:
                return response
        return response_of(answer, prepared)

    def _send_through_session(
        self, call: Call, prepared: requests.PreparedRequest
    ) -> requests.Response:
        """``session.send`` the request, its body read (bounded) by the ``BodyReader`` hook.

        Proxies, ``verify`` and ``cert`` are passed in (``Environment``), so
        ``Session.send`` does not resolve them again; redirects are the pipeline's.

        Raises:
            AttemptFailed: No whole answer arrived.
        """
        deadline = call.deadline
        try:
            timeout, cut, left = deadline.shorten(call.policy.requests_timeout)
        except ValueError:
            raise AttemptFailed("deadline", sent=False) from None
        at = None if deadline.at is None else time.monotonic() + left
        started = time.perf_counter()
        with watched(at) as watch:
            try:
                response = self.session.send(
                    prepared,
                    timeout=timeout,
                    allow_redirects=False,
                    stream=True,
                    **self.environment.settings(self.session),
                )
            except AttemptFailed as failed:  # from the body reader
                call.observer.sent(call, prepared, failed.failure, started)
                raise
            except Exception as exc:  # a mock's, a recorder's: one failure
                # the watchdog may have ended a request still under way
                failure = (
                    AttemptFailed("deadline", sent=True)
                    if watch.cut
                    else attempt_failed(exc, cut=cut)
                )
                call.observer.sent(call, prepared, failure.failure, started)
                raise failure from exc
        restore_location(response)
        call.observer.sent(call, prepared, response.status_code, started)
        self.quota.observe(response.headers)
        return response
