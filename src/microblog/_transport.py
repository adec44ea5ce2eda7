"""One logical call's pipeline: build -> pace -> send -> (re-login) -> decode -> map errors.

``Transport`` is the state a client shares with its ``with_options`` copies (session,
auth, cache, pacing, hooks, clock). Retrying the pipeline is ``CallPolicy``'s job
(``_call.py``).

Per logical call: one ``X-Request-ID`` and, for a POST, one ``Idempotency-Key``, both
made before the first attempt and sent unchanged by every retry.

Requests are prepared and sent without ``Session.prepare_request``/``Session.send``: for a
single-origin bearer-token client their per-call merging (settings, ``~/.netrc``, the
cookie jar, the environment) is most of the SDK's own cost. What a user may set on
``client.session`` is still honoured on every call: headers, params, hooks, proxies,
verify, cert, mounted adapters, ``max_redirects`` (redirects are still followed, by the
session's own code). ``session.auth`` is not used: the client's auth wins, as before.

Cookies are kept, at no cost when unused: ``session.cookies`` is sent, and a response's
``Set-Cookie`` is stored in it only when the response carries one (``requests`` runs the
``http.cookiejar`` machinery on every response). The service itself sets none.
"""

from __future__ import annotations

import logging
import os
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from json import loads as json_loads
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from requests.cookies import extract_cookies_to_jar
from requests.hooks import dispatch_hook
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, get_environ_proxies

from microblog._cache import CachedResponse, ETagCache
from microblog._call import Call, CallPolicy
from microblog._errors import (
    APIConnectionError,
    APITimeoutError,
    MicroblogError,
    RateLimitError,
    ResponseDecodeError,
    connection_failure,
    error_from_response,
    parse_retry_after,
)
from microblog._hooks import Hooks, call_hook
from microblog._logging import logger
from microblog._ratelimit import ServerQuota, TokenBucket

if TYPE_CHECKING:
    from microblog._auth import BearerAuth
    from microblog._config import Retry

__all__ = ["ClientAdapter", "Response", "Transport"]


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


def _environment(session: requests.Session, url: str) -> tuple[dict[str, str], str | None]:
    """Resolve proxies and the CA bundle from the environment, once, for ``url``'s origin."""
    if not session.trust_env:
        return {}, None
    proxies = get_environ_proxies(url, no_proxy=session.proxies.get("no_proxy"))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return dict(proxies), bundle


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


