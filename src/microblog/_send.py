"""Send one prepared request the way ``Session.send`` does, and read its answer, bounded.

The one module that imports ``urllib3``. ``requests``' own ``Session.prepare_request``/
``Session.send`` merge settings, ``~/.netrc``, the cookie jar and the environment on every
call, which is most of a single-origin client's cost; :class:`Sender` does what they do
for one request, from what the user may set on the session: headers and params (merged by
the caller), hooks, proxies, verify, cert, mounted adapters and cookies. A parity test
(``tests/sdk/hostile/test_send_parity.py``) holds it to ``Session.send``.

It differs on purpose in three ways: redirects are not followed here (the pipeline
decides, by origin and method); the body is read in pieces, stopping past
``max_bytes`` and at the call's deadline (``Session.send`` reads any size for as long as
the service trickles); and every failure becomes :class:`AttemptFailed` with its kind
(``microblog._outcome.Failure``) and whether the request may have been sent.

The response head is bounded by the deadline too, on the connections of the
:class:`ClientAdapter` a client mounts: their ``getresponse`` hands the socket to
``microblog._watchdog`` while the head is read, which shuts it down at the deadline (a
read timeout alone lets a head trickled a byte at a time run for ever). A session the
user injects with adapters of their own keeps the read timeout per read only.
"""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.hooks import dispatch_hook
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, get_environ_proxies
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from microblog._watchdog import WATCHDOG

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog._outcome import Failure

__all__ = ["AttemptFailed", "ClientAdapter", "Sender"]

_PIECE = 65536
_DIGITS = re.compile(r"[0-9]{1,30}")
_TIMEOUT = (urllib3.exceptions.ReadTimeoutError, TimeoutError)
_INVALID = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidJSONError,
    urllib3.exceptions.LocationValueError,
)
# What HTTPAdapter.send raises, in the order to test it: (types, failure, sent).
_SEND_FAILURES: tuple[tuple[type[Exception] | tuple[type[Exception], ...], Failure, bool], ...] = (
    (requests.ConnectTimeout, "connect_timeout", False),
    (requests.Timeout, "timeout", True),
    (requests.exceptions.SSLError, "tls", False),
    (requests.exceptions.ProxyError, "connect", False),
    (_INVALID, "invalid", False),
)


class AttemptFailed(Exception):  # noqa: N818  (internal: never reaches a caller)
    """An attempt that got no whole answer.

    Attributes:
        failure: The kind of failure.
        sent: Whether the request may have reached the service.
        status: The answer's status when its head arrived before the failure.
    """

    def __init__(self, failure: Failure, *, sent: bool, status: int | None = None) -> None:
        super().__init__(failure)
        self.failure: Failure = failure
        self.sent = sent
        self.status = status


def _environment(session: requests.Session, url: str) -> tuple[dict[str, str], str | None]:
    """Resolve proxies and the CA bundle from the environment, once, for ``url``'s origin."""
    if not session.trust_env:
        return {}, None
    proxies = get_environ_proxies(url, no_proxy=session.proxies.get("no_proxy"))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return dict(proxies), bundle


def _send_failure(exc: Exception, *, cut: bool) -> AttemptFailed:
    """Classify what ``HTTPAdapter.send`` raised (``cut``: the timeout was the deadline's)."""
    for types, failure, sent in _SEND_FAILURES:
        if isinstance(exc, types):
            deadline = cut and failure in ("connect_timeout", "timeout")
            return AttemptFailed("deadline" if deadline else failure, sent=sent)
    if isinstance(exc, requests.ConnectionError):
        # urllib3 (retries=0) raises MaxRetryError only for a connection it could not
        # make (its reason: NewConnectionError, refused, DNS); errors after sending come
        # as a bare ProtocolError.
        cause = exc.args[0] if exc.args else None
        reason = getattr(cause, "reason", None)
        if isinstance(cause, urllib3.exceptions.ClosedPoolError) or (
            isinstance(cause, urllib3.exceptions.MaxRetryError)
            and not isinstance(
                reason, urllib3.exceptions.ProtocolError | urllib3.exceptions.ReadTimeoutError
            )
        ):
            return AttemptFailed("connect", sent=False)
    # A reset, a closed connection or a broken head after the request went out (urllib3's
    # ProtocolError, and anything unforeseen): the service may have applied it.
    return AttemptFailed("lost", sent=True)


class _Attempt(threading.local):
    """The current thread's attempt, for the connection that reads its response head."""

    at: float | None = None  # the deadline on time.monotonic, or None
    cut: bool = False  # the watchdog shut the socket down at the deadline


_ATTEMPT = _Attempt()


class _WatchedHTTPConnection(HTTPConnection):
    """An HTTP connection whose response head is read under the deadline's watchdog."""

    def getresponse(self) -> Any:
        """Read the response head as ``HTTPConnection`` does, cut off at the deadline."""
        at, sock = _ATTEMPT.at, self.sock
        if at is None or sock is None:
            return super().getresponse()
        ticket = WATCHDOG.watch(at, sock)
        try:
            return super().getresponse()
        finally:
            ticket.cancel()
            _ATTEMPT.cut = ticket.fired


