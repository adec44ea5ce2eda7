"""Pagination: memory and speed of iterating a user's microposts, 100 per page.

Memory: the peak growth of traced Python allocations (``tracemalloc``) while a pager
walks every item and drops it, for two sizes: a pager holds one page at a time, so the
peak must not grow with the number of items. Speed: items per second of the SDK's pager
against a hand-written ``requests`` loop following the same ``next`` links, interleaved.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

import requests

import microblog
from tests.benchmarks._report import Section, median_of, ratio
from tests.benchmarks._seed import seed_microposts
from tests.benchmarks._service import ServiceProcess

__all__ = ["run"]

PAGE = 100
MEMORY_LIMIT_MB = 10.0


def sdk_walk(client: microblog.Client, count: int) -> int:
    """Iterate ``count`` microposts with the SDK's pager, keeping none."""
    seen = 0
    for post in client.microposts.list("pager", size=PAGE, limit=count):
        seen += post.id > 0
    return seen


def requests_walk(session: requests.Session, url: str, count: int) -> int:
    """Iterate ``count`` microposts by hand: GET, ``.json()``, follow ``next``."""
    seen = 0
    link: str | None = f"{url}/api/v1/users/pager/collection?size={PAGE}"
    while link is not None and seen < count:
        body = session.get(link, timeout=30).json()
        for item in body["result"][: count - seen]:
            seen += item["id"] > 0
        link = body["next"]
    return seen


def peak_growth_mb(client: microblog.Client, count: int) -> float:
    """Peak traced memory growth (MB) while the SDK walks ``count`` items."""
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        assert sdk_walk(client, count) == count
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - base) / 1e6


def run(*, quick: bool = False) -> Section:
    """Measure and return the results table."""
    small, large = (1_000, 10_000) if quick else (10_000, 100_000)
    timed_items = min(large, 30_000)
    with ServiceProcess() as service:
        token = service.create_user("pager")
        seed_microposts(service.database_url, "pager", large)
        client = microblog.Client(service.url, token=token, cache=False)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        sdk_walk(client, 2 * PAGE)  # warm up
        requests_walk(session, service.url, 2 * PAGE)
        memory = {count: peak_growth_mb(client, count) for count in (small, large)}
        rates: dict[str, list[tuple[float, float]]] = {"SDK pager": [], "requests loop": []}
        for order in (list(rates), list(reversed(rates))):  # either one first, once each
            for name in order:
                samples = rates[name]
                cpu, wall = time.process_time(), time.perf_counter()
                if name == "SDK pager":
                    seen = sdk_walk(client, timed_items)
                else:
                    seen = requests_walk(session, service.url, timed_items)
                assert seen == timed_items
                samples.append(
                    (
                        timed_items / (time.process_time() - cpu),
                        timed_items / (time.perf_counter() - wall),
                    )
                )
        client.close()
        session.close()

    section = Section(
        f"Pagination: iterating {large:,} microposts, {PAGE} per page",
        ["measure", "SDK pager", "hand-written requests loop", "SDK / requests"],
    )
    for count, mb in memory.items():
        section.rows.append([f"peak memory growth, {count:,} items (MB)", f"{mb:.2f}", "", ""])
    wall_sdk = median_of([w for _, w in rates["SDK pager"]])
    wall_req = median_of([w for _, w in rates["requests loop"]])
    cpu_sdk = median_of([c for c, _ in rates["SDK pager"]])
    cpu_req = median_of([c for c, _ in rates["requests loop"]])
    section.rows.append(
        [
            "items per second (wall)",
            f"{wall_sdk:,.0f}",
            f"{wall_req:,.0f}",
            f"{ratio(wall_sdk, wall_req):.2f}",
        ]
    )
    section.rows.append(
        [
            "items per client CPU second",
            f"{cpu_sdk:,.0f}",
            f"{cpu_req:,.0f}",
            f"{ratio(cpu_sdk, cpu_req):.2f}",
        ]
    )
    section.target(
        f"peak memory growth at {large:,} items, MB", memory[large], at_most=MEMORY_LIMIT_MB
    )
    section.target(
        f"peak growth at {large:,} minus at {small:,} items, MB (constant: about 0)",
        memory[large] - memory[small],
        at_most=1.0,
    )
    section.notes.append(
        "The SDK builds a `Micropost` per item (typed fields, parsed datetimes); the "
        "hand-written loop only indexes dicts. Both include the service's time per page "
        f"(a separate process). Speed: the first {timed_items:,} items, 2 rounds (each "
        "contender first once), median."
    )
    section.series["peak memory growth (MB)"] = {f"{c:,} items": m for c, m in memory.items()}
    return section
