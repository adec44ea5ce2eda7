"""What one attempt needs below ``Session.send``: the adapter, the bounded body, the failures.

The one module that imports ``urllib3``. Every attempt goes through
``session.send(prepared, ...)``, requests' public API, so whatever a requests user
plugs in sees it: a mock that patches ``Session.send`` or ``HTTPAdapter.send``
(requests-mock, responses), a recorder that patches urllib3's connection classes
(vcrpy), an adapter mounted on the session (betamax), the OpenTelemetry
instrumentation. What ``Session.send`` would otherwise do on every call that a client
of one origin can do once, it does once: :class:`Environment` resolves proxies and the
CA bundle from the environment when the client is made and passes them in.

Three things requests does not do, done here through its own seams:

- the body is read by a response hook (:class:`BodyReader`), in pieces, stopping past
  ``max_bytes`` and at the call's deadline (``Session.send`` would read any size, for as
  long as the service trickles, before a redirect is even looked at);
- the response head is bounded by the deadline too, on the pools of the
  :class:`ClientAdapter` a client mounts: while a request is made on one of their
  connections, ``microblog._watchdog`` holds it and shuts its socket down at the
  deadline (a read timeout alone lets a head trickled a byte at a time run for ever).
  The pools are urllib3's own classes as they are when the request is made, so a
  recorder that patches them still sees the traffic. A session the user injects with
  adapters of their own keeps the read timeout per read only;
- every failure becomes :class:`AttemptFailed`, with its kind
  (``microblog._outcome.Failure``) and whether the request may have been sent.
"""

from __future__ import annotations

import os
import re
import threading
from typing import TYPE_CHECKING, Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.models import REDIRECT_STATI
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, get_environ_proxies
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from microblog._watchdog import WATCHDOG

if TYPE_CHECKING:
    from collections.abc import Iterator

    from microblog._call import Deadline
    from microblog._outcome import Failure

__all__ = [
    "SEND_ERRORS",
    "AttemptFailed",
    "BodyReader",
    "ClientAdapter",
    "Environment",
    "attempt_failed",
    "restore_location",
    "watched",
]

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
#: What ``Session.send`` raises for a request that got no answer.
SEND_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)
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


def attempt_failed(exc: BaseException, *, cut: bool) -> AttemptFailed:
    """Classify what ``Session.send`` raised (``cut``: the timeout was the deadline's)."""
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


class Environment:
    """Proxies and the CA bundle from the environment, resolved once for one origin.

    ``requests`` re-reads them from ``os.environ`` on every ``Session.send`` that is not
    given them, which is most of what it adds to an adapter's send; a client talks to one
    origin, so it resolves them when it is made. The session's own ``proxies``,
    ``verify`` and ``cert`` are read per call and win.
    """

    def __init__(self, session: requests.Session, base_url: str) -> None:
        self.proxies: dict[str, str] = {}
        self.bundle: str | None = None
        if session.trust_env:
            found = get_environ_proxies(base_url, no_proxy=session.proxies.get("no_proxy"))
            self.proxies = dict(found)
            # A CA bundle path costs an os.path.isdir per call in HTTPAdapter, even for http.
            if base_url.lower().startswith("https://"):
                self.bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get(
                    "CURL_CA_BUNDLE"
                )

    def settings(self, session: requests.Session) -> dict[str, Any]:
        """``Session.send``'s ``proxies``, ``verify`` and ``cert`` for the next request."""
        proxies = self.proxies if session.trust_env else {}
        if session.proxies:
            proxies = {**proxies, **session.proxies}
        verify = session.verify
        if verify is True and session.trust_env and self.bundle:
            verify = self.bundle
        return {"proxies": proxies, "verify": verify, "cert": session.cert}


class _Attempt(threading.local):
    """The current thread's attempt, for the pool that makes its request."""

    at: float | None = None  # the deadline on time.monotonic, or None
    cut: bool = False  # the watchdog shut the socket down at the deadline


_ATTEMPT = _Attempt()


class watched:  # noqa: N801  (a context manager, named as one)
    """Watch the requests this thread sends until ``monotonic_at`` (None: unbounded).

    ``cut`` says afterwards whether the watchdog shut the attempt's socket down.
    """

    __slots__ = ("at",)

    def __init__(self, monotonic_at: float | None) -> None:
        self.at = monotonic_at

    def __enter__(self) -> watched:
        _ATTEMPT.at, _ATTEMPT.cut = self.at, False
        return self

    def __exit__(self, *exc: object) -> None:
        _ATTEMPT.at = None

    @property
    def cut(self) -> bool:
        """Whether the watchdog shut the attempt's socket down at the deadline."""
        return _ATTEMPT.cut


