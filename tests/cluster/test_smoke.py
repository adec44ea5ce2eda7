"""The cluster starts, and HAProxy spreads requests over every node."""

from __future__ import annotations

import requests

from tests.cluster.conftest import Cluster


def test_the_balancer_reaches_every_node(healthy: Cluster) -> None:
    _, token = healthy.sign_up()
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(6):
        response = requests.get(f"{healthy.balancer.url}/api/v1/me", headers=headers, timeout=10)
        assert response.status_code == 200
    for node in healthy.nodes:
        assert "GET /api/v1/me 200" in node.log()
