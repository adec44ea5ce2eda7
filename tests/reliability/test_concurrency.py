"""One client shared by 16 threads doing hundreds of mixed calls: consistent, and quiet.

Reads, creates, ``save()`` races on shared microposts and follows run at once on ONE
client with ``pool_size=16``. The only error a thread may see is the
``PreconditionFailedError`` of a lost save race, handled by refresh-and-retry. Afterwards
the counts the service reports match what it lists, and urllib3 never had to discard a
connection because the pool was full.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

import microblog
from microblog.testing import LocalServer

from .conftest import Account, NewAccount

THREADS = 16
CALLS = 40
SHARED = 4
TARGETS = 6
POOL_FULL = "Connection pool is full"


@dataclass
class Tally:
    """What one thread did."""

    created: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)
    lost_races: int = 0


def _save_until_it_wins(client: microblog.Client, post_id: int, text: str, tally: Tally) -> None:
    post = client.microposts.get(post_id)
    for _ in range(100):
        post.text = text
        try:
            post.save()
        except microblog.PreconditionFailedError:
            tally.lost_races += 1
            post.refresh()
        else:
            tally.saved.append(text)
            return
    pytest.fail(f"save of micropost {post_id} lost 100 races in a row")


def _mixed_calls(
    client: microblog.Client, me: str, shared: list[int], targets: list[str], thread: int
) -> Tally:
    tally = Tally()
    myself = client.users.get(me)
    for call in range(CALLS):
        kind, post_id = call % 6, shared[(thread + call // 6) % SHARED]
        if kind == 0:
            assert client.microposts.get(post_id).id == post_id
        elif kind == 1:
            text = f"thread {thread} call {call}"
            client.microposts.create(text)
            tally.created.append(text)
        elif kind == 2:
            _save_until_it_wins(client, post_id, f"saved {thread}-{call}", tally)
        elif kind == 3:
            myself.follow(targets[(thread + call) % TARGETS])
        elif kind == 4:
            assert len(list(client.microposts.list(author=me, limit=5))) == 5
        else:
            assert client.me().username == me
    return tally


def test_one_client_shared_by_16_threads_stays_consistent_without_pool_warnings(
    server: LocalServer, new_account: NewAccount, caplog: pytest.LogCaptureFixture
) -> None:
    me = new_account()
    targets = [new_account() for _ in range(TARGETS)]
    caplog.set_level(logging.WARNING, logger="urllib3")
    client = microblog.Client(server.url, token=me.token, pool_size=THREADS)
    shared = [client.microposts.create(f"shared {n}").id for n in range(SHARED)]
    names = [target.username for target in targets]

    with client, ThreadPoolExecutor(THREADS) as pool:
        tallies = list(
            pool.map(
                lambda thread: _mixed_calls(client, me.username, shared, names, thread),
                range(THREADS),
            )
        )

    assert not [r for r in caplog.records if POOL_FULL in r.getMessage()]
    created = [text for tally in tallies for text in tally.created]
    saved = {text for tally in tallies for text in tally.saved}
    assert len(saved) == THREADS * len(range(2, CALLS, 6))  # every save won in the end
    with microblog.Client(server.url, token=me.token) as clean:
        _assert_counts_match_lists(clean, me, targets)
        listed = {post.id: post.text for post in clean.microposts.list(author=me.username)}
    assert sorted(text for text in listed.values() if text.startswith("thread ")) == sorted(created)
    assert all(listed[post_id] in saved for post_id in shared)


def _assert_counts_match_lists(
    clean: microblog.Client, me: Account, targets: list[Account]
) -> None:
    mine = clean.users.get(me.username)
    assert mine.microposts_count == len(list(mine.microposts(size=100)))
    assert mine.following_count == len(list(mine.following())) == TARGETS
    for target in targets:
        user = clean.users.get(target.username)
        followers = [follower.username for follower in user.followers()]
        assert user.followers_count == len(followers)
        assert followers == [me.username]


def test_the_pool_check_catches_an_undersized_pool(
    server: LocalServer, new_account: NewAccount, caplog: pytest.LogCaptureFixture
) -> None:
    me = new_account()
    caplog.set_level(logging.WARNING, logger="urllib3")
    client = microblog.Client(server.url, token=me.token, pool_size=1)

    with client, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.me(), range(64)))

    assert [r for r in caplog.records if POOL_FULL in r.getMessage()]
