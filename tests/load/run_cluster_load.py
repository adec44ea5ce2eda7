"""The load run of docs/performance.md: the 3-node cluster on PostgreSQL against one node on
SQLite, same machine, same run, 50 and 200 locust users each.

Usage (needs the ``bench`` extra for locust, and PostgreSQL, redis-server and HAProxy as
for ``tests/cluster``)::

    .venv/bin/python -m tests.load.run_cluster_load [seconds per run (30)]

Prints one Markdown table row per run: requests/s, p50, p99 (ms) and errors. Not part
of the gates: a recorded measurement.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.cluster.harness import (
    ROOT,
    HAProxy,
    Node,
    Postgres,
    Redis,
    deployment_python,
    ensure_installed,
    free_port,
    http_status,
    node_settings,
    start_nodes,
    wait_for,
)

#: The same for both contenders: no quotas (locust is one address), cheap password hashing
#: (every demo user logs in once before the measured part).
SETTINGS = {
    "MICROBLOG_RATE_LIMIT": "off",
    "MICROBLOG_RATE_LIMIT_ANONYMOUS": "off",
    "MICROBLOG_RATE_LIMIT_LOGIN": "off",
    "MICROBLOG_PASSWORD_HASH_TIME_COST": "1",
    "MICROBLOG_PASSWORD_HASH_MEMORY_COST": "8",
    "MICROBLOG_PASSWORD_HASH_PARALLELISM": "1",
}
USERS = (50, 200)


def _seed(python: str, settings: dict[str, str]) -> None:
    env = {**os.environ, **settings, "PYTHONPATH": str(ROOT / "src")}
    for command in ("migrate", "seed"):
        subprocess.run([python, "-m", "microblog_server", command], env=env, check=True)


def _locust(host: str, users: int, seconds: int, prefix: Path) -> dict[str, str]:
    locust = Path(sys.executable).parent / "locust"
    subprocess.run(
        [
            str(locust),
            "-f",
            str(ROOT / "tests/load/locustfile.py"),
            "MicroblogClient",
            "--headless",
            "-u",
            str(users),
            "-r",
            "50",
            "-t",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
        ],
        check=False,
        capture_output=True,
    )
    with Path(f"{prefix}_stats.csv").open() as stats:
        return next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")


def _row(name: str, users: int, stats: dict[str, str]) -> str:
    return (
        f"| {name} | {users} | {float(stats['Requests/s']):.0f} | {stats['50%']} | "
        f"{stats['99%']} | {stats['Failure Count']} of {stats['Request Count']} |"
    )


def main() -> int:
    """Run both contenders at both loads; print the table."""
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    ensure_installed()
    work = Path(tempfile.mkdtemp(prefix="mb-load-"))
    python = deployment_python(Path(tempfile.gettempdir()) / "microblog-cluster-cache")
    rows = []
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
        _seed(python, settings)
        nodes = [Node(f"node{n}", python, dict(settings)) for n in (1, 2, 3)]
        start_nodes(nodes)
        balancer = HAProxy(nodes, port=lb_port)
        balancer.start()
        for users in USERS:
            stats = _locust(balancer.url, users, seconds, work / f"cluster-{users}")
            rows.append(_row("3 nodes, PostgreSQL, Redis, HAProxy", users, stats))
    finally:
        if balancer is not None:
            balancer.stop()
        for node in nodes:
            node.stop()
            node.log_path.unlink(missing_ok=True)
        if balancer is not None:
            balancer.log_path.unlink(missing_ok=True)
        redis.stop()
        postgres.destroy()
    single_port = free_port()
    sqlite = {
        **node_settings(
            postgres, redis, public_base_url=f"http://127.0.0.1:{single_port}", **SETTINGS
        ),
        "MICROBLOG_DATABASE_URL": f"sqlite:///{work}/load.sqlite",
        "MICROBLOG_AUTO_MIGRATE": "true",
    }
    sqlite.pop("MICROBLOG_REDIS_URL")
    _seed(python, sqlite)
    single = Node("sqlite", python, sqlite, port=single_port)
    single.start()
    try:
        wait_for(lambda: http_status(f"{single.url}/health") == 200, timeout=30, what="sqlite")
        for users in USERS:
            stats = _locust(single.url, users, seconds, work / f"sqlite-{users}")
            rows.append(_row("1 node, SQLite", users, stats))
    finally:
        single.stop()
        single.log_path.unlink(missing_ok=True)
    print("| deployment | users | requests/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    print(f"(results in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
