"""State the nodes share: one rate-limit quota, Idempotency-Key records, revocations
(a logout, and every other token of a user whose password changed)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.cluster.conftest import PASSWORD, Cluster
from tests.cluster.harness import Node

QUOTA = 12


def _me(base_url: str, token: str) -> int:
    response = requests.get(
        f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return response.status_code


def _count_until_refused(nodes: list[Node], token: str) -> int:
    """Call ``/me`` going round the nodes; return how many calls passed before a 429."""
    for calls in range(4 * QUOTA):
        status = _me(nodes[calls % len(nodes)].url, token)
        if status == 429:
            return calls
        assert status == 200
    return 4 * QUOTA


@pytest.fixture(scope="module", params=["redis", "memory"])
def quota_pair(
    request: pytest.FixtureRequest, cluster: Cluster
) -> Iterator[tuple[str, list[Node]]]:
    """Two more nodes with a small per-user quota: counted in Redis (the default with
    MICROBLOG_REDIS_URL), or in each process (MICROBLOG_RATE_LIMIT_STORAGE=memory://)."""
    overrides = {"MICROBLOG_RATE_LIMIT": f"{QUOTA}/3600"}
    if request.param == "memory":
        overrides["MICROBLOG_RATE_LIMIT_STORAGE"] = "memory://"
    pair = [cluster.node(**overrides), cluster.node(**overrides)]
    for node in pair:
        node.wait_live()
    yield request.param, pair
    for node in pair:
        node.stop()


def test_a_user_alternating_nodes_meets_the_quota_of_one_node(
    healthy: Cluster, quota_pair: tuple[str, list[Node]]
) -> None:
    storage, pair = quota_pair
    _, on_one = healthy.sign_up(pair[0].url)
    _, alternating = healthy.sign_up(pair[0].url)

    one_node = _count_until_refused(pair[:1], on_one)
    both_nodes = _count_until_refused(pair, alternating)

    assert one_node == QUOTA
    if storage == "redis":
        assert both_nodes == QUOTA  # one quota across nodes
    else:
        assert both_nodes == 2 * QUOTA  # the explicit setting wins: a quota per process


def test_an_idempotency_key_sent_to_one_node_replays_on_another(healthy: Cluster) -> None:
    username, token = healthy.sign_up()
    first, second = healthy.nodes[0], healthy.nodes[1]
    key = f"cluster-{uuid.uuid4()}"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    body = {"text": "written once, answered twice"}
    url = f"/api/v1/users/{username}/collection"

    created = requests.post(first.url + url, json=body, headers=headers, timeout=10)
    retried = requests.post(second.url + url, json=body, headers=headers, timeout=10)

    assert created.status_code == 201, created.text
    assert retried.status_code == 201
    assert retried.headers.get("Idempotent-Replayed") == "true"
    assert retried.json() == created.json()
    # The record lives in PostgreSQL, where every node finds it, and the write ran once.
    assert healthy.postgres.sql(f"SELECT count(*) FROM idempotency_keys WHERE key = '{key}'") == "1"
    count = healthy.postgres.sql(
        "SELECT count(*) FROM microposts m JOIN users u ON u.id = m.author_id "
        f"WHERE u.username = '{username}'"
    )
    assert count == "1"


def test_a_revoked_token_is_refused_by_every_node_within_100_ms(healthy: Cluster) -> None:
    _, token = healthy.sign_up()
    revoking, *others = healthy.nodes
    for node in healthy.nodes:  # every node's token cache now holds the token
        assert _me(node.url, token) == 200

    revoked = requests.delete(
        f"{revoking.url}/api/v1/token", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    returned = time.monotonic()

    assert revoked.status_code == 204, revoked.text
    assert _late_acceptances(others, token, since=returned) == []
    for node in healthy.nodes:
        assert _me(node.url, token) == 401


def test_a_password_change_revokes_the_other_tokens_on_every_node_within_100_ms(
    healthy: Cluster,
) -> None:
    username, changer = healthy.sign_up()
    elsewhere = healthy.log_in(username)  # another login of the same user
    changing, *others = healthy.nodes
    for node in healthy.nodes:  # every node's token cache now holds both tokens
        assert _me(node.url, changer) == 200
        assert _me(node.url, elsewhere) == 200

    changed = requests.patch(
        f"{changing.url}/api/v1/users/{username}",
        json={"password": "a-new-cluster-password", "current_password": PASSWORD},
        headers={"Authorization": f"Bearer {changer}"},
        timeout=10,
    )
    returned = time.monotonic()

    assert changed.status_code == 200, changed.text
    # The cut-off is in the database, but the other nodes had just checked the token and
    # kept it in their caches: the change must reach those caches too.
    assert _late_acceptances(others, elsewhere, since=returned) == []
    for node in healthy.nodes:
        assert _me(node.url, elsewhere) == 401
        assert _me(node.url, changer) == 200  # the request's own token goes on working


def _late_acceptances(nodes: list[Node], token: str, *, since: float) -> list[tuple[str, float]]:
    """Ask ``nodes`` for half a second; return each 200 given more than 100 ms after ``since``."""
    late: list[tuple[str, float]] = []
    while time.monotonic() - since < 0.5:
        for node in nodes:
            sent = time.monotonic() - since
            if _me(node.url, token) == 200 and sent > 0.1:
                late.append((node.name, round(sent, 3)))
    return late
