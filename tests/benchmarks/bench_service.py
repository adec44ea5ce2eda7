"""The service: throughput and latency against a bare FastAPI app on the same workers.

Load comes from ``wrk`` (keep-alive connections, one thread). Both servers run with two
uvicorn workers and ``TCP_NODELAY`` on their connections, one at a time, in the same run:
``microblog-server serve --workers 2`` as shipped (it sets ``TCP_NODELAY`` itself) and the
bare app through :mod:`tests.benchmarks._nodelay_serve` (the ceiling; plain
``uvicorn --workers 2`` leaves Nagle on and would cap the ceiling near 350 requests/s).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import microblog
from tests.benchmarks._report import Section, ratio
from tests.benchmarks._service import (
    ServiceProcess,
    create_user,
    free_port,
    stop_process,
    wait_for_port,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["run"]

CONNECTIONS = 16
#: The least share of the bare app's rate each request must reach (docs/performance.md).
TARGETS = {"read by id": 0.5, "timeline page (20)": 0.25, "post": 0.2}
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(
    url: str, seconds: float, *, token: str | None = None, script: Path | None = None
) -> tuple[float, float, float, int]:
    """Run ``wrk`` against ``url``.

    Returns:
        (requests per second, p50 ms, p99 ms, responses with a status >= 400).
    """
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds:.0f}s", "--latency"]
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)

    def percentile(p: int) -> float:
        found = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", output)
        assert found is not None, output
        return float(found[1]) * _UNITS[found[2]]

    return rate, percentile(50), percentile(99), int(errors[1]) if errors else 0


def post_script(directory: Path) -> Path:
    """A wrk Lua script sending a micropost as JSON."""
    script = directory / "post.lua"
    body = json.dumps({"text": "a micropost from the load generator"})
    script.write_text(
        f"wrk.method = \"POST\"\nwrk.body = '{body}'\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return script


Sample = tuple[float, float, float, int]
Load = dict[str, "Callable[[], Sample]"]


def seed(url: str) -> tuple[str, int]:
    """Sign up a reader following an author of 100 microposts; return its token and a post id."""
    token = create_user(url, "bench_user")
    author_token = create_user(url, "author")
    with microblog.Client(url, token=author_token) as author:
        post_id = author.microposts.create_many([f"post {n}" for n in range(100)])[0].id
    with microblog.Client(url, token=token) as reader:
        reader.users.get("author").follow()
    return token, post_id


def loads_at(url: str, token: str, post_id: int, seconds: float, directory: Path) -> Load:
    """The three requests at a service seeded by :func:`seed` (directly or through a proxy)."""
    api = f"{url}/api/v1"
    script = post_script(directory)
    return {
        "read by id": lambda: wrk(f"{api}/microposts/{post_id}", seconds, token=token),
        "timeline page (20)": lambda: wrk(f"{api}/users/bench_user/timeline", seconds, token=token),
        "post": lambda: wrk(
            f"{api}/users/bench_user/collection", seconds, token=token, script=script
        ),
    }


def service_loads(service: ServiceProcess, seconds: float, directory: Path) -> Load:
    """Prepare the real service, as shipped: a read by id, a timeline page, a post."""
    token, post_id = seed(service.url)
    return loads_at(service.url, token, post_id, seconds, directory)


def bare_loads(url: str, seconds: float, directory: Path) -> Load:
    """The same three shapes of request against the bare app."""
    script = post_script(directory)
    return {
        "read by id": lambda: wrk(f"{url}/item", seconds),
        "timeline page (20)": lambda: wrk(f"{url}/page", seconds),
        "post": lambda: wrk(f"{url}/post", seconds, script=script),
    }


@contextmanager
def bare_server() -> Iterator[str]:
    """Serve the bare app with ``TCP_NODELAY`` on 2 workers; yield its URL."""
    port = free_port()
    app = "tests.benchmarks.bare_app:app"
    command = [sys.executable, "-m", "tests.benchmarks._nodelay_serve", app, str(port), "2"]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        command,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, listeners=2)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)


def interleave(loads: dict[str, Load], rounds: int) -> dict[str, dict[str, list[Sample]]]:
    """Run every load of every contender once per round, alternating who goes first.

    Each worker has a listening socket of its own (on Linux), and the kernel hashes wrk's
    16 connections over them: rarely 8 and 8. Rounds, then the best.
    """
    samples: dict[str, dict[str, list[Sample]]] = {name: {} for name in loads}
    names = list(loads)
    # Request by request (all rounds of the reads before the first post), so that the
    # posts piling up in the service's database do not change what a later read costs.
    for request in loads[names[0]]:
        for round_ in range(rounds):
            for name in names if round_ % 2 == 0 else names[::-1]:
                samples[name].setdefault(request, []).append(loads[name][request]())
    return samples


def best_sample(samples: list[Sample]) -> Sample:
    """The round with the highest rate (its latencies with it), and the errors summed.

    How wrk's connections fall on the workers moves both servers alike: the best round
    shows what two workers can do.
    """
    best = max(samples, key=lambda sample: sample[0])
    return (best[0], best[1], best[2], sum(sample[3] for sample in samples))


def run(*, quick: bool = False) -> Section:
    """Measure and return the results table."""
    seconds, rounds = (2.0, 3) if quick else (4.0, 5)
    section = Section(
        "The service (2 workers) against a bare FastAPI app on the same workers",
        [
            "request",
            "service req/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "bare req/s",
            "bare p50 ms",
            "bare p99 ms",
            "service / bare",
        ],
    )
    if shutil.which("wrk") is None:
        section.notes.append("skipped: `wrk` is not installed (`apt-get install wrk`).")
        return section
    with (
        tempfile.TemporaryDirectory(prefix="microblog-bench-") as name,
        ServiceProcess(workers=2) as process,
        bare_server() as bare_url,
    ):
        samples = interleave(
            {
                "service": service_loads(process, seconds, Path(name)),
                "bare": bare_loads(bare_url, seconds, Path(name)),
            },
            rounds,
        )
    service = {request: best_sample(runs) for request, runs in samples["service"].items()}
    bare = {request: best_sample(runs) for request, runs in samples["bare"].items()}
    for request, (rate, p50, p99, errors) in service.items():
        b_rate, b_p50, b_p99, _ = bare[request]
        section.rows.append(
            [
                request,
                f"{rate:,.0f}",
                f"{p50:.1f}",
                f"{p99:.1f}",
                str(errors),
                f"{b_rate:,.0f}",
                f"{b_p50:.1f}",
                f"{b_p99:.1f}",
                f"{ratio(rate, b_rate):.2f}",
            ]
        )
        section.series.setdefault("req/s", {})[f"{request}, service"] = rate
        section.series["req/s"][f"{request}, bare"] = b_rate
    for request, bound in TARGETS.items():
        section.target(
            f"{request}, service / bare",
            ratio(service[request][0], bare[request][0]),
            at_least=bound,
        )
    _, post_p50, post_p99, _ = service["post"]
    section.target("post, p99 / p50", ratio(post_p99, post_p50), at_most=10.0)
    section.notes.extend(
        [
            (
                f"`wrk -t1 -c{CONNECTIONS} -d{seconds:.0f}s --latency`, keep-alive, {rounds} "
                "interleaved rounds per request and server, the best round of each (errors "
                "summed: the kernel hashes the connections over the workers' sockets, rarely "
                "8 and 8); wrk, the two workers and SQLite share the machine's cores. The "
                "service authenticates a JWT, reads SQLite and computes an ETag per request; "
                "the bare app does none of that."
            ),
            (
                "The service is `microblog-server serve --workers 2` as shipped (it sets "
                "`TCP_NODELAY` on accepted connections). The bare app is served by "
                "`tests/benchmarks/_nodelay_serve.py` with 2 workers the same way: a listening "
                "socket per worker (`SO_REUSEPORT`, on Linux), made with `IPPROTO_TCP` so that "
                "asyncio sets `TCP_NODELAY` (plain `uvicorn --workers 2` does neither: one "
                "shared socket, and a 40 ms delayed-ACK stall that would cap the ceiling)."
            ),
        ]
    )
    return section
