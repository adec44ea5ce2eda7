"""A logical call's state, and the policy that retries it (timeout, ``Retry``, tenacity).

``CallPolicy`` is what a ``with_options`` copy may change; its ``tenacity`` controller is
built once per client and is safe to share between threads (tenacity keeps per-call
state thread-local). The retry decision for a failed attempt is made by the pipeline,
which knows the method, status and key, from the one ``Retry`` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import tenacity

from microblog._errors import MicroblogError, RateLimitError
from microblog._hooks import RetryEvent, call_hook
from microblog._logging import logger

if TYPE_CHECKING:
    from collections.abc import Mapping

    from microblog._config import Retry, Timeout
    from microblog._transport import Transport

__all__ = ["Call", "CallPolicy"]


@dataclass(slots=True)
class Call:
    """The state of one logical call across its attempts.

    ``retryable`` and ``retry_after`` are set by the attempt that failed, for the policy.
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
    attempt: int = 0
    retryable: bool = False
    retry_after: float | None = None
    maybe_applied: bool = False

    @property
    def request_id(self) -> str:
        """The ``X-Request-ID`` of the call, the same on every attempt."""
        return self.headers["X-Request-ID"]


class CallPolicy:
    """A timeout and a retry policy, with the ``tenacity`` controller built for them."""

    def __init__(self, transport: Transport, timeout: Timeout, retry: Retry) -> None:
        self.timeout = timeout
        self.retry = retry
        self.requests_timeout = timeout.as_requests()
        self._transport = transport
        self.retrying: tenacity.Retrying | None = None
        if retry.max_retries:
            self.retrying = tenacity.Retrying(
                stop=self._stop,
                wait=self._wait,
                retry=self._should_retry,
                sleep=transport.sleep,
                before_sleep=self._before_sleep,
                reraise=True,
            )

    @staticmethod
    def _should_retry(state: tenacity.RetryCallState) -> bool:
        return bool(state.outcome and state.outcome.failed and state.args[0].retryable)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        call: Call = state.args[0]
        if call.retry_after:  # a Retry-After of 0 still waits the backoff: a floor
            return call.retry_after
        return self.retry.backoff(state.attempt_number, self._transport.random())

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= self.retry.max_attempts:
            return True
        deadline = self.retry.deadline
        if deadline is None:
            return False
        call: Call = state.args[0]
        spent = self._transport.clock() - call.started
        return spent + (state.upcoming_sleep or 0.0) > deadline

    def _before_sleep(self, state: tenacity.RetryCallState) -> None:
        call: Call = state.args[0]
        assert state.outcome is not None
        error = state.outcome.exception()
        assert isinstance(error, MicroblogError)
        delay = state.upcoming_sleep
        path = urlsplit(call.url).path
        logger.info(
            "retrying %s %s in %.2f s (attempt %d of %d failed: %s; request id %s)",
            call.method,
            path,
            delay,
            state.attempt_number,
            self.retry.max_attempts,
            type(error).__name__,
            call.request_id,
        )
        hooks = self._transport.hooks
        event = RetryEvent(call.method, path, state.attempt_number, delay, call.request_id, error)
        call_hook(hooks.on_retry, event)
        if isinstance(error, RateLimitError):
            call_hook(hooks.on_rate_limit_wait, delay)
