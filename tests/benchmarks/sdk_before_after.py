"""The SDK's client CPU per ``client.microposts.get`` before and after a change, same run.

Usage::

    .venv/bin/python -m tests.benchmarks.sdk_before_after --before COMMIT [--calls 300]
        [--rounds 9] [--no-network]

The SDK of ``COMMIT`` (``git archive``) is imported as ``microblog_before`` next to this
tree's ``microblog``, and both run interleaved round by round (each round starts with
the next contender) against one ``microblog-server serve`` process, with hand-written
``requests`` and ``httpx`` loops as the yardsticks. Client CPU is ``time.process_time``
of this process; medians over rounds. ``--no-network`` mounts an adapter answering from
memory on every contender's session instead (requests and the SDK only): what is left is
each one's own per-call work, without the socket and ``http.client``, far less noisy.
Function calls per get are counted with ``cProfile`` (500 calls).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import json
import pstats
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import requests
import urllib3
from requests.adapters import HTTPAdapter

import microblog
from tests.benchmarks._report import machine
from tests.benchmarks._service import ServiceProcess

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import ModuleType

__all__ = ["main"]

_ETAG = 'W/"bench"'
_BODY = json.dumps(
    {
        "id": 1,
        "user": "bench_user",
        "text": "a micropost to read again and again",
        "referenced": None,
        "mentions": [],
        "timestamp": "2026-12-08T01:00:00Z",
        "updated_at": "2026-12-08T01:00:00Z",
        "href": "/api/v1/microposts/1",
    }
).encode()
_HEADERS = {
    "date": "Tue, 08 Dec 2026 01:00:00 GMT",
    "server": "uvicorn",
    "content-length": str(len(_BODY)),
    "content-type": "application/json",
    "etag": _ETAG,
    "x-request-id": "0b0d3c8e-1d1c-4c43-9f0e-3d0a5f1f3a11",
}


class MemoryAdapter(HTTPAdapter):
    """Answers every request from memory: the micropost, or a 304 for its ETag."""

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Build the answer as an adapter builds a real one."""
        fresh = request.headers.get("If-None-Match") == _ETAG
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(b"" if fresh else _BODY),
            headers=_HEADERS,
            status=304 if fresh else 200,
            preload_content=False,
            decode_content=True,
        )
        return self.build_response(request, raw)


def import_before(commit: str, into: Path) -> ModuleType:
    """Import ``commit``'s ``src/microblog`` as the package ``microblog_before``."""
    archive = subprocess.run(
        ["git", "archive", commit, "src/microblog"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "microblog_before"
    (into / "src" / "microblog").rename(package)
    for path in package.rglob("*.py"):
        text = path.read_text()
        text = re.sub(r"\bmicroblog\.", "microblog_before.", text)
        text = re.sub(r"\bfrom microblog import\b", "from microblog_before import", text)
        text = re.sub(
            r"^(\s*)import microblog$",
            r"\1import microblog_before as microblog",
            text,
            flags=re.MULTILINE,
        )
        path.write_text(text)
    sys.path.insert(0, str(into))
    return importlib.import_module("microblog_before")


def _cpu(call: Callable[[], object], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        call()
    return (time.process_time() - started) / count


def _calls_per_get(call: Callable[[], object], count: int = 500) -> float:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        call()
    profile.disable()
    stats: Any = pstats.Stats(profile)
    total: int = sum(entry[1] for entry in stats.stats.values())
    return total / count


def _measure(
    runs: dict[str, Callable[[], object]], calls: int, rounds: int
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """Median CPU per call of each contender, and the spread of its per-round ratio."""
    for call in runs.values():  # warm up: connections, caches, imports
        _cpu(call, 50)
    names = list(runs)
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            cpu[name].append(_cpu(runs[name], calls))
    medians = {name: statistics.median(cpu[name]) for name in names}
    spread = {}
    for name in names:
        per_round = [a / b for a, b in zip(cpu[name], cpu["requests"], strict=True)]
        spread[name] = (min(per_round), max(per_round))
    return medians, spread


def _table(
    runs: dict[str, Callable[[], object]], medians: dict[str, float], spread: Any
) -> list[str]:
    yardsticks = [name for name in ("requests", "httpx") if name in medians]
    lines = [
        "| contender | client CPU µs/call | calls/get | "
        + " | ".join(f"/ {name}" for name in yardsticks)
        + " | per-round / requests |",
        "|---|---:|---:|" + "---:|" * len(yardsticks) + "---|",
    ]
    for name, call in runs.items():
        low, high = spread[name]
        ratios = " | ".join(f"{medians[name] / medians[y]:.2f}" for y in yardsticks)
        lines.append(
            f"| {name} | {medians[name] * 1e6:.0f} | {_calls_per_get(call):.0f} | {ratios} "
            f"| {low:.2f}-{high:.2f} |"
        )
    return lines


def _getter(client: Any, post: int) -> Callable[[], object]:
    return lambda: client.microposts.get(post)


def main(argv: list[str] | None = None) -> int:
    """Measure and print the Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.sdk_before_after")
    parser.add_argument("--before", required=True, help="the commit to compare against")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--no-network", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        before: Any = import_before(args.before, Path(folder))
        if args.no_network:
            url = "http://127.0.0.1:9"
            clients = {
                "SDK default, after": microblog.Client(url, token="t"),
                "SDK cache=False, after": microblog.Client(url, token="t", cache=False),
                "SDK default, before": before.Client(url, token="t"),
                "SDK cache=False, before": before.Client(url, token="t", cache=False),
            }
            for client in clients.values():
                client.session.mount("http://", MemoryAdapter())
            session = requests.Session()
            session.headers["Authorization"] = "Bearer t"
            session.mount("http://", MemoryAdapter())
            item = f"{url}/api/v1/microposts/1"
            runs: dict[str, Callable[[], object]] = {
                name: _getter(client, 1) for name, client in clients.items()
            }
            runs["requests"] = lambda: session.get(item, timeout=30).json()
            medians, spread = _measure(runs, args.calls, args.rounds)
            lines = _table(runs, medians, spread)
        else:
            with ServiceProcess() as service:
                token = service.create_user("bench_user")
                with microblog.Client(service.url, token=token) as setup:
                    post = setup.microposts.create("a micropost to read again and again").id
                item = f"{service.url}/api/v1/microposts/{post}"
                clients = {
                    "SDK default, after": microblog.Client(service.url, token=token),
                    "SDK cache=False, after": microblog.Client(
                        service.url, token=token, cache=False
                    ),
                    "SDK default, before": before.Client(service.url, token=token),
                    "SDK cache=False, before": before.Client(service.url, token=token, cache=False),
                }
                headers = {"Authorization": f"Bearer {token}"}
                session = requests.Session()
                session.headers.update(headers)
                hx = httpx.Client(headers=headers)
                runs = {name: _getter(client, post) for name, client in clients.items()}
                runs["requests"] = lambda: session.get(item, timeout=30).json()
                runs["httpx"] = lambda: hx.get(item).json()
                medians, spread = _measure(runs, args.calls, args.rounds)
                lines = _table(runs, medians, spread)
    where = "no network (an adapter answering from memory)" if args.no_network else "local serve"
    print(f"{machine()}; {where}; before = {args.before}")
    print(f"{args.calls} calls x {args.rounds} interleaved rounds, process_time, medians\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
