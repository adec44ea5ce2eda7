"""microblog.testing.LocalServer: the reference service in a background thread."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from microblog.testing import LocalServer, LocalServerError


def get(url: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_serves_the_api_on_127_0_0_1_with_helpers_for_users_and_tokens() -> None:
    with LocalServer() as server:
        username, password = server.create_user("dana")
        token = server.token_for(username, password)

        status, me = get(f"{server.url}/api/v1/me", token)

    assert status == 200
    assert me["username"] == "dana"


def test_the_url_is_loopback_and_a_free_port() -> None:
    with LocalServer() as first, LocalServer() as second:
        assert first.url.startswith("http://127.0.0.1:")
        assert first.url != second.url
        assert get(f"{first.url}/health")[0] == 200


def test_each_server_has_its_own_empty_database() -> None:
    with LocalServer() as first:
        first.create_user("dana")
    with LocalServer() as second:
        assert second.create_user("dana") == ("dana", "correct-horse-battery")


def test_a_refused_sign_up_raises_with_the_reason() -> None:
    with LocalServer() as server:
        server.create_user("dana")

        with pytest.raises(LocalServerError, match="409"):
            server.create_user("dana")


def test_a_wrong_password_raises() -> None:
    with LocalServer() as server:
        server.create_user("dana", "right-password")

        with pytest.raises(LocalServerError, match="400"):
            server.token_for("dana", "wrong-password")


def test_rate_limits_are_off_by_default_and_can_be_set() -> None:
    with LocalServer(rate_limit_anonymous="1/60") as server:
        statuses = [get(f"{server.url}/api/v1/me")[0] for _ in range(2)]

    assert statuses == [401, 429]


def test_stop_is_idempotent_and_safe_from_another_thread() -> None:
    server = LocalServer().start()
    stoppers = [threading.Thread(target=server.stop) for _ in range(3)]

    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join()
    server.stop()

    assert not server.running
    with pytest.raises(LocalServerError):
        _ = server.url


def test_start_is_idempotent_and_restartable() -> None:
    server = LocalServer()
    try:
        first_url = server.start().url
        assert server.start().url == first_url
        server.stop()
        assert get(f"{server.start().url}/health")[0] == 200
    finally:
        server.stop()


def test_starting_takes_well_under_a_second() -> None:
    LocalServer().start().stop()  # imports done once

    started = time.perf_counter()
    with LocalServer():
        elapsed = time.perf_counter() - started

    assert elapsed < 0.5


def test_importing_the_sdk_does_not_import_the_server() -> None:
    code = (
        "import sys, microblog, microblog.testing; "
        "assert not any(m.split('.')[0] in {'microblog_server', 'fastapi', 'uvicorn'} "
        "for m in sys.modules), 'server imported'"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
