"""Small immutable configuration values: ``Timeout`` and the ``Retry`` policy.

``Retry`` is the one place the retry rules live. It is a value: read it, copy it with
``dataclasses.replace``, and ask it questions (``should_retry``, ``backoff``) in tests as
a table, without any HTTP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["Retry", "Timeout"]

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


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

    Retried (up to ``max_retries`` times after the first attempt):

    ============================  ==============================================
    failure                       retried when
    ============================  ==============================================
    connection failure            always (the request got no answer)
    read timeout                  idempotent request (see below)
    a status in ``statuses``      idempotent request
    429                           always, after ``Retry-After``
    any other 4xx                 never
    ============================  ==============================================

    A request is idempotent when its method is in ``methods`` or it is a POST carrying an
    ``Idempotency-Key`` (the SDK sends one with every POST). ``Retry-After`` on a 429 or
    503 sets the wait; past ``max_retry_after`` the error is raised at once instead.
    Otherwise the wait is exponential (``backoff_base * 2**(n-1)``, capped at
    ``backoff_max``) with a random ``jitter`` fraction removed. ``deadline`` bounds the
    whole call (attempts and waits) in seconds.

    Attributes:
        max_retries: Retries after the first attempt; 0 turns retries off.
        backoff_base: First backoff wait in seconds.
        backoff_max: Cap on one backoff wait in seconds.
        jitter: Fraction (0-1) of each backoff wait that is randomised.
        statuses: Statuses retried for idempotent requests.
        methods: Methods that are idempotent by themselves.
        max_retry_after: Longest ``Retry-After`` or rate-limit reset the client waits for.
        deadline: Seconds the whole call may take, or None for no bound.
    """

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    jitter: float = 1.0
    statuses: frozenset[int] = field(default=frozenset({500, 502, 503, 504}))
    methods: frozenset[str] = field(default=_IDEMPOTENT_METHODS)
    max_retry_after: float = 60.0
    deadline: float | None = None

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

    def should_retry(
        self,
        method: str,
        *,
        status: int | None = None,
        read_timeout: bool = False,
        idempotency_key: bool = False,
    ) -> bool:
        """Whether this failure is worth another attempt (the attempt count aside).

        Args:
            method: The HTTP method.
            status: The error status, or None when no response arrived.
            read_timeout: With ``status=None``: the request was sent and the answer
                timed out (it may have been processed), rather than never connecting.
            idempotency_key: Whether the request carries an ``Idempotency-Key``.

        Returns:
            True when the table in the class docstring says so.
        """
        if status is None:
            return not read_timeout or self.is_idempotent(method, idempotency_key=idempotency_key)
        if status == 429:
            return True
        return status in self.statuses and self.is_idempotent(
            method, idempotency_key=idempotency_key
        )

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
