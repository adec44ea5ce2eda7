"""Where the service spends its CPU, per request: call counts, CPU time and layers.

Usage::

    .venv/bin/python -m tests.benchmarks.profile_service [--requests 2000] [--rounds 5]
        [--only read,timeline,post] [--bare] [--stats read]
    .venv/bin/py-spy record --gil -r 250 --format raw -o read.txt -- \
        .venv/bin/python -m tests.benchmarks.profile_service --only read --spin 12
    .venv/bin/python -m tests.benchmarks.profile_service --fold read.txt

No sockets and no load generator: the bytes of a keep-alive request are fed to the
uvicorn protocol that ``microblog-server serve`` runs (:class:`HeaderTimeoutProtocol`,
h11), over an in-memory transport, and the event loop runs until the response is written.
So the numbers count everything a served request costs in Python (parsing, the ASGI
layers, routing, the route in its worker thread, serialising, writing) and nothing of
the kernel's TCP work or of a client sharing the cores. Three measures, each robust to
other processes on the machine in its own way:

- **calls per request**: cProfile's count of Python calls, a number the machine's load
  does not change;
- **CPU µs per request**: ``time.process_time()`` (every thread of the process) over
  ``--requests`` requests, the median of ``--rounds`` interleaved rounds, no profiler;
- **layers**: py-spy's samples of the thread holding the GIL (``--gil``) while
  ``--spin`` sends one request again and again, each sample counted for the innermost
  layer on its stack (:data:`LAYERS`, ``--fold``). ``--bare`` measures the bare app of the
  service benchmark the same way.

The service runs as shipped (``memory://`` rate limits, on, with quotas too large to
refuse), over a throw-away SQLite database, with cheap password hashing.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import uvicorn
from uvicorn.server import ServerState

from microblog_server.bootstrap import create_app
from microblog_server.serving import HeaderTimeoutProtocol, uvicorn_options
from microblog_server.settings import Settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

__all__ = ["Driver", "main"]

HOST = b"127.0.0.1:8000"
PASSWORD = "profile-password-1"


class _Transport(asyncio.Transport):
    """Collects what the protocol writes; the peer is 127.0.0.1."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self._closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class Driver:
    """One keep-alive connection to the app through uvicorn's h11 protocol, no sockets.

    Args:
        app: The ASGI app.
        settings: Its settings (for the uvicorn options ``serve`` uses).
    """

    def __init__(self, app: Any, settings: Settings) -> None:
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            **uvicorn_options(settings),
        )
        config.load()
        self.protocol = HeaderTimeoutProtocol(
            config=config,
            server_state=ServerState(),
            app_state={},
            _loop=asyncio.get_running_loop(),
        )
        self.transport = _Transport()
        self.protocol.connection_made(self.transport)

    async def send(self, raw: bytes) -> bytes:
        """Feed one request's bytes and return the response's.

        Awaited from one long-lived task, as uvicorn's server task is: anyio keeps its
        worker threads for the loop's root task, and would start a thread per request
        if each request's task were the root.
        """
        self.transport.written.clear()
        self.protocol.data_received(raw)
        while self.protocol.tasks:
            await asyncio.gather(*self.protocol.tasks)
        return bytes(self.transport.written)

    def close(self) -> None:
        """Close the connection."""
        self.protocol.connection_lost(None)


def request(
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: bytes | None = None,
    content_type: str = "application/json",
) -> bytes:
    """Return the bytes of one HTTP/1.1 keep-alive request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST.decode()}", "Accept: application/json"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def status_of(response: bytes) -> int:
    """The status code of a response's bytes."""
    return int(response.split(b" ", 2)[1])


def body_of(response: bytes) -> dict[str, Any]:
    """The JSON body of a response's bytes."""
    parsed: dict[str, Any] = json.loads(response.split(b"\r\n\r\n", 1)[1])
    return parsed


@dataclass
class Setup:
    """A seeded service and the three requests measured."""

    driver: Driver
    requests: dict[str, bytes]


