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

import sys
import tempfile
from pathlib import Path

from tests.benchmarks.bench_service import Sample, best_sample, interleave, loads_at, seed
from tests.cluster.harness import deployment_python, ensure_installed
from tests.cluster.stack import MEASURING, running_cluster

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Start the cluster, measure, print the table, stop everything."""
    seconds = float(argv[0]) if argv else 4.0
    rounds = int(argv[1]) if len(argv) > 1 else 3
    ensure_installed()
    python = deployment_python(Path(tempfile.gettempdir()) / "microblog-cluster-cache")
    with (
        running_cluster(python, MEASURING) as cluster,
        tempfile.TemporaryDirectory(prefix="microblog-bench-") as name,
    ):
        balancer, nodes = cluster.balancer, cluster.nodes
        token, post_id = seed(balancer.url)
        samples = interleave(
            {
                "3 nodes through HAProxy": loads_at(
                    balancer.url, token, post_id, seconds, Path(name)
                ),
                "1 node, directly": loads_at(nodes[0].url, token, post_id, seconds, Path(name)),
            },
            rounds,
        )
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
