"""``CircuitBreaker``: stop calling a service that keeps giving no useful answer.

It counts *logical calls*, not attempts: a call counts once, when it has ended, after
the retries its ``Retry`` policy allowed. So one call that needed three attempts against
a flapping service is one failure, and the breaker opens only when retrying itself kept
failing, ``failure_threshold`` calls in a row. A call fails, for the breaker, when it
ends in ``APIConnectionError`` (refused, reset, lost, timed out) or ``ServerError``
(5xx); any other answer, a 4xx included, shows the service is there and resets the
count. A call that raises before any request (a bad argument, the client's own pacing
past the deadline, a middleware's own exception) counts neither way.

States: *closed* (calls go through), *open* (calls raise ``CircuitOpenError`` at once
until ``recovery_time`` seconds after it opened), *half-open* (one trial call goes
through; the other calls are refused while it runs; its success closes the circuit,
its failure opens it for another ``recovery_time``). Time is the calling client's
injected ``clock``, so tests drive it without sleeping.

Why our own: ``pybreaker`` times the open state with ``datetime.now(UTC)`` (a wall clock
we cannot inject, and one that jumps), lets every call through while half-open rather
than one trial, and wraps a callable, raising its own ``CircuitBreakerError`` rather than
an ``APIConnectionError``; ``purgatory`` is asyncio-first with the same wall-clock
timing. What is needed is forty lines under one lock.
"""

from __future__ import annotations

import math
import threading
from typing import Literal

from microblog._errors import APIConnectionError, APIError, CircuitOpenError, ResponseDecodeError

__all__ = ["CircuitBreaker", "State"]

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Refuse calls at once after ``failure_threshold`` consecutive calls got no useful answer.

    Give one to a client (``Client(circuit_breaker=microblog.CircuitBreaker())``); its
    ``with_options`` copies share it, and so may other clients of the same service.
    Thread-safe.

    Args:
        failure_threshold: Consecutive failed calls (connection errors, timeouts, 5xx,
            each after its retries) that open the circuit; 4xx never count.
        recovery_time: Seconds the circuit stays open before one trial call is let
            through.

    Raises:
        ValueError: For a threshold below 1 or a recovery time that is not a positive,
            finite number of seconds.
    """

    __slots__ = ("_failures", "_lock", "_opened_at", "_recovery", "_state", "_threshold", "_trial")

    def __init__(self, failure_threshold: int = 5, recovery_time: float = 30.0) -> None:
        if isinstance(failure_threshold, bool) or not isinstance(failure_threshold, int):
            raise TypeError("failure_threshold must be an int")
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        if not isinstance(recovery_time, int | float) or not (
            math.isfinite(recovery_time) and recovery_time > 0
        ):
            raise ValueError("recovery_time must be a positive, finite number of seconds")
        self._threshold = failure_threshold
        self._recovery = float(recovery_time)
        self._lock = threading.Lock()
        self._state: State = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._trial: int | None = None  # the thread making the trial call

    @property
    def failure_threshold(self) -> int:
        """Consecutive failed calls that open the circuit."""
        return self._threshold

    @property
    def recovery_time(self) -> float:
        """Seconds the circuit stays open before a trial call."""
        return self._recovery

    @property
    def state(self) -> State:
        """``"closed"``, ``"open"`` or ``"half_open"``, as of the last call.

        An open circuit whose recovery time has passed still reads ``"open"`` until a call
        makes the trial.
        """
        return self._state

    @property
    def failures(self) -> int:
        """Consecutive failed calls counted so far (reset by any useful answer)."""
        return self._failures

    def __repr__(self) -> str:
        return (
            f"CircuitBreaker(failure_threshold={self._threshold},"
            f" recovery_time={self._recovery!r}) <{self._state}, {self._failures} failed>"
        )

    def admit(self, now: float, base_url: str) -> None:
        """Let a call through, or refuse it (the pipeline's first step).

        Args:
            now: The calling client's clock reading.
            base_url: The service's URL, for the message.

        Raises:
            CircuitOpenError: The circuit is open (or a trial is under way).
        """
        wait = self._admit(now)
        if wait is not None:
            when = f"a trial call may go in {wait:.1f} s" if wait else "a trial call is under way"
            raise CircuitOpenError(
                f"not calling {base_url}: its circuit breaker is open after"
                f" {self._failures} consecutive calls without an answer ({when})",
                retry_in=wait,
            )

    def record(self, error: BaseException | None, now: float) -> None:
        """Count an admitted call that ended: with ``error``, or answered (None)."""
        self._record(failed=False if error is None else _failed(error), now=now)

    def _admit(self, now: float) -> float | None:
        """Let a call through (None) or say how long until one may go (seconds, 0 for busy).

        A call on the thread that holds the trial (a login the trial needs) goes through
        without being counted as another trial.
        """
        with self._lock:
            if self._state == "closed":
                return None
            me = threading.get_ident()
            if self._state == "half_open":
                return None if self._trial == me else 0.0
            left = self._opened_at + self._recovery - now
            if left > 0:
                return left
            self._state, self._trial = "half_open", me
            return None

    def _record(self, *, failed: bool | None, now: float) -> None:
        """Count a call that ended: failed (True), answered (False) or neither (None)."""
        with self._lock:
            trial = self._state == "half_open" and self._trial == threading.get_ident()
            if failed is None:
                if trial:  # the trial told nothing: the next call tries again
                    self._state, self._trial = "open", None
                    self._opened_at = now - self._recovery
                return
            if not failed:
                self._state, self._failures, self._trial = "closed", 0, None
                return
            self._failures += 1
            if trial or (self._state == "closed" and self._failures >= self._threshold):
                self._state, self._opened_at, self._trial = "open", now, None


def _failed(error: BaseException) -> bool | None:
    """How a call that raised ``error`` counts (see the module docstring).

    True: no useful answer (unreachable, timed out, 5xx); False: the service answered
    (4xx, a body that breaks the contract); None: decided before any answer (a refused
    nested login, the caller's or a middleware's own exception).
    """
    if isinstance(error, CircuitOpenError):
        return None
    if isinstance(error, APIConnectionError):
        return True
    if isinstance(error, APIError):
        return error.status_code >= 500
    if isinstance(error, ResponseDecodeError):
        return False
    return None
