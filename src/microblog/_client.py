"""``Client``: configuration, the session, auth, the managers, ``with_options``, ``close``."""

from __future__ import annotations

import copy
import dataclasses
import os
import time
from typing import TYPE_CHECKING, Any, Self

import requests

from microblog._auth import BearerAuth
from microblog._breaker import CircuitBreaker
from microblog._cache import MAX_BYTES as CACHE_MAX_BYTES
from microblog._cache import ETagCache
from microblog._call import CallPolicy
from microblog._config import Retry, Timeout
from microblog._errors import (
    AuthenticationError,
    ClientClosedError,
    MicroblogError,
    ResponseDecodeError,
)
from microblog._hooks import Hooks
from microblog._ratelimit import RateLimit, ServerQuota, TokenBucket
from microblog._resources import MicropostManager, UserManager
from microblog._resources._model import username_of
from microblog._resources._paths import API, Template
from microblog._send import ClientAdapter
from microblog._settings import (
    TOKEN_TEXT,
    check_base_url,
    check_bytes,
    check_middleware,
    check_token,
    max_retries_from_environment,
    telemetry_of,
)
from microblog._transport import MAX_RESPONSE_BYTES, Response, Transport
from microblog._version import __version__

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from types import TracebackType

    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from microblog._middleware import Middleware
    from microblog._pagination import Pager
    from microblog._ratelimit import Quota
    from microblog._resources import Micropost, User

__all__ = ["Client"]


class _Unchanged:
    """The default of ``with_options`` arguments: keep this client's value."""

    def __repr__(self) -> str:
        return "unchanged"  # what help() and the reference show as the default


_UNSET: Any = _Unchanged()
_TOKEN = f"{API}/token"
_LOGIN, _LOGOUT = Template(_TOKEN, "login"), Template(_TOKEN, "logout")


class _Lifetime:
    """Whether a client's connection pool was closed, shared with its ``with_options`` copies."""

    __slots__ = ("closed",)

    def __init__(self) -> None:
        self.closed = False


