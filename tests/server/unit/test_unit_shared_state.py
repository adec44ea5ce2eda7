"""The pieces nodes share state with, without a Redis: fakes and a refused port."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from limits import RateLimitItemPerSecond

from microblog_server.api.limiter import FallbackLimiter
from microblog_server.api.login_throttle import LoginThrottle
from microblog_server.api.problems import ProblemError
from microblog_server.api.rate_limit import parse_quota
from microblog_server.api.unavailable import OutageLog
from microblog_server.domain import User
from microblog_server.services.token_cache import TokenCache, token_digest
from microblog_server.settings import Settings

from .core_fakes import FakeClock

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
FAR = (START + timedelta(hours=1)).timestamp()
DANA = User(1, "dana", "Dana", "", START, 1, "hash")
#: Nothing listens on port 1 of the loopback: a Redis that refuses at once.
DOWN = "redis://127.0.0.1:1/0"


class FakeRevocations:
    """Revocations heard and told in memory; ``live`` as the test sets it."""

    def __init__(self) -> None:
        self.live = True
        self.told: list[str] = []
        self.handlers: tuple[Callable[[str], None], Callable[[int], None], Callable[[], None]]

    def announce_token(self, digest: str) -> None:
        self.told.append(f"token:{digest}")

    def announce_user(self, user_id: int) -> None:
        self.told.append(f"user:{user_id}")

    def listen(
        self,
        on_token: Callable[[str], None],
        on_user: Callable[[int], None],
        on_resume: Callable[[], None],
    ) -> None:
        self.handlers = (on_token, on_user, on_resume)


@pytest.fixture
def shared() -> tuple[TokenCache, FakeRevocations]:
    revocations = FakeRevocations()
    cache = TokenCache(FakeClock(START, tick=timedelta(0)), seconds=2.0, revocations=revocations)
    cache.put("t1", DANA, expires_at=FAR, generation=cache.generation)
    return cache, revocations


def test_a_token_forgotten_here_is_announced_by_digest_never_in_clear(
    shared: tuple[TokenCache, FakeRevocations],
) -> None:
    cache, revocations = shared
    cache.forget("t1")
    cache.forget_user(7)

    assert revocations.told == [f"token:{token_digest('t1')}", "user:7"]
    assert all("t1" not in told for told in revocations.told)


def test_a_revocation_heard_from_another_node_drops_the_token(
    shared: tuple[TokenCache, FakeRevocations],
) -> None:
    cache, revocations = shared
    generation = cache.generation
    on_token, _, _ = revocations.handlers

    on_token(token_digest("t1"))

    assert cache.get("t1") is None
    assert cache.generation != generation  # a check running meanwhile is not stored


def test_a_user_revoked_elsewhere_loses_every_cached_token(
    shared: tuple[TokenCache, FakeRevocations],
) -> None:
    cache, revocations = shared
    _, on_user, _ = revocations.handlers

    on_user(DANA.id)

    assert cache.get("t1") is None


def test_while_revocations_are_unheard_the_cache_answers_nothing(
    shared: tuple[TokenCache, FakeRevocations],
) -> None:
    cache, revocations = shared
    revocations.live = False
    unheard = cache.get("t1")
    revocations.live = True
    _, _, on_resume = revocations.handlers
    on_resume()  # back: what was missed in the gap is forgotten

    assert unheard is None
    assert cache.get("t1") is None
    assert len(cache) == 0


def test_the_limiter_counts_in_memory_while_the_shared_storage_refuses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    limiter = FallbackLimiter(DOWN, retry_seconds=1.0, clock=lambda: now[0])
    item = RateLimitItemPerSecond(2, 60)

    with caplog.at_level(logging.WARNING, "microblog_server.rate_limit"):
        hits = [limiter.hit(item, "user:1") for _ in range(3)]
        now[0] = 2.0  # past retry_seconds: the shared storage is tried again, and fails
        again = limiter.hit(item, "user:1")

    assert hits == [True, True, False]  # the quota still holds, per process
    assert again is False
    assert limiter.degraded
    assert limiter.get_window_stats(item, "user:1").remaining == 0
    assert len([r for r in caplog.records if "unavailable" in r.message]) == 1


def test_the_failed_login_budget_holds_per_process_while_redis_refuses() -> None:
    throttle = LoginThrottle(parse_quota("2/60"), FallbackLimiter(DOWN))

    throttle.check("dana", "10.0.0.1")  # no error reaches the login: it counts in memory
    throttle.failed("dana")
    throttle.failed("Dana")  # one account, whatever the case
    with pytest.raises(ProblemError) as refused:
        throttle.check("dana", "10.0.0.1")

    assert refused.value.status == 429
    assert throttle.limiter.degraded


def test_an_outage_line_escapes_what_the_client_put_in_the_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = OutageLog()

    with caplog.at_level(logging.WARNING, "microblog_server.api"):
        outage.failed(OSError("down"), "GET /api/v1/users/x\n12:00 forged line\x00")

    (record,) = caplog.records
    assert "\n" not in record.getMessage()
    assert "/x\\x0a12:00 forged line\\x00" in record.getMessage()


def test_memory_storage_is_not_shared_and_never_degraded() -> None:
    limiter = FallbackLimiter("memory://")
    item = RateLimitItemPerSecond(1, 60)

    assert limiter.hit(item, "k") is True
    assert limiter.hit(item, "k") is False
    assert not limiter.shared
    assert not limiter.degraded


def test_an_outage_is_logged_once_then_summarised_then_its_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    outage = OutageLog(repeat_seconds=60, clock=lambda: now[0])
    error = ConnectionError("refused")

    with caplog.at_level(logging.WARNING, "microblog_server.api"):
        for _ in range(100):
            outage.failed(error, "GET /api/v1/me")
        now[0] = 61.0
        outage.failed(error, "GET /api/v1/me")
        outage.failed(error, "GET /api/v1/me")
        now[0] = 62.5
        outage.answered()
        outage.answered()

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 3
    assert messages[0].startswith("database unavailable (ConnectionError, first in GET /api/v1/me)")
    assert "101 requests answered 503" in messages[1]
    assert messages[2] == "database available again after 62.5 s; 102 requests were answered 503"
    assert not outage.ongoing


def test_the_rate_limit_storage_defaults_to_the_redis_url_unless_set() -> None:
    url = "redis://127.0.0.1:6379/0"

    assert Settings.for_tests().resolved_rate_limit_storage() == "memory://"
    assert Settings.for_tests(redis_url=url).resolved_rate_limit_storage() == url
    explicit = Settings.for_tests(redis_url=url, rate_limit_storage="memory://")
    assert explicit.resolved_rate_limit_storage() == "memory://"


def test_a_redis_url_must_be_redis() -> None:
    with pytest.raises(ValueError, match="MICROBLOG_REDIS_URL"):
        Settings.for_tests(redis_url="http://127.0.0.1:6379")


def test_the_one_trip_count_falls_back_to_memory_too() -> None:
    now = [0.0]
    limiter = FallbackLimiter(DOWN, retry_seconds=1.0, clock=lambda: now[0])
    item = RateLimitItemPerSecond(2, 60)

    counted = [limiter.count(item, "user:1") for _ in range(3)]

    assert [c.allowed for c in counted] == [True, True, False]
    assert [c.remaining for c in counted] == [1, 0, 0]
    assert limiter.degraded


def test_counting_in_memory_starts_no_thread_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    # limits' MemoryStorage starts a Timer thread whenever its last one ended (every
    # 10 ms under load): a thread start every few requests, on the event loop.
    limiter = FallbackLimiter("memory://")
    item = RateLimitItemPerSecond(10**9, 60)
    started: list[threading.Thread] = []
    start = threading.Thread.start

    def counted(self: threading.Thread) -> None:
        started.append(self)
        start(self)

    monkeypatch.setattr(threading.Thread, "start", counted)
    for _ in range(5):
        limiter.count(item, "user:1")
        for thread in threading.enumerate():
            if isinstance(thread, threading.Timer):
                thread.join()  # the storage's timer has run out: it would start another

    assert len(started) <= 1
