"""The values one logical call is made of: ``Call``, ``Deadline``, ``CallPolicy``, ``Failed``.

They live beside the pipeline (``_transport.py``) that runs a call, and know nothing of
HTTP: a ``Call`` is what the request is and how far it got, a ``Deadline`` when it must
end, a ``CallPolicy`` what a ``with_options`` copy may change, a ``Failed`` what an
attempt that did not succeed came to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from microblog._config import Retry, Timeout
    from microblog._errors import MicroblogError
    from microblog._middleware import Middleware
    from microblog._observe import Observer
    from microblog._outcome import Outcome

__all__ = ["Call", "CallPolicy", "Deadline", "Failed"]


class Deadline:
    """When a call must end, on the client's clock; ``at`` None means never.

    The one way the pipeline asks about the deadline: how long is left, and whether a
    wait still leaves time for an attempt after it.
    """

    __slots__ = ("at", "clock")

    def __init__(self, at: float | None, clock: Callable[[], float]) -> None:
        self.at = at
        self.clock = clock

    def left(self) -> float:
        """Seconds until the deadline (``inf`` without one; <= 0 once passed)."""
        return math.inf if self.at is None else self.at - self.clock()

    def allows(self, wait: float) -> bool:
        """Whether waiting ``wait`` seconds still ends before the deadline."""
        return self.at is None or self.clock() + wait < self.at

    def shorten(self, timeout: tuple[float, float]) -> tuple[tuple[float, float], bool, float]:
        """``timeout`` cut to the time left, whether it was cut, and the time left.

        Raises:
            ValueError: No time is left (the caller reports the deadline).
        """
        left = self.left()
        if left <= 0:
            raise ValueError("the deadline has passed")
        if left < max(timeout):
            return (min(timeout[0], left), min(timeout[1], left)), True, left
        return timeout, False, left


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
    deadline: Deadline
    observer: Observer
    template: str | None = None
    attempt: int = 1
    maybe_applied: bool = False
    sends: int = 0

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
