"""Per-call cost of ``client.microposts.get(id)`` against hand-written HTTP code.

Run: ``.venv/bin/python tests/benchmarks/bench_per_call.py [--calls 2000] [--rounds 5]``

Every contender fetches the same micropost from the same local service in the same run,
interleaved round by round so that drift in the machine hits all of them alike. Measured:
process CPU time per call of this (the client's) process, and wall time per call; the
medians over rounds and each contender's ratio to hand-written ``requests`` are printed as
a Markdown table (kept in docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable

import requests
import urllib3

import microblog
from microblog.testing import LocalServer

Contender = Callable[[], object]


def measure(call: Contender, calls: int) -> tuple[float, float]:
    """Return (CPU seconds per call, wall seconds per call) over ``calls`` calls."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        call()
    return (time.process_time() - cpu) / calls, (time.perf_counter() - wall) / calls


def contenders(url: str, token: str, post_id: int) -> dict[str, Contender]:
    """Build each way of fetching the micropost, all warmed up and pooled."""
    item = f"{url}/api/v1/microposts/{post_id}"
    headers = {"Authorization": f"Bearer {token}"}
    client = microblog.Client(url, token=token, max_retries=3)
    uncached = microblog.Client(url, token=token, max_retries=3, cache=False)
    session = requests.Session()
    session.headers.update(headers)
    pool = urllib3.PoolManager()
    found: dict[str, Contender] = {
        "microblog client.microposts.get": lambda: client.microposts.get(post_id),
        "microblog, cache=False": lambda: uncached.microposts.get(post_id),
        "requests Session().get().json()": lambda: session.get(item, timeout=30).json(),
        "urllib3 PoolManager + json.loads": lambda: json.loads(
            pool.request("GET", item, headers=headers).data
        ),
    }
    try:
        import httpx  # noqa: PLC0415 - optional contender

        hx = httpx.Client(headers=headers)
        found["httpx Client().get().json()"] = lambda: hx.get(item).json()
    except ImportError:  # pragma: no cover - httpx is in the dev extra
        pass
    return found


def main() -> None:
    """Run the benchmark and print the results table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per round and contender")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args()

    with LocalServer() as server:
        username, password = server.create_user("bench_user")
        token = server.token_for(username, password)
        with microblog.Client(server.url, token=token) as setup:
            post_id = setup.microposts.create("a micropost to read again and again").id
        runs = contenders(server.url, token, post_id)
        for call in runs.values():  # warm up: connections, caches, imports
            measure(call, 50)
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        wall: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, call in runs.items():
                c, w = measure(call, args.calls)
                cpu[name].append(c)
                wall[name].append(w)

    baseline = statistics.median(cpu["requests Session().get().json()"])
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"Python {platform.python_version()}, {platform.system()}"
    )
    print(f"calls: {args.calls} x {args.rounds} rounds, interleaved\n")
    print("| contender | CPU µs/call | wall µs/call | CPU ratio to requests |")
    print("|---|---:|---:|---:|")
    for name in runs:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        print(f"| {name} | {c * 1e6:.0f} | {w * 1e6:.0f} | {c / baseline:.2f} |")


if __name__ == "__main__":
    main()
