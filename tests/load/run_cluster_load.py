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
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.cluster.harness import (
    ROOT,
    Node,
    deployment_python,
    ensure_installed,
    http_status,
    node_settings,
    wait_for,
)
from tests.cluster.stack import MEASURING, manage, running_cluster
from tests.processes import free_port

USERS = (50, 200)


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
    with running_cluster(python, MEASURING, prepare=("migrate", "seed")) as cluster:
        for users in USERS:
            stats = _locust(cluster.balancer.url, users, seconds, work / f"cluster-{users}")
            rows.append(_row("3 nodes, PostgreSQL, Redis, HAProxy", users, stats))
    single_port = free_port()
    sqlite = {
        **node_settings(
            cluster.postgres,
            cluster.redis,
            public_base_url=f"http://127.0.0.1:{single_port}",
            **MEASURING,
        ),
        "MICROBLOG_DATABASE_URL": f"sqlite:///{work}/load.sqlite",
        "MICROBLOG_AUTO_MIGRATE": "true",
    }
    sqlite.pop("MICROBLOG_REDIS_URL")
    manage(python, sqlite, "migrate", "seed")
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
