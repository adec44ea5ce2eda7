"""Checking what a :class:`~microblog.Client` is built with, before anything is sent.

The base URL (http(s), no credentials in it, ``/api/v1`` cut), a token (fit for an
``Authorization`` header, never quoted), byte bounds, the middleware list, the
OpenTelemetry providers and ``$MICROBLOG_MAX_RETRIES``: each refused with a message
that says what to pass instead.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from microblog._otel import Telemetry
from microblog._otel import available as otel_available
from microblog._resources._paths import API

if TYPE_CHECKING:
    from collections.abc import Sequence

    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from microblog._middleware import Middleware

# What a bearer token may be in a header: visible ASCII, at least one character.
TOKEN_TEXT = re.compile(r"[!-~]+")


def service_root(base_url: str) -> str:
    """The service's root URL: a base URL ending in ``/api/v1`` (a common guess) is cut there.

    Every path the SDK sends starts with ``/api/v1``, so ``https://host/api/v1`` and
    ``https://host`` name the same service; a path before it (``https://host/blog``)
    is kept.
    """
    root = base_url.rstrip("/")
    if root.endswith(API):
        root = root.removesuffix(API)
    return root


def check_base_url(base_url: str) -> str:
    """Refuse a base URL that is not http(s) or that carries credentials (``user:pw@host``).

    Credentials in the URL are refused rather than sent as HTTP basic auth (what
    ``requests`` would do): the service authenticates with bearer tokens, so basic auth
    would only carry the password to every request, proxy and log line on the way. The
    message never quotes the URL, which holds the secret.
    """
    if not base_url.startswith(("http://", "https://")):
        raise ValueError("the base URL must start with http:// or https://")
    try:
        userinfo = "@" in urlsplit(base_url).netloc
    except ValueError:  # a broken IPv6 literal: look at the authority's text itself
        userinfo = "@" in base_url.partition("://")[2].partition("/")[0]
    if userinfo:
        raise ValueError(
            "the base URL carries credentials (user:password@host), which are never sent;"
            " remove them and pass username= and password= (or token=) instead"
        )
    return service_root(base_url)


def check_token(token: str | None, source: str) -> str | None:
    """Refuse a token that cannot go into an ``Authorization`` header, without quoting it.

    Args:
        token: The token, or None (no token).
        source: Where it came from, for the message (``token=`` or ``$MICROBLOG_TOKEN``).
    """
    if token is not None and not isinstance(token, str):
        raise TypeError(f"{source} must be a string (a bearer token) or None")
    if token and not TOKEN_TEXT.fullmatch(token):
        raise ValueError(
            f"the token from {source} contains whitespace or a control character (a"
            " trailing newline from a file?); pass it with .strip(), e.g."
            " token=open(path).read().strip()"
        )
    return token


def check_bytes(name: str, value: int) -> None:
    """Refuse a byte bound that is not an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int (bytes)")
    if value < 1:
        raise ValueError(f"{name} must be >= 1")


def check_middleware(middleware: Sequence[Middleware]) -> tuple[Middleware, ...]:
    """Check and freeze a middleware list (a copy: later changes to the list do not count)."""
    if callable(middleware):
        raise TypeError("middleware must be a list of callables, e.g. middleware=[mw]")
    chain = tuple(middleware)
    for mw in chain:
        if not callable(mw):
            raise TypeError(f"middleware must be callables; got {mw!r:.80}")
    return chain


def telemetry_of(
    tracer_provider: TracerProvider | None, meter_provider: MeterProvider | None
) -> Telemetry | None:
    """The client's OpenTelemetry instruments, or None without ``opentelemetry-api``."""
    if otel_available():
        return Telemetry(tracer_provider, meter_provider)
    if tracer_provider is not None or meter_provider is not None:
        raise ImportError(
            "tracer_provider= and meter_provider= need OpenTelemetry's API:"
            " pip install 'microblog[otel]'"
        )
    return None


def max_retries_from_environment() -> int | None:
    """``$MICROBLOG_MAX_RETRIES`` as a count, or None when it is not set."""
    text = os.environ.get("MICROBLOG_MAX_RETRIES", "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ValueError(
            f"MICROBLOG_MAX_RETRIES must be a count of retries (0 or more), not {text!r}"
        )
    return int(text)
