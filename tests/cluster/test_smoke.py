"""The cluster starts, and HAProxy spreads requests over every node."""

from __future__ import annotations

import requests
from alembic.script import ScriptDirectory

from microblog_server.persistence.migrate import MIGRATIONS
from tests.cluster.conftest import Cluster


def test_the_balancer_reaches_every_node(healthy: Cluster) -> None:
    _, token = healthy.sign_up()
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(6):
        response = requests.get(f"{healthy.balancer.url}/api/v1/me", headers=headers, timeout=10)
        assert response.status_code == 200
    for node in healthy.nodes:
        assert "GET /api/v1/me 200" in node.log()


def test_the_one_migration_run_reached_the_single_head(healthy: Cluster) -> None:
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()

    assert len(heads) == 1  # two heads would make `migrate` refuse to choose
    assert healthy.postgres.sql("SELECT version_num FROM alembic_version") == heads[0]


def test_links_name_the_public_origin_whatever_host_a_client_sends(healthy: Cluster) -> None:
    username, token = healthy.sign_up()
    headers = {"Authorization": f"Bearer {token}", "Host": "attacker.example"}
    created = requests.post(
        f"{healthy.balancer.url}/api/v1/users/{username}/collection",
        json={"text": "where do my links point?"},
        headers=headers,
        timeout=10,
    )

    assert created.status_code == 201, created.text
    assert created.headers["Location"].startswith(f"{healthy.balancer.url}/api/v1/")
