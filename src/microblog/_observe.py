"""What happens in a call, told once, to one per-call observer.

The pipeline (``_transport.py``) tells its :class:`Observer` each thing that happens: a
request sent and what came of it, a retry about to wait, a rate-limit wait, a 304 that
revalidated the cache. The observer turns each into what the application listens to: a
log record (``logging.getLogger("microblog")``) and the hooks it registered
(``microblog.Hooks``). Telemetry subscribes by extending it (``_otel.TracedObserver``);
a client whose tracer and meter providers record nothing gets this one, which costs a
``logger.isEnabledFor`` per request when nobody listens.

Paths in log records never carry query values: ``/api/v1/search?text=REDACTED`` names
the parameters (the search text and cursors are the user's data), as the spans do.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from microblog._errors import RateLimitError
from microblog._hooks import RetryEvent, call_hook
from microblog._logging import logger

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    import requests

    from microblog._errors import MicroblogError
    from microblog._hooks import Hooks
    from microblog._outcome import Outcome

__all__ = ["Call", "Observer", "Watching", "redacted"]


class Call(Protocol):
    """What an observer reads of a logical call (``microblog._call.Call``)."""

    method: str
    url: str
    template: str | None
    attempt: int
    sends: int

    @property
    def request_id(self) -> str:
        """The call's ``X-Request-ID``."""


def redacted(url: str) -> str:
    """The path of ``url`` and its query's parameter names, every value ``REDACTED``."""
    parts = urlsplit(url)
    if not parts.query:
        return parts.path
    names = "&".join(f"{key}=REDACTED" for key, _ in parse_qsl(parts.query, keep_blank_values=True))
    return f"{parts.path}?{names}"


class Watching:
    """An observer's view of one request while it is sent; this one records nothing."""

    __slots__ = ()

    def __enter__(self) -> Watching:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def answered(self, status: int) -> None:
        """The request got an answer with this status."""


_UNWATCHED = Watching()


class _Quiet:
    """The context of a call nobody traces."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_QUIET = _Quiet()


class Observer:
    """Tells the log and the application's hooks what happens in a call.

    Args:
        hooks: The application's callbacks.
    """

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks

    def operation(self, call: Call) -> AbstractContextManager[Any]:
        """The context the whole call runs in (a trace's operation span)."""
        return _QUIET

    def sending(self, call: Call, prepared: requests.PreparedRequest) -> Watching:
        """The context one request is sent in (a trace's CLIENT span)."""
        return _UNWATCHED

    def sent(
        self,
        call: Call,
        prepared: requests.PreparedRequest,
        outcome: int | str,
        started: float,
    ) -> None:
        """A request got an answer (its status) or failed (its failure kind): DEBUG line."""
        if not logger.isEnabledFor(logging.DEBUG):
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        failed = isinstance(outcome, str)
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d, request id %s)",
            call.method,
            redacted(prepared.url or ""),
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

    def retrying(
        self,
        call: Call,
        outcome: Outcome,
        error: MicroblogError,
        delay: float,
        *,
        elapsed: float,
        attempts: int | None,
    ) -> None:
        """An attempt failed and the call waits ``delay`` s: INFO line, hooks.

        ``attempts`` is how many the policy allows, when it says (a tenacity stop may not).
        """
        path = redacted(call.url)
        logger.info(
            "retrying %s %s in %.2f s (attempt %d%s failed: %s; request id %s)",
            call.method,
            path,
            delay,
            call.attempt,
            "" if attempts is None else f" of {attempts}",
            type(error).__name__,
            call.request_id,
            extra={
                "method": call.method,
                "url_template": call.template,
                "status": outcome.status,
                "failure": outcome.failure,
                "elapsed_ms": elapsed * 1000,
                "attempt": call.attempt,
                "request_id": call.request_id,
                "delay_s": delay,
            },
        )
        event = RetryEvent(call.method, path, call.attempt, delay, call.request_id, error)
        call_hook(self.hooks.on_retry, event)
        if isinstance(error, RateLimitError):
            self.rate_limit_wait(call, delay)

    def rate_limit_wait(self, call: Call, delay: float) -> None:
        """The call waits ``delay`` s for a rate limit (its own, or the service's)."""
        call_hook(self.hooks.on_rate_limit_wait, delay)

    def revalidated(self, call: Call) -> None:
        """A 304 said the cached response is still fresh."""
