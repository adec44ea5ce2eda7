"""The rate limiter against a real Redis: one round trip per counted request."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from limits import RateLimitItemPerSecond
from redis import Redis as RedisClient

from microblog_server.api.limiter import FallbackLimiter
from tests.cluster.harness import Redis, UnavailableError


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A throw-away redis-server (skipped, saying why, without one)."""
    server = Redis()
    try:
        server.start()
    except (UnavailableError, FileNotFoundError, TimeoutError) as error:
        pytest.skip(f"redis-server: {error}")
    try:
        yield server.url
    finally:
        server.stop()


def test_a_counted_request_is_one_round_trip(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = FallbackLimiter(redis_url)
    item = RateLimitItemPerSecond(2, 60)
    limiter.count(item, "user:1")  # loads the script (NOSCRIPT, then EVAL) once
    sent: list[Any] = []
    execute: Callable[..., Any] = RedisClient.execute_command

    def counted(self: RedisClient, *args: Any, **options: Any) -> Any:
        sent.append(args[0])
        return execute(self, *args, **options)

    monkeypatch.setattr(RedisClient, "execute_command", counted)
    second = limiter.count(item, "user:1")
    third = limiter.count(item, "user:1")

    assert sent == ["EVALSHA", "EVALSHA"]  # the count, its window's reset and what is left
    assert (second.allowed, second.remaining) == (True, 0)
    assert (third.allowed, third.remaining) == (False, 0)
    assert time.time() + 58 <= third.reset_at <= time.time() + 61


def test_the_counts_are_the_ones_limits_reads(redis_url: str) -> None:
    # The one-trip count and ``limits``' own reads (the login throttle's test and window
    # stats) see the same counter under the same key.
    limiter = FallbackLimiter(redis_url)
    item = RateLimitItemPerSecond(5, 60)

    for _ in range(3):
        limiter.count(item, "login-account", "dana")
    reset_at, remaining = limiter.get_window_stats(item, "login-account", "dana")

    assert remaining == 2
    assert limiter.test(item, "login-account", "dana")
    assert abs(reset_at - limiter.count(item, "login-account", "dana").reset_at) <= 1.5
