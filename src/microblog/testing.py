"""Test helpers: run the reference service in-process for your own tests.

:class:`LocalServer` serves the microblog API on ``127.0.0.1`` and a free port from a
background thread, over a throw-away SQLite database in a temporary directory. It needs
the ``server`` extra (``pip install '.[server]'`` in a clone of the repository), imported
only when a server starts, so ``import microblog`` never does.

Example::

    from microblog import Client
    from microblog.testing import LocalServer

    def test_posting() -> None:
        with LocalServer() as server:
            username, password = server.create_user("dana")
            with Client(server.url, token=server.token_for(username, password)) as client:
                ...

A server starts in a fraction of a second, hashes passwords with cheap Argon2 parameters
and, unless told otherwise, does not rate-limit, so tests stay fast. Use one server per
test for isolation, or one per module (a pytest fixture) for speed.
"""

from __future__ import annotations

import http
import json
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any, NamedTuple

from microblog._faults import HELPER_HEADER, Drop, Fault, FaultMiddleware, FaultPlan

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    import uvicorn

__all__ = ["DEFAULT_PASSWORD", "Credentials", "Drop", "Fault", "LocalServer", "LocalServerError"]

#: The password :meth:`LocalServer.create_user` gives when none is passed.
DEFAULT_PASSWORD = "correct-horse-battery"  # noqa: S105 - a documented test password


class Credentials(NamedTuple):
    """A user's ``(username, password)``, as :meth:`LocalServer.create_user` returns them.

    A tuple (``username, password = server.create_user("dana")`` unpacks it) whose
    ``repr`` hides the password, so a REPL or a test report does not echo it.

    Attributes:
        username: The username.
        password: The password (shown as ``'***'`` in the ``repr``).
    """

    username: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='***')"


class LocalServerError(RuntimeError):
    """The local server did not start, or refused a helper's request.

    Also raised by :meth:`LocalServer.start` without the ``server`` extra, saying so.
    """


