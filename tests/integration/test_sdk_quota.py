"""``client.quota`` against the reference service with its rate limit on, over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

import microblog
from microblog.testing import LocalServer

LIMIT, WINDOW = 40, 60


@pytest.fixture(scope="module")
def limited() -> Iterator[LocalServer]:
    with LocalServer(rate_limit=f"{LIMIT}/{WINDOW}") as server:
        yield server


@pytest.fixture
def token(limited: LocalServer, new_username: Callable[[], str]) -> str:
    username, password = limited.create_user(new_username())
    return limited.token_for(username, password)


def test_the_quota_is_the_services_announcement_and_copies_see_it(
    limited: LocalServer, token: str
) -> None:
    with microblog.Client(limited.url, token=token) as client:
        before = client.quota
        client.me()
        first = client.quota
        client.with_options(timeout=10).me()
        second = client.quota

    assert before is None
    assert first is not None
    assert second is not None
    assert (first.limit, first.remaining, first.window, first.policy) == (
        LIMIT,
        LIMIT - 1,
        float(WINDOW),
        "default",
    )
    assert second.remaining == LIMIT - 2
    assert first.resets_in is not None
    assert 0 <= first.resets_in <= WINDOW


def test_threads_sharing_a_client_read_whole_quotas(limited: LocalServer, token: str) -> None:
    seen: list[microblog.Quota | None] = []
    with microblog.Client(limited.url, token=token) as client:

        def work() -> None:
            for _ in range(3):
                client.me()
                seen.append(client.quota)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        final = client.quota

    assert len(seen) == 18
    assert all(q is not None and q.limit == LIMIT and q.policy == "default" for q in seen)
    remaining = {q.remaining for q in seen if q is not None}
    assert remaining <= set(range(LIMIT - 18, LIMIT))
    assert final is not None
    assert final.remaining >= LIMIT - 18
