"""Pacing: the client's own token bucket, and the service's RateLimit headers.

Both answer one question before each attempt: how long must this call wait? Waiting is
the caller's job (the transport sleeps with its injectable ``sleep``), so both classes
stay pure state behind a lock, driven by an injectable clock.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["RateLimit", "ServerQuota", "TokenBucket", "parse_rate_limit"]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Client-side pacing: at most ``calls`` requests per ``period`` seconds.

    A token bucket of ``calls`` tokens refilled continuously: bursts up to ``calls`` go
    at once, then calls are spaced ``period / calls`` apart. Shared by every thread
    and every ``with_options`` copy of a client.

    Attributes:
        calls: Requests allowed per period (> 0).
        period: The period in seconds (> 0).
    """

    calls: int
    period: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.calls, bool) or not isinstance(self.calls, int) or self.calls <= 0:
            raise ValueError("RateLimit.calls must be a positive int")
        if not self.period > 0:
            raise ValueError("RateLimit.period must be > 0 seconds")


class TokenBucket:
    """The thread-safe state behind a ``RateLimit``.

    ``reserve()`` takes a token and returns how long the caller must wait for it; a
    waiting caller's token is already taken, so concurrent callers queue up fairly.
    """

    def __init__(self, limit: RateLimit, clock: Callable[[], float]) -> None:
        self._capacity = float(limit.calls)
        self._rate = limit.calls / limit.period
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self._capacity
        self._updated = clock()

    def reserve(self) -> float:
        """Take one token; return the seconds to wait before using it (0 when free)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self._rate


_PARAM = re.compile(r";\s*([A-Za-z]+)\s*=\s*([^;,]*)")


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def parse_rate_limit(headers: Mapping[str, str]) -> tuple[float | None, float | None]:
    """Read the quota left and the seconds to its reset from response headers.

    Understands ``RateLimit: "default";r=<remaining>;t=<reset>`` (draft-ietf-httpapi-
    ratelimit-headers, several policies allowed: the most constraining wins) and the older
    ``RateLimit-Remaining`` / ``RateLimit-Reset`` pair. Unreadable values are ignored.

    Args:
        headers: The response headers (case-insensitive).

    Returns:
        ``(remaining, reset_seconds)``; either is None when unknown.
    """
    structured = headers.get("RateLimit")
    if structured:
        best: tuple[float | None, float | None] = (None, None)
        for item in structured.split(","):
            params = {k.lower(): v for k, v in _PARAM.findall(item)}
            remaining, reset = _number(params.get("r")), _number(params.get("t"))
            if remaining is not None and (best[0] is None or remaining < best[0]):
                best = (remaining, reset)
        if best[0] is not None:
            return best
    return (
        _number(headers.get("RateLimit-Remaining")),
        _number(headers.get("RateLimit-Reset")),
    )


class ServerQuota:
    """What the service said about its quota: when a spent quota resets (thread-safe)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._blocked_until = 0.0

    def observe(self, headers: Mapping[str, str]) -> None:
        """Update from a response's headers (any status)."""
        if "RateLimit" not in headers and "RateLimit-Remaining" not in headers:
            return
        remaining, reset = parse_rate_limit(headers)
        if remaining is None:
            return
        with self._lock:
            if remaining < 1 and reset:
                self._blocked_until = self._clock() + reset
            else:
                self._blocked_until = 0.0

    def clear(self) -> None:
        """Forget a spent quota (its announced reset was not believed)."""
        with self._lock:
            self._blocked_until = 0.0

    def delay(self) -> float:
        """Return the seconds until the quota resets (0 when calls may go now)."""
        if not self._blocked_until:
            return 0.0
        with self._lock:
            left = self._blocked_until - self._clock()
            if left <= 0:
                self._blocked_until = 0.0
                return 0.0
            return left