def _watched_request(make: Any, conn: Any, *args: Any, **kwargs: Any) -> Any:
    """Make a request on ``conn`` (``make``: the pool's own), watched until the deadline."""
    at = _ATTEMPT.at
    if at is None:
        return make(conn, *args, **kwargs)
    ticket = WATCHDOG.watch(at, conn)
    try:
        return make(conn, *args, **kwargs)
    finally:
        ticket.cancel()
        _ATTEMPT.cut = _ATTEMPT.cut or ticket.fired


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    """urllib3's pool; a request made on it is cut off at the thread's deadline."""

    def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
        return _watched_request(super()._make_request, conn, *args, **kwargs)


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    """The HTTPS one."""

    def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
        return _watched_request(super()._make_request, conn, *args, **kwargs)


class ClientAdapter(HTTPAdapter):
    """The adapter a client mounts on a session it creates itself.

    ``requests``' own ``HTTPAdapter``, with two differences. Its pools cut a request off
    at the call's deadline (see the module docstring); they subclass urllib3's pools
    only to watch ``_make_request``, and take their connection classes from them when a
    connection is made. And a response without ``Set-Cookie`` (the service sends none)
    skips the cookie parsing ``build_response`` does for every response: a mock
    request, a mock response and a cookie-policy pass for nothing. A response that sets
    a cookie is built by ``HTTPAdapter.build_response`` itself.
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Make the pool manager as ``HTTPAdapter`` does, over watched pools."""
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


_HELD = "_microblog_location"


def restore_location(response: requests.Response) -> None:
    """Put back the ``Location`` a :class:`BodyReader` held back."""
    held = response.__dict__.pop(_HELD, None)
    if held is not None:
        response.headers["Location"] = held


class BodyReader:
    """A response hook that reads the whole body, bounded in size and by the deadline.

    Registered last on each prepared request, so ``Session.send`` hands it the response
    before anything else reads the body (a redirect's too). A hook of the user's that
    read the body already is checked against the bound instead.

    A redirect's ``Location`` is held back until ``Session.send`` returns
    (:func:`restore_location`): left in place, ``Session.send`` would work out the next
    request itself (the pipeline decides redirects), and a hostile ``Location`` would
    make it raise ``ValueError`` or ``UnicodeDecodeError``.

    Args:
        max_bytes: The most body bytes read before giving up.
        deadline: The call's deadline.
    """

    __slots__ = ("deadline", "max_bytes")

    def __init__(self, max_bytes: int, deadline: Deadline) -> None:
        self.max_bytes = max_bytes
        self.deadline = deadline

    def __call__(self, response: requests.Response, **settings: Any) -> None:
        """Read ``response``'s body into ``response.content``.

        Raises:
            AttemptFailed: The body passed ``max_bytes`` or the deadline, or broke off.
        """
        status = response.status_code
        if status in REDIRECT_STATI and "Location" in response.headers:
            response.__dict__[_HELD] = response.headers.pop("Location")
        max_bytes = self.max_bytes
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
        timeout = settings.get("timeout")
        read_timeout = timeout[1] if isinstance(timeout, tuple) else 30.0
        try:
            content = b"".join(self._pieces(response.raw, status, read_timeout))
        except AttemptFailed:
            response.close()
            raise
        response._content = content
        response._content_consumed = True  # type: ignore[attr-defined]  # set by requests too

    def _pieces(self, raw: Any, status: int, read_timeout: float) -> Iterator[bytes]:
        """Read a body piece by piece, each read bounded by the deadline, the total by size."""
        total = 0
        cut = False
        try:
            while True:
                left = self.deadline.left()
                if left <= 0:
                    raise AttemptFailed("deadline", sent=True, status=status)
                if left < read_timeout:  # no single read may wait past the deadline
                    sock = getattr(getattr(raw, "_connection", None), "sock", None)
                    if sock is not None:
                        sock.settimeout(left)
                        cut = True
                piece = raw.read1(_PIECE, decode_content=True)
                if not piece:
                    return
                total += len(piece)
                if total > self.max_bytes:
                    raise AttemptFailed("too_large", sent=True, status=status)
                yield piece
        except _TIMEOUT as exc:
            raise AttemptFailed("deadline" if cut else "timeout", sent=True) from exc
        except urllib3.exceptions.DecodeError as exc:
            raise AttemptFailed("malformed", sent=True, status=status) from exc
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            raise AttemptFailed("lost", sent=True) from exc
