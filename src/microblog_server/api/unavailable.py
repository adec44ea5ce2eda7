"""The storage does not answer: a 503 with ``Retry-After``, and one log line per outage.

Errors that mean "the database is unreachable" can come from a route (its use case) or
from a middleware before any route runs (the token check, the Idempotency-Key store).
Either way the client gets ``503 unavailable`` with ``Retry-After``, the access log
records that 503, and :class:`OutageLog` writes one warning when the outage starts, one
summary a minute while it lasts, and one line when the database answers again, instead
of a traceback per request.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from microblog_server.api.log_text import loggable
from microblog_server.api.problems import ProblemError

if TYPE_CHECKING:
    from collections.abc import Callable


__all__ = ["OutageLog", "unavailable_problem"]

logger = logging.getLogger("microblog_server.api")

#: Seconds a client is asked to wait; a few health-check intervals of the load balancer.
RETRY_AFTER_SECONDS = 5


def unavailable_problem() -> ProblemError:
    """Return the problem every "the database does not answer" request gets."""
    return ProblemError(
        503,
        "unavailable",
        "the database is unavailable; retry later",
        headers=(("Retry-After", str(RETRY_AFTER_SECONDS)),),
    )


class OutageLog:
    """Log a storage outage once, not once per failed request (thread-safe).

    Args:
        repeat_seconds: How often a still-running outage is summarised.
        clock: Monotonic seconds (tests inject one).
    """

    def __init__(
        self, *, repeat_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._repeat_seconds = repeat_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._since: float | None = None
        self._logged_at = 0.0
        self._failed = 0

    @property
    def ongoing(self) -> bool:
        """Whether the storage failed and has not answered since."""
        return self._since is not None

    def failed(self, error: BaseException, where: str) -> None:
        """Count one request the storage failed; log when an outage starts (or every minute).

        Args:
            error: What the storage raised.
            where: The request, ``METHOD /path`` (no query: tokens travel there); logged
                escaped (a decoded path can hold a line feed that would forge a line).
        """
        where = loggable(where)
        now = self._clock()
        kind = type(error).__name__
        with self._lock:
            self._failed += 1
            if self._since is None:
                self._since = self._logged_at = now
                starting = True
            elif now - self._logged_at >= self._repeat_seconds:
                self._logged_at = now
                starting = False
            else:
                return
            failed = self._failed
        if starting:
            logger.warning(
                "database unavailable (%s, first in %s): answering 503 until it is back",
                kind,
                where,
            )
        else:
            logger.warning(
                "database still unavailable (%s, last in %s): %d requests answered 503 so far",
                kind,
                where,
                failed,
            )

    def answered(self) -> None:
        """Note that the storage answered; logs the end of an outage."""
        with self._lock:
            since, failed = self._since, self._failed
            if since is None:
                return
            self._since, self._failed = None, 0
        logger.warning(
            "database available again after %.1f s; %d requests were answered 503",
            self._clock() - since,
            failed,
        )
