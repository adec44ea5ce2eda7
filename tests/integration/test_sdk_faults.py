"""The SDK's promises under faults the local service injects (LocalServer.inject).

Real HTTP on 127.0.0.1 against the reference service; the retry waits are recorded by an
injected ``sleep``, never slept.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

import microblog
from microblog.testing import LocalServer

POLICY = microblog.Retry(max_retries=3, backoff_base=0.5, jitter=0.0)


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(server: LocalServer, waits: list[float]) -> Iterator[microblog.Client]:
    username, password = server.create_user(f"faults_{secrets.token_hex(4)}")
    token = server.token_for(username, password)
    with microblog.Client(server.url, token=token, retry=POLICY, sleep=waits.append) as client:
        yield client
    server.clear_faults()


def texts(client: microblog.Client) -> list[str]:
    return [post.text for post in client.me().microposts()]


def test_a_create_whose_answer_is_lost_is_retried_with_its_key_and_stored_once(
    server: LocalServer, client: microblog.Client, waits: list[float]
) -> None:
    fault = server.inject(drop="after", method="POST", path="/api/v1/users/")

    post = client.microposts.create("exactly once")

    assert post.text == "exactly once"
    assert fault.hits == 1
    assert waits == [POLICY.backoff(1, 0.0)]
    assert texts(client) == ["exactly once"]


def test_a_batch_whose_answer_is_lost_is_stored_once(
    server: LocalServer, client: microblog.Client
) -> None:
    server.inject(drop="after", method="POST")

    posts = client.microposts.create_many(["one", "two"])

    assert [post.text for post in posts] == ["one", "two"]
    assert sorted(texts(client)) == ["one", "two"]


def test_a_create_dropped_before_the_service_saw_it_is_retried_and_stored_once(
    server: LocalServer, client: microblog.Client
) -> None:
    fault = server.inject(drop="before", method="POST")

    client.microposts.create("second try")

    assert fault.hits == 1
    assert texts(client) == ["second try"]


def test_without_retries_a_lost_create_raises_but_was_stored(
    server: LocalServer, client: microblog.Client
) -> None:
    server.inject(drop="after", method="POST")

    with pytest.raises(microblog.APIConnectionError) as caught:
        client.with_options(max_retries=0).microposts.create("maybe applied")

    assert not isinstance(caught.value, microblog.APIError)
    assert texts(client) == ["maybe applied"]


def test_a_503_burst_is_waited_out_with_backoff(
    server: LocalServer, client: microblog.Client, waits: list[float]
) -> None:
    server.inject(503, times=3, path="/api/v1/me")

    assert client.me().username.startswith("faults_")
    assert waits == [POLICY.backoff(n, 0.0) for n in (1, 2, 3)]


def test_a_503_burst_longer_than_the_retries_raises_with_the_request_id(
    server: LocalServer, client: microblog.Client, waits: list[float]
) -> None:
    fault = server.inject(503, times=None, path="/api/v1/me")

    with pytest.raises(microblog.ServerError) as caught:
        client.me()

    assert fault.hits == POLICY.max_attempts
    assert caught.value.code == "unavailable"
    assert caught.value.request_id
    assert len(waits) == POLICY.max_retries


def test_a_429_waits_for_its_retry_after(
    server: LocalServer, client: microblog.Client, waits: list[float]
) -> None:
    server.inject(429, headers={"Retry-After": "4"}, method="POST")

    client.microposts.create("after the wait")

    assert waits == [4.0]
    assert texts(client) == ["after the wait"]


def test_an_injected_announcement_is_the_clients_quota(
    server: LocalServer, client: microblog.Client
) -> None:
    headers = {
        "RateLimit-Policy": '"default";q=100;w=60',
        "RateLimit": '"default";r=0;t=30',
        "Retry-After": "30",
    }
    server.inject(429, headers=headers)

    with pytest.raises(microblog.RateLimitError):
        client.with_options(max_retries=0).me()

    quota = client.quota
    assert quota is not None
    assert (quota.limit, quota.remaining, quota.window, quota.policy) == (100, 0, 60.0, "default")
    assert quota.resets_in is not None
    assert 0 < quota.resets_in <= 30