class LocalServer:
    """The reference service on ``127.0.0.1``, a free port and a temporary database.

    Use it as a context manager, or call :meth:`start` and :meth:`stop` (both are
    idempotent and safe to call from any thread).

    Args:
        rate_limit: Per-user quota, ``"N/S"`` (N requests per S seconds) or ``"off"``.
        rate_limit_anonymous: Per-address quota without a token, ``"N/S"`` or ``"off"``.
        rate_limit_login: Per-address quota at ``POST /api/v1/token``.
        token_ttl: Access token lifetime in seconds.
        max_body_bytes: Largest request body accepted.
        startup_timeout: Seconds to wait for the server to accept connections.
        **settings: Any other :class:`microblog_server.settings.Settings` field.
    """

    def __init__(
        self,
        *,
        rate_limit: str = "off",
        rate_limit_anonymous: str = "off",
        rate_limit_login: str = "off",
        token_ttl: int = 3600,
        max_body_bytes: int = 65536,
        startup_timeout: float = 10.0,
        **settings: Any,
    ) -> None:
        self._settings: dict[str, Any] = {
            "rate_limit": rate_limit,
            "rate_limit_anonymous": rate_limit_anonymous,
            "rate_limit_login": rate_limit_login,
            "token_ttl": token_ttl,
            "max_body_bytes": max_body_bytes,
            **settings,
        }
        self._startup_timeout = startup_timeout
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._directory: tempfile.TemporaryDirectory[str] | None = None
        self._url: str | None = None
        self._faults = FaultPlan()

    def __repr__(self) -> str:
        return f"<LocalServer {self._url or 'stopped'}>"

    @property
    def url(self) -> str:
        """The base URL of the running server, such as ``http://127.0.0.1:54321``.

        Raises:
            LocalServerError: The server is not running.
        """
        if self._url is None:
            raise LocalServerError("the server is not running; call start() first")
        return self._url

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._url is not None

    def start(self) -> LocalServer:
        """Create the database, start serving and wait until connections are accepted.

        Returns:
            The server itself.

        Raises:
            LocalServerError: The server did not come up within ``startup_timeout``.
        """
        with self._lock:
            if self._url is not None:
                return self
            try:
                import uvicorn  # noqa: PLC0415 - the server extra is needed only from here on

                from microblog_server.api.asgi import header  # noqa: PLC0415
                from microblog_server.api.request_id import request_id_for  # noqa: PLC0415
                from microblog_server.bootstrap import create_app  # noqa: PLC0415
                from microblog_server.settings import Settings  # noqa: PLC0415
            except ModuleNotFoundError as error:
                raise LocalServerError(
                    "LocalServer needs the server extra: in a clone of the repository,"
                    " pip install '.[server]' (once microblog is released:"
                    f" pip install 'microblog[server]'); missing: {error.name}"
                ) from None

            directory = tempfile.TemporaryDirectory(prefix="microblog-test-")
            settings = Settings.for_tests(
                database_url=f"sqlite:///{directory.name}/microblog.db", **self._settings
            )
            app = create_app(settings)
            # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they
            # are TCP, and without it each two-part response waits ~40 ms for a delayed ACK.
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            faulty = FaultMiddleware(
                app,
                self._faults,
                problem=_problem,
                close=lambda scope: _close(server, scope),
                request_id=request_id_for,
                header=header,
            )
            config = uvicorn.Config(faulty, log_level="warning", access_log=False, lifespan="on")
            server = uvicorn.Server(config)
            thread = threading.Thread(
                target=server.run,
                kwargs={"sockets": [sock]},
                name=f"microblog-local-server-{port}",
                daemon=True,
            )
            self._server, self._thread, self._socket = server, thread, sock
            self._directory = directory
            thread.start()
            deadline = time.monotonic() + self._startup_timeout
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    self._shutdown()
                    raise LocalServerError("the local server did not start")
                time.sleep(0.005)
            self._url = f"http://127.0.0.1:{port}"
            return self

    def stop(self) -> None:
        """Stop serving and delete the database (does nothing when not running)."""
        with self._lock:
            self._shutdown()

    def _shutdown(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        if self._directory is not None:
            self._directory.cleanup()
        self._server = self._thread = self._socket = self._directory = None
        self._url = None
        self._faults.clear()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def inject(
        self,
        status: int | None = None,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        headers: Mapping[str, str] | None = None,
        drop: Drop | None = None,
    ) -> Fault:
        """Break the next matching requests on purpose, to test how a client copes.

        Give either ``status`` (the requests are answered with it, a problem details body
        in the service's own format and ``headers``; the service never sees them) or
        ``drop``:

        - ``drop="after"``: the service handles the request (a create is stored, and its
          answer kept under its ``Idempotency-Key``), then the connection closes before
          a byte of the answer is sent: the client sees a lost connection;
        - ``drop="before"``: the connection closes as soon as the request arrives; the
          service never sees it.

        Faults apply in the order they were injected: a request meets the first live
        fault that matches it, which then counts one hit. A fault added before
        :meth:`start` applies once the server runs; :meth:`stop` forgets them all. The
        server's own helpers (:meth:`create_user`, :meth:`token_for`) are never faulted.

        Args:
            status: The status to answer, 400 to 599 (e.g. 503, or 429 with
                ``headers={"Retry-After": "2"}``).
            times: How many matching requests to break; None: every one until
                :meth:`Fault.cancel` or :meth:`clear_faults`.
            method: Only requests with this method (any case), e.g. ``"POST"``.
            path: Only requests whose URL path starts with this, e.g.
                ``"/api/v1/microposts"`` (query strings are not matched).
            headers: Response headers to send with ``status`` (they replace the
                defaults of the same name, ``Content-Type`` and ``X-Request-ID``).
            drop: ``"before"`` or ``"after"`` the service handles the request.

        Returns:
            The fault; its :attr:`~Fault.hits` say how often it fired.

        Raises:
            ValueError: Both or neither of ``status`` and ``drop``, a status outside
                400-599, ``times`` below 1, a path not starting with ``/``, headers
                with ``drop``, or a header that cannot be sent (not a token name, a
                value with a line break or outside Latin-1, or the framing headers
                ``Content-Length``, ``Transfer-Encoding``, ``Connection``).
            TypeError: ``times`` is not an int or None.
        """
        fault = Fault(status, times=times, method=method, path=path, headers=headers, drop=drop)
        return self._faults.add(fault)

    def clear_faults(self) -> None:
        """Forget every injected fault that has not fired yet (e.g. in a fixture's teardown)."""
        self._faults.clear()

    def create_user(
        self, username: str, password: str = DEFAULT_PASSWORD, *, display_name: str | None = None
    ) -> Credentials:
        """Sign up a user.

        Args:
            username: 3-30 characters of ``[A-Za-z0-9_]``.
            password: 8-128 characters.
            display_name: Defaults to the username.

        Returns:
            ``(username, password)`` as :class:`Credentials` (its ``repr`` hides the
            password), ready for :meth:`token_for` or an SDK login.

        Raises:
            LocalServerError: The service refused the sign-up (e.g. the name is taken).
        """
        body: dict[str, Any] = {"username": username, "password": password}
        if display_name is not None:
            body["display_name"] = display_name
        self._request("/api/v1/users", json.dumps(body).encode(), "application/json")
        return Credentials(username, password)

    def token_for(self, username: str, password: str = DEFAULT_PASSWORD) -> str:
        """Log in and return a bearer access token.

        Raises:
            LocalServerError: Wrong username or password.
        """
        form = urllib.parse.urlencode(
            {"grant_type": "password", "username": username, "password": password}
        ).encode()
        answer = self._request("/api/v1/token", form, "application/x-www-form-urlencoded")
        token: str = answer["access_token"]
        return token

    def _request(self, path: str, data: bytes, content_type: str) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - always our own http://127.0.0.1 URL
            self.url + path,
            data=data,
            method="POST",
            headers={"Content-Type": content_type, HELPER_HEADER.decode(): "1"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as error:
            with error:
                detail = json.loads(error.read() or b"{}").get("detail", "")
            raise LocalServerError(f"POST {path} failed: {error.code} {detail}") from None


def _problem(status: int, request_id: str) -> dict[str, Any]:
    """A problem details object for an injected status, as the service itself writes them."""
    # The service's own status -> code table, so an injected 404 reads like a real one.
    from microblog_server.api.handlers import _HTTP_CODES  # noqa: PLC0415 - server extra
    from microblog_server.api.problems import problem_body  # noqa: PLC0415

    codes = {**_HTTP_CODES, 500: "internal_error"}
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:  # a status Python has no name for, such as 599
        phrase = "Error"
    code = codes.get(status) or phrase.lower().replace(" ", "_").replace("-", "_")
    body = problem_body(status, code, "injected by LocalServer.inject", request_id)
    if status not in codes:
        body["title"] = phrase
    return body


def _close(server: uvicorn.Server, scope: Mapping[str, Any]) -> None:
    """Close the connection that carries the request ``scope`` (on the server's loop).

    uvicorn keeps its open connections in ``server_state.connections``; each one's
    current request cycle holds the very scope dict the app was called with.
    """
    for connection in list(server.server_state.connections):
        cycle = getattr(connection, "cycle", None)
        if cycle is not None and cycle.scope is scope:
            connection.transport.close()
            return
    raise LocalServerError("cannot find the connection to drop")  # a uvicorn change
