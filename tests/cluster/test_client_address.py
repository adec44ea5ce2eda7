"""Behind HAProxy the nodes see each client's own address, from HAProxy only.

A node with the shipped login limits (10 logins per address and minute, 5 failures per
account and minute) behind HAProxy on the shipped configuration: one attacker's guesses
use up the attacker's quota and the account's failure budget, not everyone's. Before,
every client had HAProxy's address: the attacker's tenth guess locked every user out,
and the owner's "known" address was HAProxy's, so it exempted the attacker too.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.cluster.clients import Answer, request
from tests.cluster.conftest import PASSWORD, Cluster
from tests.cluster.harness import Node

ATTACKER, OWNER, BYSTANDER, SPOOFER = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _login(base_url: str, username: str, password: str, source: str, **headers: str) -> Answer:
    form = urlencode({"grant_type": "password", "username": username, "password": password})
    return request(
        base_url,
        "POST",
        "/api/v1/token",
        source=source,
        headers={**FORM, **headers},
        body=form.encode(),
    )


@pytest.fixture(scope="module")
def limited(cluster: Cluster) -> Node:
    """One more node, with the shipped login limits (the cluster's are off)."""
    node = cluster.node(
        MICROBLOG_RATE_LIMIT_LOGIN="10/60", MICROBLOG_RATE_LIMIT_LOGIN_ACCOUNT="5/60"
    )
    node.wait_live()
    return node


def test_one_attackers_guesses_lock_out_neither_the_owner_nor_anyone_else(
    cluster: Cluster, limited: Node
) -> None:
    owner, _ = cluster.sign_up(limited.url)
    bystander, _ = cluster.sign_up(limited.url)
    with cluster.edge(nodes=[limited] * 3) as edge:
        assert _login(edge.url, owner, PASSWORD, OWNER).status == 200  # the owner's address

        guesses = [_login(edge.url, owner, f"guess-{n}", ATTACKER).status for n in range(12)]

        assert guesses[:5] == [400] * 5
        assert set(guesses[5:]) == {429}  # the account's budget, then the attacker's quota
        assert _login(edge.url, owner, PASSWORD, OWNER).status == 200
        assert _login(edge.url, bystander, PASSWORD, BYSTANDER).status == 200
        # The account's budget holds back a new address, even with the right password.
        assert _login(edge.url, owner, PASSWORD, "127.0.0.6").status == 429


def test_a_forwarded_address_from_anyone_but_the_balancer_is_ignored(
    cluster: Cluster, limited: Node
) -> None:
    # Straight to the node, each request claiming another client address: all of them
    # count against the connection's own address, whose quota (10) runs out.
    statuses = [
        _login(limited.url, f"ghost{n}", "wrong", SPOOFER, **{"X-Forwarded-For": f"198.51.100.{n}"})
        for n in range(11)
    ]

    assert [answer.status for answer in statuses] == [400] * 10 + [429]


def test_the_balancer_replaces_a_forwarded_address_its_client_sent(
    cluster: Cluster, limited: Node
) -> None:
    # Through HAProxy, a client's own X-Forwarded-For does not make it someone else.
    with cluster.edge(nodes=[limited] * 3) as edge:
        statuses = [
            _login(
                edge.url, f"spook{n}", "wrong", "127.0.0.7", **{"X-Forwarded-For": f"203.0.113.{n}"}
            )
            for n in range(11)
        ]

    assert [answer.status for answer in statuses] == [400] * 10 + [429]
