"""Small immutable configuration values: ``Timeout`` and the ``Retry`` policy.

``Retry`` is the one place the retry rules live. It is a value: read it, copy it with
``dataclasses.replace``, and ask it questions in tests as a table, without any HTTP:
``decide`` turns one attempt's ``Outcome`` into "raise" (None) or "wait N s".

tenacity runs the loop, and is the policy's vocabulary: ``Retry(wait=..., stop=...)``
takes its waits and stops. :meth:`Retry.retrying` gives the ``tenacity.Retrying`` whose
``retry``, ``wait`` and ``stop`` are one rule (:class:`_Rule`): what is *safe* to retry
is :meth:`Retry.retryable` (a pure function of method, key and outcome); the wait is a
``Retry-After`` the service announced, else the policy's; the stop is the policy's, or
an announced wait past ``max_retry_after``, or a wait that would end past the deadline.
``decide`` asks the same rule, so the table tested is the loop run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import tenacity

# typing.get_type_hints (help(), the reference) resolves the fields' types at runtime,
# and tenacity's aliases name RetryCallState as a forward reference.
from tenacity import RetryCallState  # noqa: F401
from tenacity.stop import StopBaseT  # noqa: TC002
from tenacity.wait import WaitBaseT  # noqa: TC002

from microblog._outcome import Outcome

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Retry", "Timeout"]

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_NEVER_SENT = frozenset({"connect", "connect_timeout"})
_MAYBE_APPLIED = frozenset({"timeout", "lost"})
_ANNOUNCING = frozenset({429, 503})  # statuses whose Retry-After sets the wait
IN_PROGRESS = "idempotency_in_progress"  # 409 code: the same key is still running
DEFAULT_DEADLINE = 120.0


def _check_seconds(name: str, value: float, *, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class Timeout:
    """How long to wait for the service, per attempt.

    ``None`` is refused on purpose: a call without a timeout can hang forever.

    Attributes:
        connect: Seconds to establish the connection.
        read: Seconds to wait between bytes of the response.
    """

    connect: float = 5.0
    read: float = 30.0

    def __post_init__(self) -> None:
        _check_seconds("Timeout.connect", self.connect)
        _check_seconds("Timeout.read", self.read)

    @classmethod
    def coerce(cls, value: Timeout | float) -> Timeout:
        """Return ``value`` as a ``Timeout``; a number means both connect and read.

        Args:
            value: A ``Timeout`` or a number of seconds.

        Returns:
            The ``Timeout``.

        Raises:
            TypeError: For ``None`` or anything that is not a number or a ``Timeout``.
            ValueError: For a number that is not finite and positive.
        """
        if isinstance(value, Timeout):
            return value
        if value is None:
            raise TypeError(
                "timeout=None is refused: a call could hang forever; "
                "pass seconds or microblog.Timeout(connect=..., read=...)"
            )
        return cls(connect=value, read=value)

    def as_requests(self) -> tuple[float, float]:
        """Return the ``(connect, read)`` pair ``requests`` expects."""
        return (self.connect, self.read)


@dataclass(frozen=True, slots=True)
class Retry:
    """The retry policy: which failures are retried, how long to wait, when to give up.

    Each attempt ends in an outcome; :meth:`decide` says what follows it. Retried (up to
    ``max_retries`` times after the first attempt) when this table says so (a test
    checks the table against :meth:`decide`):

    ======================================  ==========  ==============
    attempt outcome                         idempotent  not idempotent
    ======================================  ==========  ==============
    could not connect (never sent)          retry       retry
    connect timeout (never sent)            retry       retry
    TLS failure                             raise       raise
    request could not be sent               raise       raise
    read timeout after sending              retry       raise
    connection lost after sending           retry       raise
    cut off by the deadline                 raise       raise
    body past max_response_bytes            raise       raise
    body not decodable                      raise       raise
    a status in statuses                    retry       raise
    429                                     retry       retry
    409 idempotency_in_progress             retry       raise
    any other status                        raise       raise
    ======================================  ==========  ==============

    A request is idempotent when its method is in ``methods`` or it is a POST carrying an
    ``Idempotency-Key`` (the SDK sends one with every POST). Only a failure to connect is
    "never sent": a timeout, reset or short answer after the request went out may have
    been applied by the service, so it is retried only when repeating it is harmless.
    A 429 is not retried when the client was built with ``wait_on_rate_limit=False``.

    The wait: ``Retry-After`` on a 429, 503 or 409 ``idempotency_in_progress`` sets it;
    past ``max_retry_after`` the error is raised at once instead (a header is untrusted
    input). Otherwise the wait is ``wait``'s, a tenacity wait
    (``tenacity.wait_random_exponential(multiplier=0.5, max=8)``); without one it is
    exponential (``backoff_base * 2**(n-1)``, capped at ``backoff_max``) with a random
    ``jitter`` fraction removed. ``deadline`` bounds the whole call, attempts in progress
    and waits included: when the next wait would end past it, the error is raised now;
    an attempt still running at the deadline is cut off with ``APITimeoutError``. The
    default deadline is 120 s; ``deadline=None`` opts out.

    When to stop: after ``max_retries`` retries, or, given ``stop`` (a tenacity stop,
    such as ``tenacity.stop_after_attempt(5) | tenacity.stop_after_delay(60)``), when it
    says so; ``max_retries=0`` turns retries off either way. Times a stop reads (the
    time since the call started) are on the client's clock.

    Attributes:
        max_retries: Retries after the first attempt; 0 turns retries off. Not consulted
            otherwise when ``stop`` is given.
        backoff_base: First backoff wait in seconds.
        backoff_max: Cap on one backoff wait in seconds.
        jitter: Fraction (0-1) of each backoff wait that is randomised.
        statuses: Statuses retried for idempotent requests.
        methods: Methods that are idempotent by themselves.
        max_retry_after: Longest ``Retry-After`` or rate-limit reset the client waits for.
        deadline: Seconds the whole call may take (default 120), or None for no bound.
        wait: A tenacity wait strategy for the waits ``Retry-After`` does not set, or
            None for the backoff above.
        stop: A tenacity stop strategy, or None to stop after ``max_retries`` retries.
    """

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    jitter: float = 1.0
    statuses: frozenset[int] = field(default=frozenset({500, 502, 503, 504}))
    methods: frozenset[str] = field(default=_IDEMPOTENT_METHODS)
    max_retry_after: float = 60.0
    deadline: float | None = DEFAULT_DEADLINE
    wait: WaitBaseT | None = None
    stop: StopBaseT | None = None

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise TypeError("Retry.max_retries must be an int")
        if self.max_retries < 0:
            raise ValueError("Retry.max_retries must be >= 0")
        _check_seconds("Retry.backoff_base", self.backoff_base, allow_zero=True)
        _check_seconds("Retry.backoff_max", self.backoff_max, allow_zero=True)
        _check_seconds("Retry.max_retry_after", self.max_retry_after, allow_zero=True)
        if self.deadline is not None:
            _check_seconds("Retry.deadline", self.deadline)
        if not 0 <= self.jitter <= 1:
            raise ValueError("Retry.jitter must be between 0 and 1")
        for name in ("wait", "stop"):
            strategy = getattr(self, name)
            if strategy is not None and not callable(strategy):
                raise TypeError(f"Retry.{name} must be a tenacity {name} strategy (a callable)")

    @property
    def max_attempts(self) -> int:
        """Attempts in all, the first one included."""
        return self.max_retries + 1

    def is_idempotent(self, method: str, *, idempotency_key: bool) -> bool:
        """Whether repeating the request cannot do the work twice.

        Args:
            method: The HTTP method.
            idempotency_key: Whether the request carries an ``Idempotency-Key``.

        Returns:
            True for ``methods``, and for a POST with a key.
        """
        method = method.upper()
        return method in self.methods or (method == "POST" and idempotency_key)

    def retryable(
        self,
        method: str,
        outcome: Outcome,
        *,
        keyed: bool,
        wait_on_rate_limit: bool = True,
    ) -> bool:
        """Whether this outcome is worth another attempt (count, waits and deadline aside).

        Args:
            method: The HTTP method.
            outcome: What the attempt came to.
            keyed: Whether the request carries an ``Idempotency-Key``.
            wait_on_rate_limit: False when a 429 must be raised rather than waited out.

        Returns:
            True when the table in the class docstring says "retry".
        """
        idempotent = self.is_idempotent(method, idempotency_key=keyed)
        failure = outcome.failure
        if failure is not None:
            return failure in _NEVER_SENT or (failure in _MAYBE_APPLIED and idempotent)
        status = outcome.status
        if status == 429:
            return wait_on_rate_limit
        if status == 409 and outcome.code == IN_PROGRESS:
            return idempotent
        return status in self.statuses and idempotent

    def decide(
        self,
        method: str,
        outcome: Outcome,
        *,
        keyed: bool,
        attempt: int,
        elapsed: float,
        random_fraction: float = 0.0,
        wait_on_rate_limit: bool = True,
    ) -> float | None:
        """Decide what follows a failed attempt: raise (None) or wait that many seconds.

        A pure function of its arguments and the policy; the whole retry rule of the SDK.

        Args:
            method: The HTTP method.
            outcome: What the attempt came to.
            keyed: Whether the request carries an ``Idempotency-Key``.
            attempt: The number of the attempt that just ended (1 for the first).
            elapsed: Seconds since the call started.
            random_fraction: A number in [0, 1) for the backoff's jitter.
            wait_on_rate_limit: False when a 429 must be raised rather than waited out.

        Returns:
            None to raise the attempt's error now, else the seconds to wait before the
            next attempt.
        """
        rule = _Rule(self, rand=lambda: random_fraction, wait_on_rate_limit=wait_on_rate_limit)
        state = tenacity.RetryCallState(
            rule.retrying(sleep=_no_sleep), fn=None, args=(), kwargs=_facts(method, keyed)
        )
        state.start_time, state.attempt_number = 0.0, attempt
        state.set_result(outcome)
        state.outcome_timestamp = elapsed
        if not rule.retry(state):
            return None
        state.upcoming_sleep = rule.wait(state)
        return None if rule.stop(state) else state.upcoming_sleep

    def retrying(
        self,
        *,
        sleep: Callable[[float], None],
        rand: Callable[[], float],
        wait_on_rate_limit: bool,
        before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    ) -> tenacity.Retrying:
        """The ``tenacity.Retrying`` that runs this policy's loop (see the module docstring).

        Its retry state carries each attempt's ``Outcome`` as the result and the
        request's ``method`` and ``keyed`` as keyword arguments; what it stops with is
        handed back (``retry_error_callback``), not raised as ``RetryError``.

        Args:
            sleep: Waits between attempts.
            rand: Draws the backoff's jitter fraction in [0, 1).
            wait_on_rate_limit: False when a 429 must be raised rather than waited out.
            before_sleep: Called with the retry state before each wait.

        Returns:
            The controller; the caller drives it with ``iter``.
        """
        rule = _Rule(self, rand=rand, wait_on_rate_limit=wait_on_rate_limit)
        return rule.retrying(sleep=sleep, before_sleep=before_sleep)

    def should_retry(
        self,
        method: str,
        *,
        status: int | None = None,
        read_timeout: bool = False,
        idempotency_key: bool = False,
    ) -> bool:
        """Whether this failure is worth another attempt (kept for 0.1 callers).

        Args:
            method: The HTTP method.
            status: The error status, or None when no response arrived.
            read_timeout: With ``status=None``: the request was sent and the answer
                timed out (it may have been processed), rather than never connecting.
            idempotency_key: Whether the request carries an ``Idempotency-Key``.

        Returns:
            :meth:`retryable` for the matching outcome.
        """
        if status is None:
            outcome = Outcome.failed("timeout" if read_timeout else "connect", sent=read_timeout)
        else:
            outcome = Outcome(status=status)
        return self.retryable(method, outcome, keyed=idempotency_key)

    def backoff(self, retry_number: int, random_fraction: float) -> float:
        """Return the wait before retry number ``retry_number`` (1 for the first retry).

        Args:
            retry_number: 1 before the first retry, 2 before the second, ...
            random_fraction: A number in [0, 1) drawn by the caller.

        Returns:
            Seconds, between ``(1 - jitter) * d`` and ``d`` with
            ``d = min(backoff_max, backoff_base * 2**(retry_number - 1))``.
        """
        ceiling = min(
            self.backoff_max, self.backoff_base * 2.0 ** min(max(0, retry_number - 1), 60)
        )
        return ceiling * (1 - self.jitter * random_fraction)


def _facts(method: str, keyed: bool) -> dict[str, Any]:
    """The request facts a retry state carries for :class:`_Rule` (its ``kwargs``)."""
    return {"method": method, "keyed": keyed}


def _no_sleep(seconds: float) -> None:
    """``decide`` never sleeps."""


def _stopped(state: tenacity.RetryCallState) -> None:
    """What a stopped loop returns (the caller raises the last attempt's error)."""


class _Rule:
    """One ``Retry`` as tenacity's ``retry``, ``wait`` and ``stop`` (see the module docstring)."""

    __slots__ = ("policy", "rand", "wait_on_rate_limit")

    def __init__(
        self, policy: Retry, *, rand: Callable[[], float], wait_on_rate_limit: bool
    ) -> None:
        self.policy = policy
        self.rand = rand
        self.wait_on_rate_limit = wait_on_rate_limit

    def retrying(
        self,
        *,
        sleep: Callable[[float], None],
        before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    ) -> tenacity.Retrying:
        return tenacity.Retrying(
            sleep=sleep,
            retry=self.retry,
            wait=self.wait,
            stop=self.stop,
            before_sleep=before_sleep,
            retry_error_callback=_stopped,
        )

    def retry(self, state: tenacity.RetryCallState) -> bool:
        """Whether the attempt's outcome is safe and worth retrying (``Retry.retryable``)."""
        assert state.outcome is not None
        return self.policy.retryable(
            state.kwargs["method"],
            state.outcome.result(),
            keyed=state.kwargs["keyed"],
            wait_on_rate_limit=self.wait_on_rate_limit,
        )

    def wait(self, state: tenacity.RetryCallState) -> float:
        """The wait a ``Retry-After`` announced (0 floored at the policy's), else the policy's."""
        announced = self._announced(state)
        if announced:
            return announced
        policy = self.policy
        if policy.wait is not None:
            return float(policy.wait(state))
        fraction = self.rand() if policy.jitter else 0.0
        return policy.backoff(state.attempt_number, fraction)

    def stop(self, state: tenacity.RetryCallState) -> bool:
        """Stop: the policy's stop or count, an announced wait past its cap, or the deadline."""
        policy = self.policy
        if policy.max_retries == 0:
            return True
        if policy.stop is not None:
            if policy.stop(state):
                return True
        elif state.attempt_number >= policy.max_attempts:
            return True
        announced = self._announced(state)
        if announced is not None and announced > policy.max_retry_after:
            return True
        elapsed = state.seconds_since_start or 0.0
        # no time would be left for the next attempt
        return policy.deadline is not None and elapsed + state.upcoming_sleep >= policy.deadline

    @staticmethod
    def _announced(state: tenacity.RetryCallState) -> float | None:
        """The wait the answer's ``Retry-After`` set, when its status makes it a promise."""
        assert state.outcome is not None
        outcome: Outcome = state.outcome.result()
        announced = outcome.retry_after
        if announced is not None and (outcome.status in _ANNOUNCING or outcome.code == IN_PROGRESS):
            return announced
        return None