class Client:
    """A connection to one microblog service, for one set of credentials.

    Args:
        base_url: The service's root URL, such as ``https://microblog.example.com``;
            defaults to ``$MICROBLOG_URL``. A URL ending in ``/api/v1`` is accepted and
            means the same service (the SDK adds ``/api/v1`` itself). Credentials in it
            (``user:password@``) are refused, never used or shown.
        username: With ``password``: log in lazily, and once more on a 401.
        password: The password for ``username``.
        token: A bearer token instead of a password; defaults to ``$MICROBLOG_TOKEN``.
        anonymous: No credentials at all, whatever ``$MICROBLOG_TOKEN`` holds: an
            application's shared client, whose per-user copies
            (``with_options(token=...)``) carry each user's token.
        timeout: Per-attempt timeouts; a number means both connect and read. ``None``
            is refused.
        max_retries: Retries after the first attempt (0 turns retries off); overrides
            ``retry.max_retries``. Default: ``$MICROBLOG_MAX_RETRIES`` when set (a test
            suite sets it to 0), else the policy's (3).
        retry: The whole retry policy (``microblog.Retry``).
        rate_limit: Client-side pacing (``microblog.RateLimit``), or None.
        wait_on_rate_limit: When the service's quota is spent (``RateLimit`` header with
            ``r=0``) or a 429 arrives, wait for the reset (True) or raise
            ``RateLimitError`` at once (False). Waits longer than
            ``retry.max_retry_after`` always raise.
        pool_size: Connections kept alive for concurrent calls.
        session: A ``requests.Session`` to use instead of a new one (its adapters are
            kept; the caller closes it).
        cache: Revalidate GETs with ``If-None-Match`` from a bounded per-client cache.
        cache_size: The cache's bound, in responses.
        cache_max_bytes: The cache's bound in bytes (default 16 MiB): the least recently
            used responses are dropped past it, and a body larger than it is not cached.
        hooks: Callbacks on retry, rate-limit wait and new token (``microblog.Hooks``).
        max_response_bytes: The largest response body read, in bytes (default 16 MiB);
            a larger one (by ``Content-Length``, or while it streams) is not read on and
            raises ``ResponseTooLargeError``, so memory stays bounded by this, not the body.
        clock: Monotonic clock for pacing and deadlines (inject in tests).
        sleep: The function that waits (inject in tests); default ``time.sleep``, looked
            up when the client waits, so ``monkeypatch.setattr(time, "sleep", ...)``,
            freezegun and time-machine reach it.
        circuit_breaker: A :class:`~microblog.CircuitBreaker`: after its
            ``failure_threshold`` consecutive calls without a useful answer, calls raise
            :class:`~microblog.CircuitOpenError` at once until its ``recovery_time``
            passed (on ``clock``). Off (None) by default; shared by ``with_options`` copies.
        middleware: Callables ``mw(request, call_next) -> RawResponse`` run around every
            request sent (each attempt), the first one outermost; see
            :class:`~microblog.Request` and :class:`~microblog.RawResponse`.
        tracer_provider: The OpenTelemetry ``TracerProvider`` of the client's spans
            (extra ``microblog[otel]``); default: the global one when
            ``opentelemetry-api`` is installed, none when it is not.
        meter_provider: The OpenTelemetry ``MeterProvider`` of the client's metrics;
            default as for ``tracer_provider``.

    Raises:
        ValueError: Without a base URL (argument or ``$MICROBLOG_URL``), with a base URL
            that is not http(s) or that carries credentials (``http://user:pw@host``:
            pass ``username=``/``password=`` instead; they are never sent as basic auth),
            with a token holding whitespace or a control character (a trailing newline
            from a file: ``.strip()`` it; the message never quotes the token), or with a
            username without a password (or both a token and a password).
        TypeError: For ``timeout=None``, or a ``max_response_bytes`` that is not an int.

    Environment: ``MICROBLOG_URL`` and ``MICROBLOG_TOKEN`` are read when the client is
    built. When the session trusts the environment (``session.trust_env``, the default),
    the proxy variables (``HTTP(S)_PROXY``, ``NO_PROXY``) and ``REQUESTS_CA_BUNDLE`` /
    ``CURL_CA_BUNDLE`` are also resolved once here, for the client's origin, rather than
    on every call as ``requests`` would; ``client.session.proxies``/``verify``/``cert``
    are still read per call and win over the environment. ``~/.netrc`` is never
    consulted: the client's credentials are explicit.

    Closing: after :meth:`close` (or the end of a ``with`` block) every call raises
    :class:`~microblog.ClientClosedError` at once, without a request; so do the
    ``with_options`` copies of a closed client. Make a new client instead.

    Thread safety: a client (and its ``with_options`` copies) may be shared by many
    threads. The connection pool, the login (one login when many threads get a 401 at
    once), the ETag cache and the pacing state are each locked.
    """

    users: UserManager
    microposts: MicropostManager

    def __init__(
        self,
        base_url: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        anonymous: bool = False,
        timeout: Timeout | float = Timeout(),  # noqa: B008  # an immutable value
        max_retries: int | None = None,
        retry: Retry | None = None,
        rate_limit: RateLimit | None = None,
        wait_on_rate_limit: bool = True,
        pool_size: int = 10,
        session: requests.Session | None = None,
        cache: bool = True,
        cache_size: int = 512,
        cache_max_bytes: int = CACHE_MAX_BYTES,
        hooks: Hooks | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        circuit_breaker: CircuitBreaker | None = None,
        middleware: Sequence[Middleware] = (),
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        base_url = base_url or os.environ.get("MICROBLOG_URL")
        if not base_url:
            raise ValueError("no base URL: pass Client(base_url) or set $MICROBLOG_URL")
        base_url = check_base_url(base_url)
        if (username is None) != (password is None):
            raise ValueError("pass username and password together")
        if password is not None and token is not None:
            raise ValueError("pass either a token or a username and password, not both")
        if anonymous and (token is not None or password is not None):
            raise ValueError(
                "anonymous=True takes no credentials: pass no token=, username= or password="
            )
        token = check_token(token, "token=")
        if password is None and token is None and not anonymous:
            token = check_token(os.environ.get("MICROBLOG_TOKEN") or None, "$MICROBLOG_TOKEN")
        check_bytes("max_response_bytes", max_response_bytes)
        check_bytes("cache_max_bytes", cache_max_bytes)
        telemetry = telemetry_of(tracer_provider, meter_provider)
        if circuit_breaker is not None and not isinstance(circuit_breaker, CircuitBreaker):
            raise TypeError("circuit_breaker must be a microblog.CircuitBreaker or None")
        policy_timeout = Timeout.coerce(timeout)
        policy_retry = retry or Retry()
        if max_retries is None:
            max_retries = max_retries_from_environment()
        if max_retries is not None:
            policy_retry = dataclasses.replace(policy_retry, max_retries=max_retries)
        hooks = hooks or Hooks()
        self._owns_session = session is None
        self._lifetime = _Lifetime()
        self._closed = self._is_copy = False
        if session is None:
            session = requests.Session()
            adapter = ClientAdapter(pool_maxsize=pool_size, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self._transport = Transport(
            base_url=base_url,
            session=session,
            auth=None,
            cache=ETagCache(cache_size, max_bytes=cache_max_bytes) if cache else None,
            bucket=TokenBucket(rate_limit, clock) if rate_limit else None,
            hooks=hooks,
            user_agent=f"microblog-python/{__version__}",
            wait_on_rate_limit=wait_on_rate_limit,
            clock=clock,
            sleep=sleep,
            max_response_bytes=max_response_bytes,
            breaker=circuit_breaker,
            telemetry=telemetry,
        )
        self._transport.auth = BearerAuth(
            token=token, username=username, password=password, login=self._login, hooks=hooks
        )
        self._bind(CallPolicy(policy_timeout, policy_retry, check_middleware(middleware)))

    def _bind(self, policy: CallPolicy, *, me: str | None = None) -> None:
        self._policy = policy
        self.users = UserManager(self, me=me)
        self.microposts = MicropostManager(self)

    def __repr__(self) -> str:
        # The auth mode and the username, never a token or a password.
        auth = self._transport.auth
        kind = auth.kind if auth else None
        who = f", username={auth.username!r}" if auth and auth.username else ""
        text = f"Client({self._transport.base_url!r}, auth={kind!r}{who})"
        return f"<closed {text}>" if self._is_closed() else text

    @property
    def base_url(self) -> str:
        """The service's root URL, without a trailing slash."""
        return self._transport.base_url

    @property
    def session(self) -> requests.Session:
        """The ``requests.Session`` (for proxies, certificates, adapters, instrumentation)."""
        return self._transport.session

    @property
    def max_response_bytes(self) -> int:
        """The largest response body this client reads, in bytes."""
        return self._transport.max_response_bytes

    @property
    def cache_max_bytes(self) -> int | None:
        """The ETag cache's bound in bytes, or None when ``cache=False``."""
        cache = self._transport.cache
        return None if cache is None else cache.max_bytes

    @property
    def circuit_breaker(self) -> CircuitBreaker | None:
        """The circuit breaker this client (and its copies) calls through, or None."""
        return self._transport.breaker

    @property
    def timeout(self) -> Timeout:
        """This client's per-attempt timeouts."""
        return self._policy.timeout

    @property
    def retry(self) -> Retry:
        """This client's retry policy."""
        return self._policy.retry

    @property
    def quota(self) -> Quota | None:
        """The service's rate limit as its last response announced it, or None before one did.

        Read from the ``RateLimit``/``RateLimit-Policy`` headers of every response (any
        status, every ``with_options`` copy and thread: they share it); ``resets_in``
        counts down from that response. The client already paces itself by it (see
        ``wait_on_rate_limit``); read it to plan bulk work. Reading costs no request.
        """
        return self._transport.quota.snapshot()

    @property
    def _username(self) -> str | None:
        auth = self._transport.auth
        return auth.username if auth else None

    def with_options(
        self,
        *,
        timeout: Timeout | float = _UNSET,
        max_retries: int | None = None,
        retry: Retry | None = None,
        middleware: Sequence[Middleware] = _UNSET,
        token: str | None = _UNSET,
        username: str = _UNSET,
    ) -> Client:
        """Return a copy with other timeouts, retries, middleware or token, sharing the pool.

        The copy shares the session (connection pool), the login, the cache and the
        pacing state; closing it does not close the pool.

        With ``token=``, the copy acts as another user (a web app's per-request client):
        it still shares the session, the client-side pacing and the circuit breaker,
        but has its own credentials, ETag cache (one user's responses never serve
        another's) and record of the service's quota (``quota``). ``token=None`` makes
        an anonymous copy. A copy made this way never logs in with a password.

        With ``token=`` and ``username=``, the copy also knows whose token it is, so
        the calls that name the caller in their path (``microposts.create()``,
        ``microposts.list()``, ``timeline()``, ``follow()``) cost one request, not a
        ``GET /me`` first. A web app keeps the username beside the token in its session
        (from ``with_options(token=...).me()`` at log-in). The SDK does not check it:
        a wrong one is the service's ``PermissionDeniedError`` (a post into someone
        else's collection), never an action on the wrong account. Without
        ``username=``, a token copy asks ``GET /me`` once, on first need.

        Args:
            timeout: New timeouts (a number means both); None is refused.
            max_retries: New retry count (0 turns retries off).
            retry: A new retry policy.
            middleware: The copy's whole middleware list (replacing, not adding to,
                this client's; ``[]`` runs none).
            token: Another bearer token for the copy, or None for none; checked as
                ``Client(token=...)`` checks it.
            username: Whose ``token`` it is (only with a token). Without ``token=``
                the copy keeps this client's credentials and whatever it knows of them.

        Returns:
            The copy.

        Raises:
            ValueError: a token with whitespace or a control character (not quoted);
                ``username=`` without a token, or one that cannot name a user.
        """
        me = self.users._me if token is _UNSET else None
        if username is not _UNSET:
            if token is _UNSET or token is None:
                raise ValueError(
                    "username= says whose token= it is: pass it with token=..., e.g."
                    " with_options(token=token, username=name)"
                )
            me = username_of(username)
        new_timeout = self.timeout if timeout is _UNSET else Timeout.coerce(timeout)
        new_retry = retry or self.retry
        if max_retries is not None:
            new_retry = dataclasses.replace(new_retry, max_retries=max_retries)
        clone = object.__new__(Client)
        clone._transport = (
            self._transport
            if token is _UNSET
            else self._transport_for(check_token(token, "token="))
        )
        clone._owns_session = False
        clone._lifetime = self._lifetime
        clone._closed, clone._is_copy = False, True
        chain = self._policy.middleware if middleware is _UNSET else check_middleware(middleware)
        clone._bind(CallPolicy(new_timeout, new_retry, chain), me=me)
        return clone

    def _transport_for(self, token: str | None) -> Transport:
        """This client's transport with other credentials: same pool, own cache and quota."""
        shared = self._transport
        transport = copy.copy(shared)
        transport.auth = BearerAuth(
            token=token, username=None, password=None, login=self._login, hooks=shared.hooks
        )
        transport.quota = ServerQuota(shared.clock)
        if shared.cache is not None:
            transport.cache = shared.cache.empty_copy()
        return transport

    def login(self, username: str, password: str) -> str:
        """Exchange a username and password for a new token, and return it.

        This client's own credentials do not change: the token is for the caller to keep
        (an application's session of one of its users) and use through
        ``with_options(token=...)``; :meth:`logout` on that copy revokes it.

        Raises:
            AuthenticationError: Wrong username or password (the service's
                ``invalid_grant``).
        """
        return self._login(username, password)

    def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str | int | None] | None = None,
        json: Any = None,
        if_match: str | None = None,
        template: str | None = None,
    ) -> Response:
        """Send one logical call through the pipeline (the seam the managers use).

        Args:
            method: The HTTP method.
            path_or_url: A path (``/api/v1/...``) or an absolute URL on the same origin.
            params: Query parameters; None values are dropped.
            json: The JSON body, if any.
            if_match: An ETag for ``If-Match``.
            template: The endpoint's URL template (``/api/v1/microposts/{id}``) for logs.

        Returns:
            The decoded 2xx response.
        """
        self._check_open()
        try:
            return self._transport.request(
                self._policy,
                method,
                path_or_url,
                params=params,
                json=json,
                if_match=if_match,
                template=template,
            )
        except MicroblogError as caught:
            failure = caught
        # An error raised on purpose says it all in its message (and its __cause__): its
        # traceback starts here, at the caller's call, not deep in the pipeline.
        raise failure.with_traceback(None)

    def _is_closed(self) -> bool:
        return self._closed or self._lifetime.closed

    def _check_open(self) -> None:
        if self._is_closed():
            raise ClientClosedError(
                f"this client of {self.base_url} is closed (close() or the end of its"
                " with block): make a new microblog.Client"
            )

    def _login(self, username: str, password: str) -> str:
        self._check_open()
        form = {"grant_type": "password", "username": username, "password": password}
        response = self._transport.request(
            self._policy,
            "POST",
            _TOKEN,
            data=form,
            authenticate=False,
            template=_LOGIN,
        )
        body = response.data
        token = body.get("access_token") if isinstance(body, dict) else None
        # The token goes into every later request's Authorization header: anything but
        # visible ASCII (a CR/LF, a U+2028) would break that header, so it is the server's
        # broken answer now, not a ValueError from deep inside requests later.
        if not isinstance(token, str) or not TOKEN_TEXT.fullmatch(token):
            raise ResponseDecodeError(
                "the token response has no usable access_token",
                status_code=response.status_code,
                request_id=response.request_id,
            )
        return token

    def _password_changed(self, username: str, password: str) -> None:
        """Log in with ``password`` from now on, when this client holds ``username``'s."""
        auth = self._transport.auth
        if auth is not None and auth.username == username:
            auth.use_password(password)

    def _caller(self) -> str:
        """The caller's username: known from the login, else one ``GET /me``, remembered."""
        return self.users._caller()

    def me(self) -> User:
        """Return the caller's user."""
        return self.users.me()

    def timeline(
        self, *, size: int | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Pager[Micropost]:
        """Return the caller's timeline, newest first, as a lazy pager.

        The timeline holds the posts of the users the caller follows and the posts that
        name the caller; the caller's own posts are in ``client.microposts.list()``.
        """
        return self.microposts.timeline(size=size, limit=limit, cursor=cursor)

    def logout(self) -> None:
        """Revoke the current token on the service (``DELETE /api/v1/token``) and forget it.

        Does nothing when no token is held. A client with a password logs in again on
        its next call. A token the service already rejects counts as revoked.
        """
        self._check_open()
        auth = self._transport.auth
        if auth is None or not auth.has_token:
            return
        try:
            self._transport.request(self._policy, "DELETE", _TOKEN, relogin=False, template=_LOGOUT)
        except AuthenticationError:
            pass
        finally:
            auth.forget()

    def close(self) -> None:
        """Release the connection pool; every later call on this client raises at once.

        Closing the client also closes its ``with_options`` copies. Closing a copy closes
        only the copy and leaves the pool open. A ``session=`` passed in is never closed
        (its owner closes it). Closing twice does nothing more.
        """
        self._closed = True
        if self._is_copy:
            return
        self._lifetime.closed = True
        if self._owns_session:
            self._transport.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
