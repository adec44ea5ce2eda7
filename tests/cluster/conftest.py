"""The test cluster: PostgreSQL, Redis, three service nodes and HAProxy, once for the folder.

Skipped, saying why, where PostgreSQL, redis-server or HAProxy is missing and cannot be
installed (root with apt-get installs them, as ``.ci/run`` does).
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.cluster.harness import (
    HAProxy,
    Node,
    Postgres,
    Redis,
    UnavailableError,
    deployment_python,
    ensure_installed,
    http_status,
    node_settings,
    wait_for,
)
from tests.cluster.stack import running_cluster

PASSWORD = "cluster-password"
#: What the tests change from deploy/node.env: cheap password hashing, and quotas that
#: 16 threads of load do not reach (the quota test starts its own nodes).
TEST_SETTINGS = {
    "MICROBLOG_RATE_LIMIT": "100000/60",
    "MICROBLOG_RATE_LIMIT_ANONYMOUS": "off",
    "MICROBLOG_RATE_LIMIT_LOGIN": "off",
    "MICROBLOG_PASSWORD_HASH_TIME_COST": "1",
    "MICROBLOG_PASSWORD_HASH_MEMORY_COST": "8",
    "MICROBLOG_PASSWORD_HASH_PARALLELISM": "1",
}
_names = itertools.count()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``cluster``, and keep them on one xdist worker."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.cluster)
            item.add_marker(pytest.mark.xdist_group("cluster"))  # one cluster, not one each


@dataclass
class Cluster:
    """The running parts, and helpers to use them."""

    postgres: Postgres
    redis: Redis
    nodes: list[Node]
    balancer: HAProxy
    python: str
    extra: list[Node] = field(default_factory=list)

    def node(self, **overrides: str) -> Node:
        """Start one more node on the same PostgreSQL and Redis (stopped at the end)."""
        settings = node_settings(
            self.postgres,
            self.redis,
            public_base_url=self.balancer.url,
            **{**TEST_SETTINGS, **overrides},
        )
        node = Node(f"extra{len(self.extra)}", self.python, settings)
        self.extra.append(node)
        node.start(wait=False)
        return node

    @contextmanager
    def edge(
        self, settings: dict[str, str] | None = None, nodes: list[Node] | None = None
    ) -> Iterator[HAProxy]:
        """Run one more HAProxy on the shipped configuration, with ``settings`` set.

        In front of ``nodes`` (the cluster's three by default; one node given three times
        makes one a whole backend); stopped at the end of the block.
        """
        balancer = HAProxy(nodes or self.nodes, settings=dict(settings or {}))
        balancer.start()
        try:
            yield balancer
        finally:
            balancer.stop()
            balancer.log_path.unlink(missing_ok=True)

    def sign_up(self, base_url: str | None = None) -> tuple[str, str]:
        """Create a fresh user; return (username, token)."""
        base = base_url or self.balancer.url
        username = f"cl_{int(time.time()) % 100000}_{next(_names)}"
        created = requests.post(
            f"{base}/api/v1/users", json={"username": username, "password": PASSWORD}, timeout=30
        )
        assert created.status_code == 201, created.text
        return username, self.log_in(username, base)

    def log_in(self, username: str, base_url: str | None = None) -> str:
        """Return a new token for ``username``."""
        base = base_url or self.balancer.url
        form = {"grant_type": "password", "username": username, "password": PASSWORD}
        response = requests.post(f"{base}/api/v1/token", data=form, timeout=30)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def heal(self) -> None:
        """Bring every part back up and wait until HAProxy routes to every node again."""
        restarted = False
        if self.postgres.process is None:
            self.postgres.start()
            restarted = True
        if self.redis.process is None:
            self.redis.start()
            restarted = True
        for node in self.nodes:
            if node.process is None or node.process.poll() is not None:
                node.process = None
                node.start()
                restarted = True
        for node in self.nodes:
            wait_for(
                lambda node=node: http_status(f"{node.url}/health") == 200,  # type: ignore[misc]
                timeout=30,
                what=f"{node.name} health",
            )
        if restarted:
            time.sleep(2.5)  # HAProxy: 2 passing checks 1 s apart, plus a margin


@pytest.fixture(scope="package")
def cluster() -> Iterator[Cluster]:
    """PostgreSQL, Redis, three nodes (on the locked dependencies) and HAProxy.

    Package-scoped: torn down when this folder's tests are done, so its processes do not
    load the machine under the rest of the suite (timing-sensitive tests among them).
    """
    try:
        ensure_installed()
    except UnavailableError as reason:
        pytest.skip(f"no test cluster: {reason}")
    cache = Path(tempfile.gettempdir()) / "microblog-cluster-cache"
    cache.mkdir(exist_ok=True)
    python = deployment_python(cache)
    with running_cluster(python, TEST_SETTINGS) as parts:
        running = Cluster(parts.postgres, parts.redis, parts.nodes, parts.balancer, python)
        try:
            yield running
        finally:
            for node in running.extra:
                node.stop()
                node.log_path.unlink(missing_ok=True)


@pytest.fixture
def healthy(cluster: Cluster) -> Cluster:
    """The cluster with every part up (a test before may have stopped one)."""
    cluster.heal()
    return cluster
