"""The microblog-server command: serve over real HTTP, migrate, seed, help."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from microblog_server import worker_sockets
from microblog_server.bootstrap import build_services
from microblog_server.cli import main
from microblog_server.data import DEMO_PASSWORD
from microblog_server.settings import Settings
from tests.processes import free_port, wait_until_serving


def call(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def answers(url: str) -> bool:
    """Whether ``url`` answers at all (the service is up)."""
    try:
        call(url)
    except (urllib.error.URLError, ConnectionError):
        return False
    return True


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'microblog.db'}"
    monkeypatch.setenv("MICROBLOG_DATABASE_URL", url)
    monkeypatch.setenv("MICROBLOG_PASSWORD_HASH_MEMORY_COST", "8")
    monkeypatch.setenv("MICROBLOG_PASSWORD_HASH_PARALLELISM", "1")
    monkeypatch.setenv("MICROBLOG_PASSWORD_HASH_TIME_COST", "1")
    return url


@contextmanager
def serving(*options: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "MICROBLOG_SECRET_KEY": "cli-test-secret-key-0123456789-abcdefghijklmnop"}
    process = subprocess.Popen(
        [sys.executable, "-m", "microblog_server", "serve", "--port", str(port), *options],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, port, ready=lambda: answers(f"{base}/health/live"), timeout=20)
        yield base
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
        assert b"Traceback" not in errors


@pytest.fixture
def served(database: str) -> Iterator[str]:
    with serving() as base:
        yield base


def test_serve_migrates_then_answers_over_http(served: str) -> None:
    status, health = call(f"{served}/health")

    assert status == 200
    assert health["status"] == "pass"


def test_serve_answers_an_authenticated_call(served: str) -> None:
    signup = json.dumps({"username": "dana", "password": "password123"}).encode()
    call(f"{served}/api/v1/users", signup, {"Content-Type": "application/json"})
    form = urllib.parse.urlencode({"username": "dana", "password": "password123"}).encode()
    _, token = call(f"{served}/api/v1/token", form)

    status, me = call(
        f"{served}/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"}
    )

    assert status == 200
    assert me["username"] == "dana"


def test_the_workers_shared_socket_is_tcp_so_accepted_ones_get_nodelay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Where SO_REUSEPORT does not balance (macOS, the BSDs), the workers share one socket.
    monkeypatch.setattr(worker_sockets, "balances_connections", lambda: False)

    sockets, port = worker_sockets.workers_sockets("127.0.0.1", 0, backlog=8)

    with sockets[0] as sock:
        assert len(sockets) == 1
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname() == ("127.0.0.1", port)


def test_serve_with_workers_answers_keep_alive_calls_without_the_delayed_ack_stall(
    database: str,
) -> None:
    # Without TCP_NODELAY every response with a body waits ~40 ms for the client's delayed
    # ACK, each call, whatever the load. With it, a call takes a few milliseconds. So the
    # fastest of 20 calls tells them apart: a loaded machine slows some calls (the total
    # was a flaky signal at load 8-10 on 2 cores), not every one of them.
    with serving("--workers", "2") as base, requests.Session() as session:
        assert session.get(f"{base}/api/version", timeout=5).status_code == 200
        fastest = float("inf")
        for _ in range(20):
            started = time.perf_counter()
            response = session.get(f"{base}/api/version", timeout=5)
            fastest = min(fastest, time.perf_counter() - started)
            assert response.status_code == 200
            assert response.content

    assert fastest < 0.035


def test_migrate_upgrades_to_head(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0

    assert "head" in capsys.readouterr().out


def test_seed_loads_the_demo_data_once(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed"]) == 0
    assert "seeded" in capsys.readouterr().out

    assert main(["seed"]) == 0
    assert "already present" in capsys.readouterr().out


def test_the_demo_data_has_the_readme_s_bob(database: str) -> None:
    assert main(["seed"]) == 0

    services = build_services(Settings())
    try:
        assert services.auth.login("bob", DEMO_PASSWORD).access_token
    finally:
        services.close()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "serve"),
        (["serve"], "--workers"),
        (["migrate"], "--revision"),
        (["seed"], "demo"),
    ],
)
def test_every_command_has_help(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])

    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert expected in out
    assert "MICROBLOG_DATABASE_URL" in out


def test_invalid_settings_are_reported_without_a_traceback(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MICROBLOG_RATE_LIMIT", "lots")

    assert main(["migrate"]) == 2

    error = capsys.readouterr().err
    assert "invalid settings" in error
    assert "Traceback" not in error
