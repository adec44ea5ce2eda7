"""microblog: the Python SDK for the microblog REST API.

Everything public is here, under one name (``microblog.X``); the modules behind it are
private. The map of the package:

The client
    :class:`Client` (``microblog.Client(base_url, username=..., password=...)`` or
    ``token=...``) holds the configuration, one pooled ``requests.Session``, the login
    and two managers: ``client.users`` (:class:`UserManager`: ``get``, ``create``,
    ``list``, ``me``) and ``client.microposts`` (:class:`MicropostManager`: ``create``,
    ``create_many``, ``get``, ``list``, ``search``, ``timeline``). Also ``client.me()``,
    ``client.timeline()``, ``client.with_options(...)``, ``client.logout()``,
    ``client.close()`` (or ``with microblog.Client(...) as client:``).

Resources
    :class:`User` and :class:`Micropost`, typed dataclasses with ``save()``,
    ``refresh()``, ``delete()``, ``changes()``, ``etag`` and ``to_dict()``; listings
    are lazy :class:`Pager` objects (iterate them, or walk their :class:`Page` objects
    with ``.pages()``).

Errors (all under :class:`MicroblogError`)
    ``APIConnectionError`` (no answer; ``APITimeoutError`` for timeouts), ``APIError``
    (an error status: ``BadRequestError`` 400, ``AuthenticationError`` 401,
    ``PermissionDeniedError`` 403, ``NotFoundError`` 404, ``ConflictError`` 409,
    ``PreconditionFailedError`` 412, ``ValidationError`` 422, ``RateLimitError`` 429,
    ``ServerError`` 5xx), ``ResponseDecodeError`` (a 2xx body that breaks the
    contract), ``PaginationError`` (a ``next`` link that would loop), ``ClientClosedError``
    (a call on a closed client), ``CircuitOpenError`` (an ``APIConnectionError``: the
    client's :class:`CircuitBreaker` refused the call without a request).

Configuration values
    :class:`Timeout` (per attempt), :class:`Retry` (the retry policy), :class:`RateLimit`
    (client-side pacing), :class:`Hooks` (callbacks on retries, rate-limit waits and new
    tokens, with :class:`RetryEvent`), :class:`Quota` (``client.quota``: the service's
    last rate-limit announcement), :class:`CircuitBreaker` (``circuit_breaker=``: fail
    fast while the service keeps giving no answer), and :class:`Request` and
    :class:`RawResponse` (what a ``Client(middleware=[...])`` callable sees around each
    request sent).

Testing
    ``microblog.testing.LocalServer``: the reference service on ``127.0.0.1`` and a free
    port, with a throw-away database (needs the ``server`` extra); ``server.inject(...)``
    makes its next requests fail the way a real network or service does.

Start with ``help(microblog.Client)``; the guides are in the documentation (``docs/``).
"""

import inspect
import typing

from microblog._breaker import CircuitBreaker
from microblog._client import Client
from microblog._config import Retry, Timeout
from microblog._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
    ClientClosedError,
    ConflictError,
    MicroblogError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ServerError,
    ValidationError,
)
from microblog._hooks import Hooks, RetryEvent
from microblog._middleware import CallNext, Middleware, RawResponse, Request
from microblog._pagination import Page, Pager
from microblog._ratelimit import Quota, RateLimit
from microblog._resources import Micropost, MicropostManager, User, UserManager
from microblog._version import __version__

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CallNext",
    "CircuitBreaker",
    "CircuitOpenError",
    "Client",
    "ClientClosedError",
    "ConflictError",
    "Hooks",
    "MicroblogError",
    "Micropost",
    "MicropostManager",
    "Middleware",
    "NotFoundError",
    "Page",
    "Pager",
    "PaginationError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "Quota",
    "RateLimit",
    "RateLimitError",
    "RawResponse",
    "Request",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "Retry",
    "RetryEvent",
    "ServerError",
    "Timeout",
    "User",
    "UserManager",
    "ValidationError",
    "__version__",
]


def _publish(cls: type) -> None:
    """Give a public class ``__module__ = "microblog"`` (as httpx does for its own).

    Tracebacks, reprs, ``help()`` and pickles then name ``microblog.NotFoundError``,
    not ``microblog._errors.NotFoundError``. Its own annotations are resolved first, in
    the module that defines it, so ``typing.get_type_hints`` keeps working once
    ``__module__`` no longer names that module.
    """
    own = inspect.get_annotations(cls)
    if own:
        try:
            hints = typing.get_type_hints(cls)
        except NameError:  # an annotation names a typing-only import: leave them as text
            hints = {}
        cls.__annotations__ = {name: hints.get(name, value) for name, value in own.items()}
    cls.__module__ = __name__


for _public in [globals()[name] for name in __all__]:
    if isinstance(_public, type):
        _publish(_public)
del _public


def __dir__() -> list[str]:
    """The public names only (PEP 562): what ``dir(microblog)`` and tab completion show."""
    return sorted(__all__)
