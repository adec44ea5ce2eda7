"""A whole cluster at once: PostgreSQL, Redis, three nodes and HAProxy in front of them.

The cluster tests' fixture, the cluster benchmark and the cluster load run all bring up
the same thing; :func:`running_cluster` is that, and takes it all down again however the
block ends.
"""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.cluster.harness import (
    ROOT,
    HAProxy,
    Node,
    Postgres,
    Redis,
    node_settings,
    start_nodes,
)
from tests.processes import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["MEASURING", "RunningCluster", "manage", "running_cluster"]

#: What a measurement changes from deploy/node.env: no quotas (the load comes from one
#: address) and cheap password hashing (every user logs in before the measured part).
MEASURING = {
    "MICROBLOG_RATE_LIMIT": "off",
    "MICROBLOG_RATE_LIMIT_ANONYMOUS": "off",
    "MICROBLOG_RATE_LIMIT_LOGIN": "off",
    "MICROBLOG_PASSWORD_HASH_TIME_COST": "1",
    "MICROBLOG_PASSWORD_HASH_MEMORY_COST": "8",
    "MICROBLOG_PASSWORD_HASH_PARALLELISM": "1",
}


@dataclass
class RunningCluster:
    """The parts of a running cluster."""

    postgres: Postgres
    redis: Redis
    nodes: list[Node]
    balancer: HAProxy


def manage(python: str, settings: dict[str, str], *commands: str) -> None:
    """Run ``microblog-server COMMAND`` (``migrate``, ``seed``) once each with ``settings``.

    Raises:
        RuntimeError: A command failed (its output is in the message).
    """
    env = {**settings, "PYTHONPATH": str(ROOT / "src")}
    for command in commands:
        result = subprocess.run(
            [python, "-m", "microblog_server", command],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            msg = f"microblog-server {command} failed:\n{result.stdout}{result.stderr}"
            raise RuntimeError(msg)


@contextmanager
def running_cluster(
    python: str, settings: dict[str, str], *, prepare: Sequence[str] = ("migrate",)
) -> Iterator[RunningCluster]:
    """Start PostgreSQL, Redis, three nodes and HAProxy; stop them all when the block ends.

    Args:
        python: The Python of the deployment's environment (``deployment_python``).
        settings: What the nodes change from ``deploy/node.env``.
        prepare: The ``microblog-server`` commands run once before any node starts (the
            nodes do not migrate).

    Yields:
        The running parts; the balancer's URL is the nodes' public base URL.
    """
    postgres, redis = Postgres(), Redis()
    nodes: list[Node] = []
    balancer: HAProxy | None = None
    try:
        postgres.create()
        redis.start()
        lb_port = free_port()  # known before the nodes: their links name the balancer
        node_env = node_settings(
            postgres, redis, public_base_url=f"http://127.0.0.1:{lb_port}", **settings
        )
        manage(python, node_env, *prepare)
        nodes = [Node(f"node{n}", python, dict(node_env)) for n in (1, 2, 3)]
        start_nodes(nodes)
        balancer = HAProxy(nodes, port=lb_port)
        balancer.start()
        yield RunningCluster(postgres, redis, nodes, balancer)
    finally:
        if balancer is not None:
            balancer.stop()
            balancer.log_path.unlink(missing_ok=True)
        for node in nodes:
            node.stop()
            node.log_path.unlink(missing_ok=True)
        redis.stop()
        postgres.destroy()
