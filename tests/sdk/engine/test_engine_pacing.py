"""Pacing: the service's RateLimit headers, and the client's own token bucket."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

import microblog
from microblog._ratelimit import ServerQuota, TokenBucket, parse_rate_limit

from .engine_support import BASE, FakeTime, MakeClient

if TYPE_CHECKING:
    import responses

URL = f"{BASE}/api/v1/me"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"RateLimit": '"default";r=0;t=30'}, (0.0, 30.0)),
        ({"RateLimit": '"default";r=250;t=12'}, (250.0, 12.0)),
        ({"RateLimit": "default;r=5;t=1"}, (5.0, 1.0)),
        ({"RateLimit": '"day";r=900;t=3600, "burst";r=0;t=2'}, (0.0, 2.0)),
        ({"RateLimit": '"default";r=x;t=1'}, (None, None)),
        ({"RateLimit-Limit": "60", "RateLimit-Remaining": "0", "RateLimit-Reset": "7"}, (0, 7)),
        ({"RateLimit-Remaining": "nan", "RateLimit-Reset": "-1"}, (None, None)),
        ({}, (None, None)),
    ],
)
def test_rate_limit_headers_are_read(
    headers: dict[str, str], expected: tuple[float | None, float | None]
) -> None:
    assert parse_rate_limit(headers) == expected


def test_a_spent_quota_waits_for_the_reset_before_the_next_call(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, json={}, headers={"RateLimit": '"default";r=0;t=30'})
    mock.add("GET", URL, json={}, headers={"RateLimit": '"default";r=299;t=60'})
    waits: list[float] = []
    client = make_client(hooks=microblog.Hooks(on_rate_limit_wait=waits.append))

    client._request("GET", "/api/v1/me")
    assert fake_time.sleeps == []
    client._request("GET", "/api/v1/me")
    client._request("GET", "/api/v1/me")

    assert fake_time.sleeps == [30.0]
    assert waits == [30.0]


def test_the_older_headers_pace_too(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, json={}, headers={"RateLimit-Remaining": "0", "RateLimit-Reset": "4"})
    client = make_client()

    client._request("GET", "/api/v1/me")
    client._request("GET", "/api/v1/me")

    assert fake_time.sleeps == [4.0]


def test_a_spent_quota_raises_when_asked_not_to_wait(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, json={}, headers={"RateLimit": '"default";r=0;t=30'})
    client = make_client(wait_on_rate_limit=False)
    client._request("GET", "/api/v1/me")

    with pytest.raises(microblog.RateLimitError) as caught:
        client._request("GET", "/api/v1/me")

    assert caught.value.retry_after == 30.0
    assert caught.value.response is None
    assert len(mock.calls) == 1
    assert fake_time.sleeps == []


def test_a_reset_past_the_deadline_raises_without_a_request(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={}, headers={"RateLimit": '"default";r=0;t=30'})
    client = make_client(retry=microblog.Retry(deadline=5))
    client._request("GET", "/api/v1/me")

    with pytest.raises(microblog.RateLimitError):
        client._request("GET", "/api/v1/me")
    assert len(mock.calls) == 1


def test_a_reset_past_the_cap_is_not_believed_and_the_service_is_asked(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, json={}, headers={"RateLimit": '"default";r=0;t=30'})
    client = make_client(retry=microblog.Retry(max_retry_after=10))
    client._request("GET", "/api/v1/me")

    client._request("GET", "/api/v1/me")

    assert len(mock.calls) == 2
    assert fake_time.sleeps == []


def test_the_quota_clears_once_its_reset_has_passed(fake_time: FakeTime) -> None:
    quota = ServerQuota(fake_time.clock)
    quota.observe({"RateLimit": '"default";r=0;t=5'})
    assert quota.delay() == 5.0

    fake_time.now += 6

    assert quota.delay() == 0.0
    quota.observe({"Content-Type": "application/json"})  # no headers: no change
    quota.observe({"RateLimit": "garbage"})
    assert quota.delay() == 0.0


def test_the_bucket_allows_a_burst_then_spaces_calls(fake_time: FakeTime) -> None:
    bucket = TokenBucket(microblog.RateLimit(calls=2, period=1.0), fake_time.clock)

    assert [bucket.reserve(), bucket.reserve()] == [0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.5)
    assert bucket.reserve() == pytest.approx(1.0)  # queued behind the previous waiter

    fake_time.now += 10  # idle: refilled, but never above the burst size
    assert [bucket.reserve(), bucket.reserve(), bucket.reserve()] == [0.0, 0.0, 0.5]


def test_the_bucket_is_thread_safe(fake_time: FakeTime) -> None:
    bucket = TokenBucket(microblog.RateLimit(calls=10, period=1.0), fake_time.clock)
    delays: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(25):
            delay = bucket.reserve()
            with lock:
                delays.append(delay)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 200 reservations at a frozen clock: 10 free, then one every 0.1 s, none twice
    assert sorted(round(d, 6) for d in delays) == [0.0] * 10 + [
        round(0.1 * n, 6) for n in range(1, 191)
    ]


def test_the_client_paces_itself_with_rate_limit(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, json={})
    waits: list[float] = []
    client = make_client(
        rate_limit=microblog.RateLimit(calls=1, period=2.0),
        hooks=microblog.Hooks(on_rate_limit_wait=waits.append),
    )

    for _ in range(3):
        client._request("GET", "/api/v1/me")

    assert fake_time.sleeps == [2.0, 2.0]
    assert waits == [2.0, 2.0]


@pytest.mark.parametrize(("calls", "period"), [(0, 1.0), (-1, 1.0), (1, 0.0), (True, 1.0)])
def test_nonsense_rate_limits_are_refused(calls: int, period: float) -> None:
    with pytest.raises(ValueError, match="RateLimit"):
        microblog.RateLimit(calls, period)


def test_a_429_is_raised_at_once_when_asked_not_to_wait(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, status=429, headers={"Retry-After": "2"}, json={"code": "rate_limited"})

    with pytest.raises(microblog.RateLimitError) as caught:
        make_client(wait_on_rate_limit=False)._request("GET", "/api/v1/me")

    assert caught.value.retry_after == 2.0
    assert len(mock.calls) == 1
    assert fake_time.sleeps == []
