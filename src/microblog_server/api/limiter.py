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

A counted request is one round trip (:meth:`FallbackLimiter.count`): the count, its
window's reset time and what is left come back from one Lua script, where ``limits``'
``hit`` then ``get_window_stats`` took three commands. Build one limiter per storage and
share it (the request quotas and the failed-login budget do): one connection pool, one
outage state.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

if TYPE_CHECKING:
    from collections.abc import Callable

    from limits import RateLimitItem
    from limits.util import WindowStats

__all__ = ["Counted", "FallbackLimiter", "SweptMemoryStorage"]

logger = logging.getLogger("microblog_server.rate_limit")

#: Seconds a call to a shared storage may take before it counts as down: a limiter
#: runs on the event loop, so a storage that hangs must not hold every request.
STORAGE_TIMEOUT = 0.25

#: ``limits``' fixed-window increment (``incr_expire.lua``), returning the counter's time
#: to live with it: the whole of a counted request in one round trip.
_COUNT = b"""
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if current == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


class SweptMemoryStorage(MemoryStorage):
    """``limits``' in-memory storage, its expired counters swept at most once a second.

    The library starts a ``threading.Timer`` (10 ms) from every count once its last one
    has run out: under load, a thread started every few requests, on the event loop.
    What a count reads is unchanged (a counter past its window reads as zero whether or
    not it was swept yet); the sweep only frees memory, now within a second.
    """

    #: The most often a sweep is scheduled.
    SWEEP_SECONDS = 1.0

    _next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - overrides the library's
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.SWEEP_SECONDS
        super()._MemoryStorage__schedule_expiry()  # type: ignore[misc]


class Counted(NamedTuple):
    """One request counted against a quota.

    Attributes:
        allowed: Whether it is within the quota.
        reset_at: When the window ends (seconds since the epoch).
        remaining: The requests left in the window.
    """

    allowed: bool
    reset_at: float
    remaining: int


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
        self.shared = not storage_uri.startswith("memory")
        options: dict[str, float] = {}
        if self.shared and storage_uri.startswith(("redis", "rediss", "unix")):
            options = {"socket_timeout": STORAGE_TIMEOUT, "socket_connect_timeout": STORAGE_TIMEOUT}
        storage = (
            storage_from_string(storage_uri, wrap_exceptions=True, **options)
            if self.shared
            else SweptMemoryStorage()
        )
        if not isinstance(storage, Storage):
            msg = f"the rate limit storage must be a synchronous one, not {storage_uri!r}"
            raise ValueError(msg)
        self._storage = storage
        self._primary = FixedWindowRateLimiter(storage)
        self._memory = SweptMemoryStorage()
        self._fallback = FixedWindowRateLimiter(self._memory)
        self._script: Any = None
        if isinstance(storage, RedisStorage):  # registering sends nothing yet
            self._script = storage.get_connection().register_script(_COUNT)
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

    def count(self, item: RateLimitItem, *identifiers: str) -> Counted:
        """Count one request; return whether it is within the quota, and the window's state.

        One round trip to a Redis storage (``hit`` and ``get_window_stats`` together).
        """
        if self._use_fallback():
            return _count_in(self._memory, item, identifiers)
        try:
            counted = self._count_shared(item, identifiers)
        except StorageError as error:
            self._failed(error)
            return _count_in(self._memory, item, identifiers)
        self._answered()
        return counted

    def _count_shared(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> Counted:
        if self._script is None:
            return _count_in(self._storage, item, identifiers)
        storage = self._storage
        assert isinstance(storage, RedisStorage)
        key = storage.prefixed_key(item.key_for(*identifiers))
        try:
            current, ttl = self._script([key], [item.get_expiry(), 1])
        except storage.base_exceptions as error:
            raise StorageError(error) from error
        return Counted(
            int(current) <= item.amount,
            time.time() + max(int(ttl), 0),
            max(0, item.amount - int(current)),
        )

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


def _count_in(storage: Storage, item: RateLimitItem, identifiers: tuple[str, ...]) -> Counted:
    """Count one request in a storage of ``limits`` (in memory: no round trip)."""
    key = item.key_for(*identifiers)
    current = storage.incr(key, item.get_expiry())
    return Counted(current <= item.amount, storage.get_expiry(key), max(0, item.amount - current))
