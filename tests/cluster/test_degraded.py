"""A dependency down: Redis (the nodes keep serving), PostgreSQL (503, never a 500)."""

from __future__ import annotations

import requests

from tests.cluster.conftest import Cluster
from tests.cluster.harness import http_status, wait_for


def _health(url: str) -> requests.Response:
    return requests.get(f"{url}/health", timeout=10)


def test_without_redis_every_node_serves_and_says_so(healthy: Cluster) -> None:
    username, token = healthy.sign_up()
    headers = {"Authorization": f"Bearer {token}"}
    healthy.redis.stop()
    try:
        for node in healthy.nodes:
            wait_for(
                lambda node=node: _health(node.url).json()["status"] == "warn",  # type: ignore[misc]
                timeout=10,
                what="health warn",
            )
            check = _health(node.url).json()["checks"]["redis:responseTime"][0]
            assert check["status"] == "warn"
            assert "rate limits count per node" in check["output"]
        # Reads and writes through the balancer go on (rate limits count per node).
        for n in range(6):
            created = requests.post(
                f"{healthy.balancer.url}/api/v1/users/{username}/collection",
                json={"text": f"no redis {n}"},
                headers=headers,
                timeout=10,
            )
            assert created.status_code == 201, created.text
        # Revocation stays immediate: the token caches answer nothing without Redis.
        revoked = requests.delete(
            f"{healthy.nodes[0].url}/api/v1/token", headers=headers, timeout=10
        )
        assert revoked.status_code == 204
        for node in healthy.nodes:
            me = requests.get(f"{node.url}/api/v1/me", headers=headers, timeout=10)
            assert me.status_code == 401
    finally:
        healthy.redis.start()
    for node in healthy.nodes:
        wait_for(
            lambda node=node: _health(node.url).json()["status"] == "pass",  # type: ignore[misc]
            timeout=10,
            what="health pass",
        )
        wait_for(
            lambda node=node: "hearing revocations through Redis again" in node.log(),  # type: ignore[misc]
            timeout=10,
            what="subscription",
        )
        log = node.log()
        assert "Traceback" not in log
        assert log.count("revocations through Redis unheard") == 1


def test_without_postgresql_nodes_answer_503_and_leave_the_balancer(healthy: Cluster) -> None:
    _, token = healthy.sign_up()
    headers = {"Authorization": f"Bearer {token}"}
    before = [len(node.log()) for node in healthy.nodes]
    healthy.postgres.stop()
    try:
        for node in healthy.nodes:
            health = _health(node.url)
            assert health.status_code == 503
            assert health.json()["status"] == "fail"
            assert health.headers["Retry-After"]
            for _ in range(5):
                me = requests.get(f"{node.url}/api/v1/me", headers=headers, timeout=10)
                assert me.status_code == 503
                assert me.headers["Retry-After"]
                assert me.json()["code"] == "unavailable"
        # Three failed health checks: HAProxy takes every node out, and answers itself.
        wait_for(
            lambda: http_status(f"{healthy.balancer.url}/health/live") == 503,
            timeout=10,
            what="every node out",
        )
        through = requests.get(f"{healthy.balancer.url}/api/v1/me", headers=headers, timeout=10)
        assert through.status_code == 503
        assert through.headers["Content-Type"] == "application/problem+json"
        assert through.headers["Retry-After"] == "5"
        assert through.json()["code"] == "unavailable"
    finally:
        healthy.postgres.start()
    for node in healthy.nodes:
        wait_for(lambda node=node: http_status(f"{node.url}/health") == 200, timeout=15, what="db")  # type: ignore[misc]
    balancer = f"{healthy.balancer.url}/health/live"
    wait_for(lambda: http_status(balancer) == 200, timeout=10, what="balancer")  # nodes back in
    for node, start in zip(healthy.nodes, before, strict=True):
        log = node.log()[start:]
        # The access log says what the client got; one line tells of the outage.
        assert "GET /api/v1/me 503" in log
        assert " 500 " not in log
        assert "Traceback" not in log
        assert "Exception in ASGI application" not in log
        assert log.count("database unavailable (") == 1
        assert "database available again" in log
