"""Per-call cost of ``client.microposts.get(id)`` against hand-written HTTP code.

Every contender fetches the same micropost from the same service process in the same run,
interleaved round by round so that drift in the machine hits all of them alike. Measured:
the CPU time of this (the client's) process per call, and wall time per call; medians
over rounds. The service runs in its own process, so its CPU is not counted here.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx
import requests
import urllib3

import microblog
from tests.benchmarks._report import Section, median_of, ratio, timed
from tests.benchmarks._service import ServiceProcess

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["run"]

SDK = "SDK `client.microposts.get` (default, ETag cache: 304s)"
SDK_UNCACHED = "SDK `client.microposts.get`, `cache=False` (200s)"
REQUESTS = "`requests.Session().get(url).json()`"
HTTPX = "`httpx.Client().get(url).json()`"
URLLIB3 = "`urllib3.PoolManager` + `json.loads` (floor)"


def contenders(url: str, token: str, post_id: int) -> dict[str, Callable[[], object]]:
    """Build each way of fetching the micropost, all pooled (keep-alive)."""
    item = f"{url}/api/v1/microposts/{post_id}"
    headers = {"Authorization": f"Bearer {token}"}
    client = microblog.Client(url, token=token)
    uncached = microblog.Client(url, token=token, cache=False)
    session = requests.Session()
    session.headers.update(headers)
    pool = urllib3.PoolManager()
    hx = httpx.Client(headers=headers)
    return {
        SDK: lambda: client.microposts.get(post_id),
        SDK_UNCACHED: lambda: uncached.microposts.get(post_id),
        REQUESTS: lambda: session.get(item, timeout=30).json(),
        HTTPX: lambda: hx.get(item).json(),
        URLLIB3: lambda: json.loads(pool.request("GET", item, headers=headers).data),
    }


def run(*, quick: bool = False) -> Section:
    """Measure and return the results table."""
    calls, rounds = (200, 3) if quick else (500, 5)
    with ServiceProcess() as service:
        token = service.create_user("bench_user")
        with microblog.Client(service.url, token=token) as setup:
            post_id = setup.microposts.create("a micropost to read again and again").id
        runs = contenders(service.url, token, post_id)
        for call in runs.values():  # warm up: connections, caches, imports
            timed(call, 50)
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        wall: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(rounds):
            for name, call in runs.items():
                c, w = timed(call, calls)
                cpu[name].append(c)
                wall[name].append(w)

    med_cpu = {name: median_of(cpu[name]) for name in runs}
    med_wall = {name: median_of(wall[name]) for name in runs}
    section = Section(
        "Per-call cost: `client.microposts.get(id)`",
        [
            "contender",
            "client CPU µs/call",
            "wall µs/call",
            "CPU / requests",
            "CPU / httpx",
            "wall / requests",
        ],
        notes=[
            (
                f"{calls} calls x {rounds} interleaved rounds per contender, medians over rounds; "
                "the service is a separate `microblog-server serve` process (1 worker)."
            ),
            (
                "The default client revalidates with `If-None-Match`: every repeat GET is a 304 "
                "with no body, decoded from the cached bytes. `cache=False` gets a 200 every time, "
                "like the hand-written contenders: that is the like-for-like comparison."
            ),
        ],
    )
    for name in runs:
        section.rows.append(
            [
                name,
                f"{med_cpu[name] * 1e6:.0f}",
                f"{med_wall[name] * 1e6:.0f}",
                f"{ratio(med_cpu[name], med_cpu[REQUESTS]):.2f}",
                f"{ratio(med_cpu[name], med_cpu[HTTPX]):.2f}",
                f"{ratio(med_wall[name], med_wall[REQUESTS]):.2f}",
            ]
        )
    for label, name in (("default", SDK), ("cache=False", SDK_UNCACHED)):
        section.target(
            f"CPU SDK ({label}) / requests", ratio(med_cpu[name], med_cpu[REQUESTS]), at_most=0.9
        )
        section.target(
            f"CPU SDK ({label}) / httpx", ratio(med_cpu[name], med_cpu[HTTPX]), at_most=1.0
        )
    short = {
        SDK: "SDK",
        SDK_UNCACHED: "SDK cache=False",
        REQUESTS: "requests",
        HTTPX: "httpx",
        URLLIB3: "urllib3",
    }
    section.series["client CPU µs per call"] = {short[n]: med_cpu[n] * 1e6 for n in runs}
    return section
