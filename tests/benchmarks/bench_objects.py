"""Object cost: memory and construction time of a ``Micropost`` against a plain dict.

No network: the JSON is a page of 100 microposts in the service's exact representation.
Memory is what ``tracemalloc`` sees retained per item while 10 000 of them are kept;
time is per item, from the page's bytes (``json.loads`` plus, for the SDK, building the
``Micropost`` the way a pager does).
"""

from __future__ import annotations

import gc
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from microblog import Micropost
from tests.benchmarks._report import Section, ratio

__all__ = ["run"]

ITEMS_PER_PAGE = 100


def page_body(first_id: int = 1) -> bytes:
    """A page of microposts as the service sends it."""
    items = [
        {
            "id": n,
            "href": f"http://127.0.0.1:8000/api/v1/users/bench_user/collection/{n}",
            "user": "bench_user",
            "text": f"micropost number {n} of the object benchmark, hello @someone",
            "referenced": None,
            "mentions": ["someone"],
            "timestamp": "2026-11-23T16:27:56.553032Z",
            "updated_at": None,
        }
        for n in range(first_id, first_id + ITEMS_PER_PAGE)
    ]
    return json.dumps({"result": items, "next": None, "previous": None}).encode()


def as_dicts(body: bytes) -> list[Any]:
    """The plain-dict baseline: decode the page, keep the items."""
    items: list[Any] = json.loads(body)["result"]
    return items


def as_microposts(body: bytes) -> list[Any]:
    """What the SDK's pager does with a page: decode it, build one ``Micropost`` per item."""
    return [Micropost._from_data(None, item) for item in json.loads(body)["result"]]


def bytes_per_item(build: Callable[[bytes], list[Any]], bodies: list[bytes]) -> float:
    """Traced bytes retained per item while every page's items are kept."""
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        kept = [build(body) for body in bodies]
        gc.collect()
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    count = sum(len(page) for page in kept)
    return (current - base) / count


def seconds_per_item(build: Callable[[bytes], list[Any]], body: bytes, repeat: int) -> float:
    """Median over 5 runs of the time to build one item from the page's bytes."""
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            build(body)
        samples.append((time.perf_counter() - started) / (repeat * ITEMS_PER_PAGE))
    return statistics.median(samples)


def run(*, quick: bool = False) -> Section:
    """Measure and return the results table."""
    pages, repeat = (20, 50) if quick else (100, 300)
    bodies = [page_body(1 + n * ITEMS_PER_PAGE) for n in range(pages)]
    builds = {"plain dict (`json.loads`)": as_dicts, "`Micropost`": as_microposts}
    memory = {name: bytes_per_item(build, bodies) for name, build in builds.items()}
    times = {name: seconds_per_item(build, bodies[0], repeat) for name, build in builds.items()}
    section = Section(
        "Object cost: one micropost",
        [
            "representation",
            "bytes per item (tracemalloc)",
            "µs per item from JSON bytes",
            "bytes / dict",
            "time / dict",
        ],
        notes=[
            (
                f"{pages * ITEMS_PER_PAGE:,} items kept for memory; time is the median of 5 runs "
                f"of {repeat} pages x {ITEMS_PER_PAGE} items, `json.loads` included in both."
            ),
            (
                "A `Micropost` keeps, besides its slotted fields, a parsed `datetime`, a tuple of "
                "mentions, the snapshot of its editable fields (for `save()`), an `extra` dict "
                "and a dict of related users."
            ),
        ],
    )
    base = "plain dict (`json.loads`)"
    for name in builds:
        section.rows.append(
            [
                name,
                f"{memory[name]:,.0f}",
                f"{times[name] * 1e6:.2f}",
                f"{ratio(memory[name], memory[base]):.2f}",
                f"{ratio(times[name], times[base]):.2f}",
            ]
        )
    section.series["bytes per item"] = {name: memory[name] for name in builds}
    return section
