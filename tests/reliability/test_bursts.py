"""Bursts of 503s under many threads: every call still succeeds, and no create is doubled."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import microblog
from microblog.testing import LocalServer

from .conftest import NewAccount
from .fault_proxy import Fault, FaultProxy, FaultRule

THREADS = 16
CALLS = 24
POLICY = microblog.Retry(max_retries=3, backoff_base=0.01)


def test_a_burst_of_503s_under_16_threads_ends_in_success_without_duplicate_creates(
    server: LocalServer, proxy: FaultProxy, new_account: NewAccount
) -> None:
    me = new_account()
    with microblog.Client(server.url, token=me.token) as clean:
        seed = clean.microposts.create("seed")
    # ~30% of requests answer 503 after the service did the work, never more often for
    # one logical call than the policy retries, so every call can end in success.
    burst = proxy.plan.add(
        FaultRule(
            Fault.STATUS,
            times=None,
            probability=0.3,
            seed=20261123,
            per_request=POLICY.max_retries,
            forward=True,
        )
    )
    sleeps: list[float] = []
    retries: list[microblog.RetryEvent] = []
    client = microblog.Client(
        proxy.url,
        token=me.token,
        retry=POLICY,
        pool_size=THREADS,
        sleep=sleeps.append,
        hooks=microblog.Hooks(on_retry=retries.append),
    )

    def work(thread: int) -> list[str]:
        created = []
        for call in range(CALLS):
            if call % 2:
                assert client.microposts.get(seed.id).id == seed.id
            else:
                text = f"burst {thread}-{call}"
                assert client.microposts.create(text).text == text
                created.append(text)
        return created

    with client, ThreadPoolExecutor(THREADS) as pool:
        created = [text for texts in pool.map(work, range(THREADS)) for text in texts]

    assert len(created) == THREADS * CALLS // 2
    assert 0.2 < burst.hits / len(proxy.plan.seen) < 0.4
    assert len(retries) == len(sleeps) == burst.hits
    with microblog.Client(server.url, token=me.token) as clean:
        listed = [post.text for post in clean.microposts.list(author=me.username, size=100)]
        assert clean.me().microposts_count == len(listed)
    assert sorted(listed) == sorted([*created, "seed"])