@asynccontextmanager
async def seeded(directory: Path, *, rate_limits: bool = True) -> AsyncIterator[Setup]:
    """Serve a fresh database with a reader following an author of 100 microposts.

    Rate limits are on as shipped (``memory://``), with quotas too large to refuse; off
    (as in the service benchmark) with ``rate_limits=False``.
    """
    quota = "1000000000/60" if rate_limits else "off"
    settings = Settings(
        database_url=f"sqlite:///{directory}/profile.db",
        secret_key="profile-secret-key-0123456789abcdef-0123",
        rate_limit=quota,
        rate_limit_anonymous=quota,
        rate_limit_login=quota,
        password_hash_time_cost=1,
        password_hash_memory_cost=8,
        password_hash_parallelism=1,
    )
    app = create_app(settings)
    driver = Driver(app, settings)
    tokens = {}
    for name in ("reader", "author"):
        sign_up = json.dumps({"username": name, "password": PASSWORD}).encode()
        assert status_of(await driver.send(request("POST", "/api/v1/users", body=sign_up))) == 201
        form = f"grant_type=password&username={name}&password={PASSWORD}".encode()
        answer = await driver.send(
            request(
                "POST",
                "/api/v1/token",
                body=form,
                content_type="application/x-www-form-urlencoded",
            )
        )
        tokens[name] = body_of(answer)["access_token"]
    items = json.dumps({"items": [{"text": f"post {n}"} for n in range(100)]})
    batch = await driver.send(
        request(
            "POST",
            "/api/v1/users/author/collection/batch",
            token=tokens["author"],
            body=items.encode(),
        )
    )
    first_id = body_of(batch)["result"][0]["id"]
    follow = json.dumps({"username": "author"}).encode()
    followed = await driver.send(
        request("POST", "/api/v1/users/reader/following", token=tokens["reader"], body=follow)
    )
    assert status_of(followed) in {200, 201, 204}, followed
    post = json.dumps({"text": "a micropost from the profiler"}).encode()
    requests = {
        "read": request("GET", f"/api/v1/microposts/{first_id}", token=tokens["reader"]),
        "timeline": request("GET", "/api/v1/users/reader/timeline", token=tokens["reader"]),
        "post": request(
            "POST", "/api/v1/users/reader/collection", token=tokens["reader"], body=post
        ),
    }
    for name, raw in requests.items():
        answered = await driver.send(raw)
        assert status_of(answered) in {200, 201}, (name, answered[:300])
    try:
        yield Setup(driver, requests)
    finally:
        driver.close()
        app.state.services.close()


@asynccontextmanager
async def bare() -> AsyncIterator[Setup]:
    """The bare app of the service benchmark, with the same three requests."""
    from tests.benchmarks.bare_app import app  # noqa: PLC0415 - only when measured

    driver = Driver(app, Settings())
    post = json.dumps({"text": "a micropost from the profiler"}).encode()
    requests = {
        "read": request("GET", "/item"),
        "timeline": request("GET", "/page"),
        "post": request("POST", "/post", body=post),
    }
    try:
        yield Setup(driver, requests)
    finally:
        driver.close()


@contextmanager
def threads_inline() -> Iterator[None]:
    """Run ``anyio.to_thread.run_sync`` calls inline, so that cProfile sees them."""
    original = anyio.to_thread.run_sync

    async def inline(function: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return function(*args)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    try:
        yield
    finally:
        anyio.to_thread.run_sync = original


async def cpu_per_request(driver: Driver, raw: bytes, count: int) -> float:
    """CPU µs per request (every thread), no profiler."""
    started = time.process_time()
    for _ in range(count):
        await driver.send(raw)
    return (time.process_time() - started) / count * 1e6


async def profile(driver: Driver, raw: bytes, count: int) -> pstats.Stats:
    """cProfile ``count`` requests (worker-thread hops inline)."""
    profiler = cProfile.Profile()
    with threads_inline():
        await driver.send(raw)  # warm
        profiler.enable()
        for _ in range(count):
            await driver.send(raw)
        profiler.disable()
    return pstats.Stats(profiler)


#: The layers a sampled stack is attributed to: the innermost frame whose file path
#: contains one of these wins (libraries such as pydantic, json, hashlib and h11 count
#: for the layer that called them). Order does not matter; paths are matched as given.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("server: uvicorn, h11, asyncio", ("uvicorn/", "asyncio/")),
    ("thread hand-off (anyio worker threads)", ("anyio/", "concurrent/", "threading.py")),
    (
        "Starlette/FastAPI app entry, ServerErrorMiddleware",
        ("starlette/applications.py", "fastapi/applications.py", "starlette/middleware/errors.py"),
    ),
    (
        "edge (request id, Host, security headers, access log)",
        (
            "api/edge.py",
            "api/hosts.py",
            "api/request_id.py",
            "api/security_headers.py",
            "api/asgi.py",
        ),
    ),
    (
        "identity and token cache",
        ("api/caller.py", "services/token_cache.py", "services/auth.py", "/jwt/"),
    ),
    ("rate limit", ("api/rate_limit.py", "api/limiter.py", "/limits/")),
    ("body limit", ("api/body_limit.py",)),
    (
        "idempotency",
        ("api/idempotency.py", "services/idempotency.py", "services/held_transaction.py"),
    ),
    (
        "routing and dependency injection",
        (
            "starlette/routing.py",
            "fastapi/routing.py",
            "fastapi/dependencies/",
            "starlette/middleware/exceptions.py",
            "starlette/_exception",
            "fastapi/middleware/",
            "api/deps.py",
            "starlette/requests.py",
            "starlette/datastructures.py",
            "fastapi/_compat",
        ),
    ),
    ("the route and pagination", ("api/routers/", "api/pagination.py", "api/cursors.py")),
    ("services (domain rules)", ("services/", "domain/")),
    ("SQLAlchemy and the SQLite driver", ("sqlalchemy/", "persistence/", "sqlite3/")),
    (
        "presenting and validating the response models",
        ("api/presenters.py", "fastapi/encoders.py", "serialize_response"),
    ),
    ("ETag", ("api/etags.py",)),
    (
        "JSON encoding and the response object",
        ("starlette/responses.py", "fastapi/responses.py", "api/conditional.py"),
    ),
)


