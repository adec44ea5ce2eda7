"""Redis as deployed: it asks for a password, and a message no node wrote harms no node."""

from __future__ import annotations

import socket

import redis
import requests

from tests.cluster.conftest import Cluster
from tests.cluster.harness import wait_for

CHANNEL = "microblog:revocations"
IGNORED = "a message on microblog:revocations that the service did not write"


def _listener(base_url: str) -> str:
    checks = requests.get(f"{base_url}/health", timeout=10).json()["checks"]
    return str(checks["revocations:listener"][0]["status"])


def test_redis_refuses_a_client_without_the_password_and_the_nodes_have_it(
    healthy: Cluster,
) -> None:
    with socket.create_connection(("127.0.0.1", healthy.redis.port), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        answer = sock.recv(64)

    assert answer.startswith(b"-NOAUTH"), answer
    assert healthy.nodes[0].settings["MICROBLOG_REDIS_URL"].startswith("redis://:")
    for node in healthy.nodes:
        checks = requests.get(f"{node.url}/health", timeout=10).json()["checks"]
        assert checks["redis:responseTime"][0]["status"] == "pass"


def test_a_forged_revocation_message_is_ignored_and_logged_once(healthy: Cluster) -> None:
    # Before: b"\xff\xfe" killed the revocation listener of every node (a decoding error
    # in its thread) while /health said pass.
    before = [len(node.log()) for node in healthy.nodes]
    client = redis.Redis.from_url(healthy.redis.url)
    try:
        for forged in (b"\xff\xfe", b"token:not-a-digest", b"user:-1", b"\x00" * 5000):
            # Every node hears it (the cluster's three, and any another test started).
            assert client.publish(CHANNEL, forged) >= len(healthy.nodes)
        _, token = healthy.sign_up()
        # The listeners still hear the service's own announcements: a logout through one
        # node is a 401 at once on another that had the token cached.
        headers = {"Authorization": f"Bearer {token}"}
        first, second = healthy.nodes[0], healthy.nodes[1]
        assert requests.get(f"{second.url}/api/v1/me", headers=headers, timeout=10).ok
        assert requests.delete(f"{first.url}/api/v1/token", headers=headers, timeout=10).ok
        wait_for(
            lambda: (
                requests.get(f"{second.url}/api/v1/me", headers=headers, timeout=10).status_code
                == 401
            ),
            timeout=1,
            what="revocation heard",
        )
    finally:
        client.close()

    for node, start in zip(healthy.nodes, before, strict=True):
        assert _listener(node.url) == "pass"
        log = node.log()[start:]
        assert log.count(IGNORED) == 1, log
        assert "Traceback" not in log