class ClientAdapter(HTTPAdapter):
    """The adapter a client mounts on a session it creates itself.

    ``requests``' own, except that a response without ``Set-Cookie`` (the service sends
    none) skips the cookie parsing ``build_response`` does for every response: a mock
    request, a mock response and a cookie-policy pass for nothing. A response that sets a
    cookie is built by ``HTTPAdapter.build_response`` itself.
    """

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        """Build the response as ``HTTPAdapter.build_response`` does (see the class)."""
        if "Set-Cookie" in resp.headers:
            return super().build_response(req, resp)
        response = requests.Response()
        response.status_code = resp.status
        response.headers = CaseInsensitiveDict(resp.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url.decode("utf-8") if isinstance(req.url, bytes) else req.url or ""
        response.request = req
        response.connection = self
        return response


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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        origin = urlsplit(self.base_url)
        self._origin = (origin.scheme.lower(), origin.netloc.lower())
        self._host = origin.hostname or ""
        self.session = session
        self.auth = auth
        self.cache = cache
        self.bucket = bucket
        self.quota = ServerQuota(clock)
        self.hooks = hooks
        self.wait_on_rate_limit = wait_on_rate_limit
        self.clock = clock
        self.sleep = sleep
        self.wall_clock = wall_clock
        self.random = rand
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}
        # requests re-reads proxies and CA bundles from os.environ on every
        # Session.request(); every call goes to one origin, so resolve them once here.
        self._env_proxies, self._env_bundle = _environment(session, self.base_url)
        # A CA bundle path costs an os.path.isdir per call in HTTPAdapter, even for http.
        if self._origin[0] != "https":
            self._env_bundle = None

    def url_for(self, path_or_url: str) -> str:
        """Join a path to the base URL, or check that an absolute URL is on its origin.

        Raises:
            ValueError: For a URL on another origin, or a path not starting with ``/``.
        """
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            if (parts.scheme.lower(), parts.netloc.lower()) != self._origin:
                raise ValueError("refusing to send credentials to a URL on another origin")
            return path_or_url
        if not path_or_url.startswith("/"):
            raise ValueError(f"expected a path starting with '/', got {path_or_url!r}")
        return self.base_url + path_or_url

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
    ) -> Response:
        """Perform one logical call with every policy applied.

        Returns:
            The decoded 2xx response.

        Raises:
            MicroblogError: The mapped failure, after the retries the policy allows.
            ValueError: For a URL on another origin.
        """
        method = method.upper()
        headers = {**self._headers, "X-Request-ID": str(uuid.uuid4())}
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        if if_match is not None:
            headers["If-Match"] = if_match
        if params:
            params = {k: v for k, v in params.items() if v is not None}
        call = Call(
            method,
            self.url_for(path_or_url),
            params,  # type: ignore[arg-type]  # None values were just dropped
            json,
            data,
            headers,
            authenticate,
            relogin,
            self.clock(),
        )
        if policy.retrying is None:
            return self._attempt(call, policy)
        # Most calls succeed at once: the first attempt runs outside tenacity, which is
        # entered only for a retryable failure, replaying that failure as its first attempt
        # so that its counting, waits and hooks are exactly what they would have been.
        try:
            return self._attempt(call, policy)
        except MicroblogError as first:
            if not call.retryable:
                raise
            replay: list[MicroblogError] = [first]

        def attempt(call: Call, policy: CallPolicy) -> Response:
            if replay:
                raise replay.pop()
            return self._attempt(call, policy)

        return policy.retrying(attempt, call, policy)

    def _attempt(self, call: Call, policy: CallPolicy) -> Response:
        call.attempt += 1
        call.retryable, call.retry_after = False, None
        self._pace(call, policy.retry)
        prepared = self._prepare(call)
        cached = self._revalidate(call, prepared)
        response = self._send(call, prepared, policy)
        if (
            response.status_code == 401
            and call.authenticate
            and call.relogin
            and self.auth is not None
            and self.auth.relogin(prepared.headers.get("Authorization"))
        ):
            self._pace(call, policy.retry)
            prepared = self._prepare(call)
            cached = self._revalidate(call, prepared)
            response = self._send(call, prepared, policy)
        return self._decode(call, response, cached, policy.retry)

    def _pace(self, call: Call, retry: Retry) -> None:
        if self.bucket is not None:
            delay = self.bucket.reserve()
            if delay > 0:
                call_hook(self.hooks.on_rate_limit_wait, delay)
                self.sleep(delay)
        delay = self.quota.delay()
        if delay <= 0:
            return
        over_deadline = retry.deadline is not None and (
            self.clock() - call.started + delay > retry.deadline
        )
        if not self.wait_on_rate_limit or delay > retry.max_retry_after or over_deadline:
            raise RateLimitError(
                retry_after=delay,
                status_code=429,
                code="rate_limited",
                detail=f"the service's quota is spent; it resets in {delay:.1f} s",
                request_id=call.request_id,
            )
        call_hook(self.hooks.on_rate_limit_wait, delay)
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

    def _send(
        self, call: Call, prepared: requests.PreparedRequest, policy: CallPolicy
    ) -> requests.Response:
        session = self.session
        proxies = self._env_proxies if session.trust_env else {}
        if session.proxies:
            proxies = {**proxies, **session.proxies}
        verify = session.verify
        if verify is True and session.trust_env and self._env_bundle:
            verify = self._env_bundle
        settings: dict[str, Any] = {
            "timeout": policy.requests_timeout,
            "proxies": proxies,
            "verify": verify,
            "cert": session.cert,
            "stream": False,
        }
        started = time.perf_counter()
        try:
            response = session.get_adapter(prepared.url or "").send(prepared, **settings)
            response.elapsed = timedelta(seconds=time.perf_counter() - started)
            response = dispatch_hook(  # type: ignore[no-untyped-call]  # untyped in requests
                "response", prepared.hooks, response, **settings
            )
            if "Set-Cookie" in response.headers:
                extract_cookies_to_jar(  # type: ignore[no-untyped-call]  # untyped in requests
                    session.cookies, prepared, response.raw
                )
            if response.is_redirect:
                response = self._follow(response, prepared, settings)
            response.content  # noqa: B018  # read now: releases the connection, maps errors
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            self._log(call, prepared, type(exc).__name__, started)
            raise self._connection_error(call, exc, policy.retry) from exc
        self._log(call, prepared, response.status_code, started)
        self.quota.observe(response.headers)
        return response

    def _follow(
        self, response: requests.Response, prepared: requests.PreparedRequest, settings: Any
    ) -> requests.Response:
        """Follow a redirect as ``Session.send`` would (rare: the service sends none)."""
        history = [response, *self.session.resolve_redirects(response, prepared, **settings)]
        final: requests.Response = history.pop()
        final.history = history
        return final

    def _log(
        self, call: Call, prepared: requests.PreparedRequest, outcome: object, started: float
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s in %.1f ms (attempt %d, request id %s)",
                call.method,
                prepared.path_url,
                outcome,
                (time.perf_counter() - started) * 1000,
                call.attempt,
                call.request_id,
            )

    def _connection_error(self, call: Call, exc: Exception, retry: Retry) -> APIConnectionError:
        keyed = "Idempotency-Key" in call.headers
        cls: type[APIConnectionError]
        if isinstance(exc, requests.ConnectTimeout):
            cls, what, sent = APITimeoutError, "connect timeout", False
        elif isinstance(exc, requests.Timeout):
            cls, what, sent = APITimeoutError, "read timeout", True
        elif isinstance(exc, requests.ConnectionError):
            # A connection dropped or reset after the request went out (urllib3's
            # ProtocolError) may have been processed: retry it only when idempotent, or a
            # lost PATCH answer comes back as a 412 for the caller's own write.
            cause = exc.args[0] if exc.args else None
            sent = isinstance(cause, urllib3.exceptions.ProtocolError)
            cls, what = APIConnectionError, "connection lost" if sent else "connection failed"
        else:
            cls, what, sent = APIConnectionError, "transport error", True
        call.maybe_applied = call.maybe_applied or sent
        call.retryable = not isinstance(exc, requests.exceptions.SSLError) and retry.should_retry(
            call.method, read_timeout=sent, idempotency_key=keyed
        )
        message = connection_failure(what, self.base_url, exc)
        # The cause stays in __cause__ (its own cause in its args), but a traceback shows
        # it in one line instead of four chained exceptions deep inside urllib3.
        exc.__suppress_context__ = True
        exc.__traceback__ = None
        return cls(f"{message} (request id {call.request_id})", request_id=call.request_id)

    def _decode(
        self,
        call: Call,
        response: requests.Response,
        cached: CachedResponse | None,
        retry: Retry,
    ) -> Response:
        status = response.status_code
        if status == 304 and cached is not None:
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
            )
            if self.cache is not None:
                self.cache.discard(response.request.url or "")
            return Response(204, CaseInsensitiveDict(), None, response.url, call.request_id)
        if status >= 300:
            raise self._error(call, response, retry)
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
        except ValueError as exc:
            raise ResponseDecodeError(
                "the response body is not JSON", status_code=status, request_id=call.request_id
            ) from exc

    def _error(self, call: Call, response: requests.Response, retry: Retry) -> MicroblogError:
        error = error_from_response(response, request_id=call.request_id, now=self.wall_clock())
        status = response.status_code
        keyed = "Idempotency-Key" in call.headers
        call.maybe_applied = call.maybe_applied or status >= 500
        call.retryable = retry.should_retry(call.method, status=status, idempotency_key=keyed)
        if status == 429 and not self.wait_on_rate_limit:
            call.retryable = False
        if call.retryable and status in (429, 503):
            after = parse_retry_after(response.headers.get("Retry-After"), now=self.wall_clock())
            if after is not None and after > retry.max_retry_after:
                call.retryable = False
            call.retry_after = after
        return error
