# test_app_survives_faults.py
import secrets
from collections.abc import Iterator

import pytest

import microblog
from microblog.testing import LocalServer


def publish(client: microblog.Client, text: str) -> microblog.Micropost:
    """The app under test: it posts a note (yours does more)."""
    return client.microposts.create(text)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


@pytest.fixture
def waits() -> list[float]:
    return []  # the client's waits before retries, recorded instead of slept


@pytest.fixture
def client(server: LocalServer, waits: list[float]) -> Iterator[microblog.Client]:
    username, password = server.create_user(f"app_{secrets.token_hex(4)}")
    token = server.token_for(username, password)
    with microblog.Client(server.url, token=token, sleep=waits.append) as client:
        yield client
    server.clear_faults()  # a test that failed early leaves no fault behind


def my_texts(client: microblog.Client) -> list[str]:
    return [post.text for post in client.me().microposts()]


def test_survives_a_503_burst(
    server: LocalServer, client: microblog.Client, waits: list[float]
) -> None:
    server.inject(503, times=2, method="POST")

    publish(client, "through the outage")

    assert my_texts(client) == ["through the outage"]
    assert len(waits) == 2  # two backoffs, none of them slept


def test_waits_as_long_as_a_429_asks(
    server: LocalServer, client: microblog.Client, waits: list[float]
) -> None:
    server.inject(429, headers={"Retry-After": "3"}, method="POST")

    publish(client, "after the wait")

    assert waits == [3.0]
    assert my_texts(client) == ["after the wait"]


def test_a_lost_create_is_not_duplicated(server: LocalServer, client: microblog.Client) -> None:
    lost = server.inject(drop="after", method="POST")

    post = publish(client, "exactly once")

    assert lost.hits == 1  # the service stored the post, and its answer was lost
    assert post.text == "exactly once"  # the retry, with the same Idempotency-Key ...
    assert my_texts(client) == ["exactly once"]  # ... got the stored answer: no duplicate
