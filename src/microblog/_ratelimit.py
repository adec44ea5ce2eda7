"""Pacing: the client's own token bucket, and the service's RateLimit headers.

Both answer one question before each attempt: how long must this call wait? Waiting is
the caller's job (the transport sleeps with its injectable ``sleep``), so both classes
stay pure state behind a lock, driven by an injectable clock. What the service last
announced is also kept, read as a :class:`Quota` by ``client.quota``: the ``RateLimit``
header is parsed once per response, for pacing; ``RateLimit-Policy`` only when read.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["Quota", "RateLimit", "ServerQuota", "TokenBucket", "parse_rate_limit"]


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


@dataclass(frozen=True, slots=True)
class Quota:
    """The service's rate limit, as its last response announced it (``client.quota``).

    Read from the ``RateLimit`` and ``RateLimit-Policy`` headers
    (draft-ietf-httpapi-ratelimit-headers; with several policies, the one with the fewest
    requests left), or the older ``RateLimit-Limit``/``-Remaining``/``-Reset``.

    Attributes:
        limit: Requests a window allows (``q=``, or ``RateLimit-Limit``); None if not said.
        remaining: Requests left in the current window, when it was announced.
        resets_in: Seconds from now until the window resets, counting down from the
            announcement (0.0 once passed: the next response brings fresh numbers);
            None if not said.
        window: The window's length in seconds (``w=``); None if not said.
        policy: The policy's name (``"default"``); None for the older headers.
    """

    limit: int | None
    remaining: int
    resets_in: float | None
    window: float | None
    policy: str | None


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
    return _announced(headers)[1:]


def _announced(headers: Mapping[str, str]) -> tuple[str, float | None, float | None]:
    """Return ``(item, remaining, reset seconds)`` as :func:`parse_rate_limit` reads them.

    ``item`` is the chosen policy's item of the ``RateLimit`` header (its name is read
    from it only when asked, by :meth:`ServerQuota.snapshot`), or "" for the older headers.
    """
    structured = headers.get("RateLimit")
    if structured:
        best: tuple[str, float | None, float | None] = ("", None, None)
        for item in structured.split(","):
            params = {k.lower(): v for k, v in _PARAM.findall(item)}
            remaining, reset = _number(params.get("r")), _number(params.get("t"))
            if remaining is not None and (best[1] is None or remaining < best[1]):
                best = (item, remaining, reset)
        if best[1] is not None:
            return best
    return (
        "",
        _number(headers.get("RateLimit-Remaining")),
        _number(headers.get("RateLimit-Reset")),
    )


def _name(item: str) -> str | None:
    """The policy name an item of a structured header starts with (``"default"``)."""
    name = item.split(";", 1)[0].strip().strip('"')
    return name or None


def _policy(text: str | None, name: str | None) -> tuple[int | None, float | None]:
    """Return ``(limit, window)`` of the policy ``name`` in a ``RateLimit-Policy`` header.

    A header of one policy answers for any name; without a name (the older headers) the
    first item answers, in the older ``10;w=1`` form (the limit first) or a bare
    ``RateLimit-Limit: 10``.
    """
    if not text:
        return None, None
    items = text.split(",")
    chosen = next((i for i in items if name is not None and _name(i) == name), None)
    if chosen is None:
        if name is not None and len(items) != 1:
            return None, None  # several policies, none of them the announced one
        chosen = items[0]
    params = {k.lower(): v for k, v in _PARAM.findall(chosen)}
    limit = _number(params.get("q"))
    if limit is None:
        limit = _number(chosen.split(";", 1)[0])
    return (int(limit) if limit is not None else None), _number(params.get("w"))


class _Announcement(NamedTuple):
    """The last response's quota: the pacing's reading of it, and the headers themselves.

    The rest (the policy's name, limit and window) is parsed only when read.

    A tuple, not a frozen dataclass: one is made per response while rate limits are on.
    """

    item: str
    remaining: float
    reset: float | None
    at: float
    headers: Mapping[str, str]


class ServerQuota:
    """What the service said about its quota: when a spent quota resets (thread-safe)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._blocked_until = 0.0
        self._last: _Announcement | None = None

    def observe(self, headers: Mapping[str, str]) -> None:
        """Update from a response's headers (any status)."""
        if "RateLimit" not in headers and "RateLimit-Remaining" not in headers:
            return
        item, remaining, reset = _announced(headers)
        if remaining is None:
            return
        with self._lock:
            self._last = _Announcement(item, remaining, reset, self._clock(), headers)
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

    def snapshot(self) -> Quota | None:
        """Return the last announced quota, its reset counted down to now (None: none yet)."""
        last = self._last
        if last is None:
            return None
        name = _name(last.item)
        policy = last.headers.get("RateLimit-Policy") or last.headers.get("RateLimit-Limit")
        limit, window = _policy(policy, name)
        resets_in = None
        if last.reset is not None:
            resets_in = max(0.0, last.at + last.reset - self._clock())
        return Quota(limit, int(last.remaining), resets_in, window, name)
