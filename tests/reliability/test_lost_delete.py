"""A DELETE whose answer never arrives, through the fault proxy and the reference service.

The service deletes the micropost, the answer is lost (dropped, held past the read
timeout, or replaced by a 503), the retry gets 404: ``delete()`` returns, as the delete
was done, and the micropost is gone. A DELETE of a micropost already gone, with nothing
lost, still raises NotFoundError.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import microblog
from microblog.testing import LocalServer

from .conftest import NewAccount
from .fault_proxy import Fault, FaultProxy, FaultRule

TIMEOUT = microblog.Timeout(connect=0.5, read=0.3)
POLICY = microblog.Retry(max_retries=3, backoff_base=0.05, backoff_max=1.0, jitter=0.0)


def is_delete(method: str, path: str) -> bool:
    return method == "DELETE" and "/collection/" in path


def deletes_seen(proxy: FaultProxy) -> int:
    return sum(is_delete(method, path) for method, path in proxy.plan.seen)


def test_a_delete_whose_answer_is_lost_returns_and_the_micropost_is_gone(
    server: LocalServer, proxy: FaultProxy, new_account: NewAccount
) -> None:
    me = new_account()
    with microblog.Client(server.url, token=me.token) as clean:
        post_id = clean.microposts.create("soon gone").id
    proxy.plan.drop_response.append(is_delete)
    sleeps: list[float] = []

    with microblog.Client(
        proxy.url, token=me.token, timeout=TIMEOUT, retry=POLICY, sleep=sleeps.append
    ) as client:
        client.microposts.get(post_id).delete()

    assert deletes_seen(proxy) == 2
    assert sleeps == [POLICY.backoff(1, 0.0)]
    with microblog.Client(server.url, token=me.token) as clean:
        with pytest.raises(microblog.NotFoundError):
            clean.microposts.get(post_id)
        assert clean.me().microposts_count == 0


def _stall() -> FaultRule:
    return FaultRule(Fault.STALL, times=1)


def _server_error_after_the_work() -> FaultRule:
    return FaultRule(Fault.STATUS, times=1, status=503, forward=True)


@pytest.mark.parametrize("rule", [_stall, _server_error_after_the_work], ids=["stall", "503"])
def test_a_delete_done_but_unanswered_in_time_or_answered_5xx_returns(
    server: LocalServer,
    proxy: FaultProxy,
    new_account: NewAccount,
    rule: Callable[[], FaultRule],
) -> None:
    me = new_account()
    with microblog.Client(server.url, token=me.token) as clean:
        post_id = clean.microposts.create("soon gone").id
    proxy.plan.add(rule()).match = is_delete

    with microblog.Client(
        proxy.url, token=me.token, timeout=TIMEOUT, retry=POLICY, sleep=lambda _: None
    ) as client:
        client.microposts.get(post_id).delete()

    assert deletes_seen(proxy) == 2
    with (
        microblog.Client(server.url, token=me.token) as clean,
        pytest.raises(microblog.NotFoundError),
    ):
        clean.microposts.get(post_id)


def test_deleting_a_micropost_already_gone_with_nothing_lost_raises_not_found(
    server: LocalServer, proxy: FaultProxy, new_account: NewAccount
) -> None:
    me = new_account()
    with microblog.Client(proxy.url, token=me.token, retry=POLICY, sleep=lambda _: None) as client:
        post = client.microposts.create("soon gone")
        post.delete()

        with pytest.raises(microblog.NotFoundError):
            post.delete()

    assert deletes_seen(proxy) == 2
