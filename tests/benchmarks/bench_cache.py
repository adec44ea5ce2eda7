"""Cache: re-reading 1 000 unchanged microposts with and without the ETag cache.

Each client first reads every micropost once (filling its cache), then the pass that is
measured reads them all again. Counted: bytes received (status line, headers and body, as
``requests`` saw them), the service's CPU time (from ``/proc``, every process of its
group) and the wall and client CPU time of the pass.
"""

from __future__ import annotations

import time
from typing import Any

import requests

import microblog
from tests.benchmarks._report import Section, proc_cpu_seconds, ratio
from tests.benchmarks._service import ServiceProcess

__all__ = ["run"]


class ByteCounter:
    """A ``requests`` response hook adding up what came over the wire (approximately)."""

    def __init__(self) -> None:
        self.bytes = 0
        self.statuses: dict[int, int] = {}

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        head = sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 17
        self.bytes += head + len(response.content)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1


def reread(
    client: microblog.Client, ids: list[int], service_pid: int
) -> tuple[int, float, float, float, str]:
    """Read every id once; return (bytes, service CPU s, wall s, client CPU s, statuses)."""
    counter = ByteCounter()
    client.session.hooks["response"].append(counter)
    served = proc_cpu_seconds(service_pid)
    cpu, wall = time.process_time(), time.perf_counter()
    for post_id in ids:
        client.microposts.get(post_id)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    served = proc_cpu_seconds(service_pid) - served
    client.session.hooks["response"].remove(counter)
    statuses = ", ".join(f"{n} x {s}" for s, n in sorted(counter.statuses.items()))
    return counter.bytes, served, wall, cpu, statuses


def run(*, quick: bool = False) -> Section:
    """Measure and return the results table."""
    count = 200 if quick else 1000
    variants: dict[str, dict[str, Any]] = {
        "`cache=False`": {"cache": False},
        "default cache (`cache_size=512`)": {},
        f"`cache_size={2 * count}`": {"cache_size": 2 * count},
    }
    section = Section(
        f"Cache: re-reading {count:,} unchanged microposts",
        [
            "client",
            "responses",
            "bytes received",
            "service CPU ms",
            "wall ms",
            "client CPU ms",
            "bytes / no cache",
            "service CPU / no cache",
        ],
    )
    results: dict[str, tuple[int, float, float, float, str]] = {}
    with ServiceProcess() as service:
        token = service.create_user("bench_user")
        with microblog.Client(service.url, token=token) as setup:
            ids = [
                post.id
                for first in range(0, count, 100)
                for post in setup.microposts.create_many(
                    [f"cached micropost {n}" for n in range(first, min(first + 100, count))]
                )
            ]
        clients = {
            name: microblog.Client(service.url, token=token, **options)
            for name, options in variants.items()
        }
        for client in clients.values():
            for post_id in ids:  # fill the cache (and warm the service)
                client.microposts.get(post_id)
        samples: dict[str, list[tuple[int, float, float, float, str]]] = {n: [] for n in clients}
        # Forward then backward, so that drift in the service hits every client alike.
        for name in [*clients, *reversed(clients)]:
            samples[name].append(reread(clients[name], ids, service.pid))
        for name, client in clients.items():
            client.close()
            (first, second) = samples[name]
            results[name] = (
                first[0],
                (first[1] + second[1]) / 2,
                (first[2] + second[2]) / 2,
                (first[3] + second[3]) / 2,
                first[4],
            )
    base_bytes, base_served = results["`cache=False`"][:2]
    for name, (received, served, wall, cpu, statuses) in results.items():
        section.rows.append(
            [
                name,
                statuses,
                f"{received:,}",
                f"{served * 1e3:.0f}",
                f"{wall * 1e3:.0f}",
                f"{cpu * 1e3:.0f}",
                f"{ratio(received, base_bytes):.2f}",
                f"{ratio(served, base_served):.2f}",
            ]
        )
    if count > 512:
        section.notes.append(
            f"The default cache holds 512 responses: re-reading {count:,} items in order "
            "evicts each entry before it is read again, so every read is a full 200 "
            "(LRU thrash). Size the cache to the working set."
        )
    section.notes.extend(
        [
            (
                "Each client re-reads twice (forward then backward order of clients); times "
                "are the mean of the two. Service CPU is counted in clock ticks (10 ms)."
            ),
            (
                "A 304 still costs the service a database read (it computes the ETag from the "
                "row); what it saves is serialising and sending the body."
            ),
        ]
    )
    section.series["bytes received"] = {name: r[0] for name, r in results.items()}
    return section