#: Frames of the start-up (imports, the seeding requests), left out of the layers.
_START_UP = ("_find_and_load", "seeded (", "sign_up (", "create_batch (", "follow (", "login (")


def fold(raw: Path) -> tuple[list[tuple[str, float]], int]:
    """Attribute ``py-spy record --format raw`` samples to :data:`LAYERS`.

    Returns:
        (layer, share of samples) rows, largest first, and the number of samples.
    """
    counts: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack:
            continue
        if any(mark in stack for mark in _START_UP):
            continue
        samples = int(number)
        total += samples
        label = "other (the driver, the profiler harness)"
        for frame in stack.split(";"):  # root first: the last match is the innermost
            for name, paths in LAYERS:
                if any(path in frame for path in paths):
                    label = name
        counts[label] = counts.get(label, 0) + samples
    rows = sorted(((label, n / total) for label, n in counts.items()), key=lambda r: -r[1])
    return rows, total


async def spin(driver: Driver, raw: bytes, seconds: float) -> int:
    """Send one request again and again for ``seconds`` (for a sampling profiler)."""
    deadline = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < deadline:
        await driver.send(raw)
        sent += 1
    return sent


def print_calls_by_file(stats: pstats.Stats, count: int) -> None:
    """Print the Python calls per request of each package folder (``~``: built-ins)."""
    calls: dict[str, int] = {}
    for (file, _, _), (_, primitive, *_) in stats.stats.items():  # type: ignore[attr-defined]
        place = file.split("site-packages/")[-1].split("/src/")[-1]
        folder = "/".join(place.split("/")[:2])
        calls[folder] = calls.get(folder, 0) + primitive
    for folder, number in sorted(calls.items(), key=lambda item: -item[1])[:40]:
        print(f"{number / count:8.0f} {folder}")


def calls_per_request(stats: pstats.Stats, count: int) -> float:
    """Python calls per request."""
    return stats.total_calls / count  # type: ignore[attr-defined,no-any-return]


async def run(args: argparse.Namespace) -> int:
    """Measure as ``args`` say (in one long-lived task: see :meth:`Driver.send`)."""
    names = [name for name in args.only.split(",") if name]
    with tempfile.TemporaryDirectory(prefix="microblog-profile-") as directory:
        contender = (
            bare() if args.bare else seeded(Path(directory), rate_limits=not args.no_rate_limits)
        )
        async with contender as setup:
            if args.spin is not None:
                # For ``py-spy record --pid`` to start on: the seeding is done.
                print(f"spinning (pid {os.getpid()})", file=sys.stderr, flush=True)
                sent = await spin(setup.driver, setup.requests[names[0]], args.spin)
                print(f"{names[0]}: {sent} requests in {args.spin} s")
                return 0
            cpu: dict[str, list[float]] = {name: [] for name in names}
            for round_ in range(args.rounds):
                for name in names if round_ % 2 == 0 else names[::-1]:
                    micros = await cpu_per_request(
                        setup.driver, setup.requests[name], args.requests
                    )
                    cpu[name].append(micros)
            for name in names:
                stats = await profile(setup.driver, setup.requests[name], args.profiled)
                median = statistics.median(cpu[name])
                spread = f"{min(cpu[name]):.0f}-{max(cpu[name]):.0f}"
                print(
                    f"{name}: {calls_per_request(stats, args.profiled):.0f} calls/request, "
                    f"{median:.0f} CPU µs/request ({spread})"
                )
                if args.stats == name and args.by_file:
                    print_calls_by_file(stats, args.profiled)
                elif args.stats == name:
                    stats.sort_stats(args.sort).print_stats(args.top)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Profile the three requests and print the numbers."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.profile_service")
    parser.add_argument("--requests", type=int, default=2000, help="per round (CPU time)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profiled", type=int, default=500, help="requests under cProfile")
    parser.add_argument("--stats", help="print cProfile's top functions for this request")
    parser.add_argument("--only", default="read,timeline,post")
    parser.add_argument("--bare", action="store_true", help="measure the bare app instead")
    parser.add_argument("--sort", default="cumulative", help="--stats: cProfile's sort key")
    parser.add_argument("--top", type=int, default=70, help="--stats: how many functions")
    parser.add_argument(
        "--by-file", action="store_true", help="--stats: calls per package folder instead"
    )
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="rate limits off, as the service benchmark"
    )
    parser.add_argument("--spin", type=float, help="only send --only's first request, S seconds")
    parser.add_argument("--fold", type=Path, help="print the layers of py-spy raw samples")
    args = parser.parse_args(argv)
    if args.fold is not None:
        rows, total = fold(args.fold)
        print(f"{total} samples")
        for label, share in rows:
            print(f"| {label} | {share:.0%} |")
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