class _WatchedHTTPSConnection(HTTPSConnection, _WatchedHTTPConnection):
    """The HTTPS one (``getresponse`` from :class:`_WatchedHTTPConnection`)."""


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class ClientAdapter(HTTPAdapter):
    """The adapter a client mounts on a session it creates itself.

    ``requests``' own, except that a response without ``Set-Cookie`` (the service sends
    none) skips the cookie parsing ``build_response`` does for every response: a mock
    request, a mock response and a cookie-policy pass for nothing. A response that sets a
    cookie is built by ``HTTPAdapter.build_response`` itself. Its connections read the
    response head under the deadline's watchdog (see the module docstring).
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Make the pool manager as ``HTTPAdapter`` does, over watched connections."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }

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


class Sender:
    """Sends prepared requests through a session's adapters, reading bounded bodies.

    Args:
        session: The session whose adapters, hooks, proxies, verify, cert and cookies
            are honoured (read on every call, so later changes count).
        base_url: The one origin requests go to (the environment is resolved for it).
        clock: The monotonic clock the deadlines are on.
    """

    def __init__(
        self, session: requests.Session, base_url: str, clock: Callable[[], float]
    ) -> None:
        self.session = session
        self.clock = clock
        # requests re-reads proxies and CA bundles from os.environ on every
        # Session.request(); every call goes to one origin, so resolve them once here.
        self._env_proxies, self._env_bundle = _environment(session, base_url)
        # A CA bundle path costs an os.path.isdir per call in HTTPAdapter, even for http.
        if not base_url.lower().startswith("https://"):
            self._env_bundle = None

    def send(
        self,
        prepared: requests.PreparedRequest,
        timeout: tuple[float, float],
        *,
        max_bytes: int,
        deadline_at: float | None,
    ) -> requests.Response:
        """Send one request and read its whole answer (redirects are not followed).

        Args:
            prepared: The request, headers and auth applied.
            timeout: ``(connect, read)`` seconds for this attempt.
            max_bytes: The most body bytes read before giving up.
            deadline_at: The clock reading at which the call must end, or None.

        Returns:
            The response, its body read (``response.content``).

        Raises:
            AttemptFailed: No whole answer (see the module docstring).
        """
        session = self.session
        proxies = self._env_proxies if session.trust_env else {}
        if session.proxies:
            proxies = {**proxies, **session.proxies}
        verify = session.verify
        if verify is True and session.trust_env and self._env_bundle:
            verify = self._env_bundle
        cut = False
        if deadline_at is not None:
            left = deadline_at - self.clock()
            if left <= 0:
                raise AttemptFailed("deadline", sent=False)
            if left < max(timeout):
                timeout, cut = (min(timeout[0], left), min(timeout[1], left)), True
        settings: dict[str, Any] = {
            "timeout": timeout,
            "proxies": proxies,
            "verify": verify,
            "cert": session.cert,
            "stream": True,
        }
        started = time.perf_counter()
        _ATTEMPT.at = None if deadline_at is None else time.monotonic() + left
        _ATTEMPT.cut = False
        try:
            response = session.get_adapter(prepared.url or "").send(prepared, **settings)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if _ATTEMPT.cut:  # the watchdog ended a head that was still arriving
                raise AttemptFailed("deadline", sent=True) from exc
            raise _send_failure(exc, cut=cut) from exc
        finally:
            _ATTEMPT.at = None
        response.elapsed = timedelta(seconds=time.perf_counter() - started)
        if prepared.hooks.get("response"):
            # Hooks see the settings Session.send would pass (stream=False: the body is
            # read right after them, as Session.send does).
            response = cast(
                "requests.Response",
                dispatch_hook(  # type: ignore[no-untyped-call]  # untyped in requests
                    "response", prepared.hooks, response, **{**settings, "stream": False}
                ),
            )
        if "Set-Cookie" in response.headers:
            extract_cookies_to_jar(  # type: ignore[no-untyped-call]  # untyped in requests
                session.cookies, prepared, response.raw
            )
        self._read(response, timeout[1], max_bytes, deadline_at)
        return response

    def _read(
        self,
        response: requests.Response,
        read_timeout: float,
        max_bytes: int,
        deadline_at: float | None,
    ) -> None:
        status = response.status_code
        already: Any = getattr(response, "_content", False)
        if already is not False:  # a response hook read the body already
            if len(already or b"") > max_bytes:
                raise AttemptFailed("too_large", sent=True, status=status)
            return
        length = response.headers.get("Content-Length")
        if length is not None and _DIGITS.fullmatch(length) and int(length) > max_bytes:
            response.close()
            raise AttemptFailed("too_large", sent=True, status=status)
        if not isinstance(response.raw, urllib3.BaseHTTPResponse):  # requests' own reading
            if len(response.content) > max_bytes:
                raise AttemptFailed("too_large", sent=True, status=status)
            return
        try:
            content = self._pieces(response.raw, status, read_timeout, max_bytes, deadline_at)
        except AttemptFailed:
            response.close()
            raise
        response._content = content
        response._content_consumed = True  # type: ignore[attr-defined]  # set by requests too

    def _pieces(
        self, raw: Any, status: int, read_timeout: float, max_bytes: int, deadline_at: float | None
    ) -> bytes:
        """Read a body piece by piece, each read bounded by the deadline, the total by size."""
        pieces: list[bytes] = []
        total = 0
        cut = False
        try:
            while True:
                if deadline_at is not None:
                    left = deadline_at - self.clock()
                    if left <= 0:
                        raise AttemptFailed("deadline", sent=True, status=status)
                    if left < read_timeout:  # no single read may wait past the deadline
                        sock = getattr(getattr(raw, "_connection", None), "sock", None)
                        if sock is not None:
                            sock.settimeout(left)
                            cut = True
                piece = raw.read1(_PIECE, decode_content=True)
                if not piece:
                    return b"".join(pieces)
                total += len(piece)
                if total > max_bytes:
                    raise AttemptFailed("too_large", sent=True, status=status)
                pieces.append(piece)
        except _TIMEOUT as exc:
            raise AttemptFailed("deadline" if cut else "timeout", sent=True) from exc
        except urllib3.exceptions.DecodeError as exc:
            raise AttemptFailed("malformed", sent=True, status=status) from exc
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            raise AttemptFailed("lost", sent=True) from exc
