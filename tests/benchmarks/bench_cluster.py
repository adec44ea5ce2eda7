"""The cluster through HAProxy with wrk: 3 nodes on PostgreSQL and Redis, against one node.

Usage (PostgreSQL, redis-server and HAProxy as for ``tests/cluster``; not part of
``python -m tests.benchmarks``, which needs none of them)::

    .venv/bin/python -m tests.benchmarks.bench_cluster [seconds per round (4)] [rounds (3)]

The deployment of ``tests/cluster`` (``deploy/node.env``, ``deploy/haproxy.cfg``; each node
one ``serve`` worker), rate limits off and cheap password hashing as in the service
benchmark. The same three requests as :mod:`tests.benchmarks.bench_service`, with wrk
(16 connections), in interleaved rounds: through HAProxy to the three nodes, and straight
to one of them (the same database and Redis). Prints a Markdown table, best round of each.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.bench_service import Sample, best_sample, interleave, loads_at, seed
from tests.cluster.harness import (
    ROOT,
    HAProxy,
    Node,
    Postgres,
    Redis,
    deployment_python,
    ensure_installed,
    free_port,
    node_settings,
    start_nodes,
)

__all__ = ["main"]

SETTINGS = {
    "MICROBLOG_RATE_LIMIT": "off",
    "MICROBLOG_RATE_LIMIT_ANONYMOUS": "off",
    "MICROBLOG_RATE_LIMIT_LOGIN": "off",
    "MICROBLOG_PASSWORD_HASH_TIME_COST": "1",
    "MICROBLOG_PASSWORD_HASH_MEMORY_COST": "8",
    "MICROBLOG_PASSWORD_HASH_PARALLELISM": "1",
}


def _migrate(python: str, settings: dict[str, str]) -> None:
    env = {**os.environ, **settings, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([python, "-m", "microblog_server", "migrate"], env=env, check=True)


def main(argv: list[str]) -> int:
    """Start the cluster, measure, print the table, stop everything."""
    seconds = float(argv[0]) if argv else 4.0
    rounds = int(argv[1]) if len(argv) > 1 else 3
    ensure_installed()
    python = deployment_python(Path(tempfile.gettempdir()) / "microblog-cluster-cache")
    postgres, redis = Postgres(), Redis()
    nodes: list[Node] = []
    balancer: HAProxy | None = None
    try:
        postgres.create()
        redis.start()
        lb_port = free_port()
        settings = node_settings(
            postgres, redis, public_base_url=f"http://127.0.0.1:{lb_port}", **SETTINGS
        )
        _migrate(python, settings)
        nodes = [Node(f"node{n}", python, dict(settings)) for n in (1, 2, 3)]
        start_nodes(nodes)
        balancer = HAProxy(nodes, port=lb_port)
        balancer.start()
        token, post_id = seed(balancer.url)
        with tempfile.TemporaryDirectory(prefix="microblog-bench-") as name:
            samples = interleave(
                {
                    "3 nodes through HAProxy": loads_at(
                        balancer.url, token, post_id, seconds, Path(name)
                    ),
                    "1 node, directly": loads_at(nodes[0].url, token, post_id, seconds, Path(name)),
                },
                rounds,
            )
    finally:
        if balancer is not None:
            balancer.stop()
            balancer.log_path.unlink(missing_ok=True)
        for node in nodes:
            node.stop()
            node.log_path.unlink(missing_ok=True)
        redis.stop()
        postgres.destroy()
    print(f"wrk -t1 -c16 -d{seconds:.0f}s, {rounds} interleaved rounds, best round of each")
    print("| request | deployment | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---:|---:|---:|---:|")
    for request in next(iter(samples.values())):
        for deployment, runs in samples.items():
            best: Sample = best_sample(runs[request])
            rate, p50, p99, errors = best
            print(f"| {request} | {deployment} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {errors} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
