"""The rate limiter over its counter storage, with a per-process fallback.

With ``memory://`` the counters live in this process. With a shared storage (Redis,
``MICROBLOG_REDIS_URL``) every node counts against one quota; when that storage does not
answer, requests are not refused for it: the limiter counts in this process's memory
instead (each node then allows up to the whole quota on its own), logs the change once,
and tries the shared storage again every ``retry_seconds``.

The calls are synchronous, on the event loop, as with ``memory://``: a loopback or LAN
round trip to Redis (tenths of a millisecond) costs less than a hop to a worker thread,
and ``STORAGE_TIMEOUT`` bounds how long a Redis that hangs can hold the loop before the
limiter falls back for ``retry_seconds``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

if TYPE_CHECKING:
    from collections.abc import Callable

    from limits import RateLimitItem
    from limits.util import WindowStats

__all__ = ["FallbackLimiter"]

logger = logging.getLogger("microblog_server.rate_limit")

#: Seconds a call to a shared storage may take before it counts as down: a limiter
#: runs on the event loop, so a storage that hangs must not hold every request.
STORAGE_TIMEOUT = 0.25


class FallbackLimiter:
    """A fixed-window limiter on ``storage_uri``, counting in memory while it fails.

    Args:
        storage_uri: A ``limits`` storage URI.
        retry_seconds: How long to count in memory before trying the shared storage again.
        clock: Monotonic seconds (tests inject one).
    """

    def __init__(
        self,
        storage_uri: str,
        *,
        retry_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage_uri = storage_uri
        self.shared = not storage_uri.startswith("memory")
        options: dict[str, float] = {}
        if self.shared and storage_uri.startswith(("redis", "rediss", "unix")):
            options = {"socket_timeout": STORAGE_TIMEOUT, "socket_connect_timeout": STORAGE_TIMEOUT}
        storage = storage_from_string(storage_uri, wrap_exceptions=True, **options)
        self._primary = FixedWindowRateLimiter(storage)
        self._fallback = FixedWindowRateLimiter(MemoryStorage())
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._down_until: float | None = None

    @property
    def degraded(self) -> bool:
        """Whether the shared storage failed and the counters are in memory for now."""
        return self._down_until is not None

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        """Count one request; return whether it is within the quota."""
        if self._use_fallback():
            return self._fallback.hit(item, *identifiers)
        try:
            allowed = self._primary.hit(item, *identifiers)
        except StorageError as error:
            self._failed(error)
            return self._fallback.hit(item, *identifiers)
        self._answered()
        return allowed

    def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        """Return whether one more request would be within the quota (counts nothing)."""
        if self._use_fallback():
            return self._fallback.test(item, *identifiers)
        try:
            allowed = self._primary.test(item, *identifiers)
        except StorageError as error:
            self._failed(error)
            return self._fallback.test(item, *identifiers)
        self._answered()
        return allowed

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """Return the window's reset time and the requests left in it."""
        if self._use_fallback():
            return self._fallback.get_window_stats(item, *identifiers)
        try:
            return self._primary.get_window_stats(item, *identifiers)
        except StorageError as error:
            self._failed(error)
            return self._fallback.get_window_stats(item, *identifiers)

    def _use_fallback(self) -> bool:
        down_until = self._down_until
        return down_until is not None and self._clock() < down_until

    def _failed(self, error: StorageError) -> None:
        with self._lock:
            first = self._down_until is None
            self._down_until = self._clock() + self._retry_seconds
        if first:
            logger.warning(
                "rate-limit storage unavailable (%s): counting per process until it answers",
                type(error.storage_error).__name__,
            )

    def _answered(self) -> None:
        if self._down_until is None:
            return
        with self._lock:
            self._down_until = None
        logger.warning("rate-limit storage answers again: one quota across nodes")
