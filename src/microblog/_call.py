"""A logical call's state, the policy it runs under, and the loop that retries it.

The loop knows nothing of HTTP: an attempt returns a response or a :class:`Failed`
(its frozen ``Outcome`` and the error to raise), and ``Retry.decide`` says whether to
raise it or wait and try again. The retry rule itself lives in ``Retry`` alone.

We run our own ten-line loop instead of ``tenacity``'s: its ``retry``/``stop``/``wait``
callbacks split one decision in three and needed per-call flags to talk to each other,
which is what ``Retry.decide`` replaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from microblog._errors import MicroblogError, RateLimitError
from microblog._hooks import Hooks, RetryEvent, call_hook
from microblog._logging import logger

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from microblog._config import Retry, Timeout
    from microblog._middleware import Middleware
    from microblog._otel import Telemetry
    from microblog._outcome import Outcome

__all__ = ["Call", "CallPolicy", "Failed", "Retrier"]

R = TypeVar("R")


@dataclass(slots=True)
class Call:
    """The state of one logical call across its attempts.

    ``maybe_applied`` records that an earlier attempt may have been carried out by the
    service although its answer never arrived (lost, timed out, or a 5xx).
    """

    method: str
    url: str
    params: Mapping[str, str | int] | None
    json: Any
    data: Mapping[str, str] | None
    headers: dict[str, str]
    authenticate: bool
    relogin: bool
    started: float
    policy: CallPolicy
    deadline_at: float | None = None
    template: str | None = None
    attempt: int = 0
    maybe_applied: bool = False
    sends: int = 0
    telemetry: Telemetry | None = None  # set while a recording provider is configured

    @property
    def request_id(self) -> str:
        """The ``X-Request-ID`` of the call, the same on every attempt."""
        return self.headers["X-Request-ID"]

    @property
    def keyed(self) -> bool:
        """Whether the call carries an ``Idempotency-Key`` (every POST does)."""
        return "Idempotency-Key" in self.headers


@dataclass(frozen=True, slots=True)
class Failed:
    """An attempt that did not succeed: what it came to, and the error to raise for it."""

    outcome: Outcome
    error: MicroblogError


class CallPolicy:
    """Timeouts, a retry policy and middleware: what a ``with_options`` copy may change."""

    __slots__ = ("middleware", "requests_timeout", "retry", "timeout")

    def __init__(
        self, timeout: Timeout, retry: Retry, middleware: tuple[Middleware, ...] = ()
    ) -> None:
        self.timeout = timeout
        self.retry = retry
        self.requests_timeout = timeout.as_requests()
        self.middleware = middleware


class Retrier:
    """Runs a call's attempts under a ``Retry``, waiting with the injected clock and sleep."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        rand: Callable[[], float],
        hooks: Hooks,
        wait_on_rate_limit: bool,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.random = rand
        self.hooks = hooks
        self.wait_on_rate_limit = wait_on_rate_limit

    def run(self, call: Call, attempt: Callable[[Call], R | Failed]) -> R:
        """Attempt ``call`` until it succeeds or its policy's ``Retry.decide`` says raise.

        Args:
            call: The logical call; its ``policy.retry`` decides.
            attempt: Makes one attempt: the response, or a ``Failed``.

        Returns:
            The first successful attempt's response.

        Raises:
            MicroblogError: The error of the attempt after which ``decide`` said raise.
        """
        retry = call.policy.retry
        while True:
            call.attempt += 1
            result = attempt(call)
            if not isinstance(result, Failed):
                return result
            wait = retry.decide(
                call.method,
                result.outcome,
                keyed=call.keyed,
                attempt=call.attempt,
                elapsed=self.clock() - call.started,
                random_fraction=self.random() if retry.jitter else 0.0,
                wait_on_rate_limit=self.wait_on_rate_limit,
            )
            if wait is None:
                raise result.error
            self._announce(call, result, retry, wait)
            self.sleep(wait)

    def _announce(self, call: Call, result: Failed, retry: Retry, delay: float) -> None:
        path = urlsplit(call.url).path
        error = result.error
        logger.info(
            "retrying %s %s in %.2f s (attempt %d of %d failed: %s; request id %s)",
            call.method,
            path,
            delay,
            call.attempt,
            retry.max_attempts,
            type(error).__name__,
            call.request_id,
            extra={
                "method": call.method,
                "url_template": call.template,
                "status": result.outcome.status,
                "failure": result.outcome.failure,
                "elapsed_ms": (self.clock() - call.started) * 1000,
                "attempt": call.attempt,
                "request_id": call.request_id,
                "delay_s": delay,
            },
        )
        event = RetryEvent(call.method, path, call.attempt, delay, call.request_id, error)
        call_hook(self.hooks.on_retry, event)
        if call.telemetry is not None:
            call.telemetry.retried(call, delay, error)
        if isinstance(error, RateLimitError):
            call_hook(self.hooks.on_rate_limit_wait, delay)
            if call.telemetry is not None:
                call.telemetry.rate_limit_wait(delay)
