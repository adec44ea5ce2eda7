"""``kill -9`` during keyed batch POSTs: after a restart every key finishes, each batch once.

A real ``microblog-server serve`` process over SQLite is killed with SIGKILL as soon as the
first of 20 concurrent keyed batches is answered, while the others are running or queued;
it is restarted on the same database and every key is retried with its own body, once,
with the service's default settings. A claim of the dead process died with its
transaction: the retry runs at once, with no 409 and no lease to wait out; a batch that
had committed replays its stored response. In the end every batch is stored exactly once.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from threading import Event

import httpx

from tests.processes import free_port, wait_until_serving

KEYS = 20
ITEMS = 50
SECRET = "crash-test-secret-key-0123456789-abcdefghijklmn"


@contextmanager
def serve(database: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``microblog-server serve`` on a free port until the block ends (or it is killed)."""
    port = free_port()
    env = {
        **os.environ,
        "MICROBLOG_DATABASE_URL": f"sqlite:///{database}",
        "MICROBLOG_SECRET_KEY": SECRET,
        "MICROBLOG_RATE_LIMIT": "off",
        "MICROBLOG_RATE_LIMIT_ANONYMOUS": "off",
        "MICROBLOG_RATE_LIMIT_LOGIN": "off",
        "MICROBLOG_PASSWORD_HASH_MEMORY_COST": "8",
        "MICROBLOG_PASSWORD_HASH_PARALLELISM": "1",
        "MICROBLOG_PASSWORD_HASH_TIME_COST": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "microblog_server", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, port, ready=lambda: answers(f"{base}/health/live"))
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


def answers(url: str) -> bool:
    """Whether ``url`` answers at all (the service is up)."""
    try:
        httpx.get(url, timeout=1)
    except httpx.TransportError:
        return False
    return True


def batch(key: int) -> dict[str, list[dict[str, str]]]:
    return {"items": [{"text": f"k{key}-{item}"} for item in range(ITEMS)]}


def post_batch(base: str, token: str, key: int) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/users/dana/collection/batch",
        json=batch(key),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"key-{key}"},
        timeout=30,
    )


def test_a_kill_during_keyed_batches_leaves_every_batch_stored_exactly_once(
    tmp_path: Path,
) -> None:
    database = tmp_path / "crash.db"
    answered_before_kill: list[int] = []
    with serve(database) as (base, process):
        httpx.post(
            f"{base}/api/v1/users", json={"username": "dana", "password": "password123"}
        ).raise_for_status()
        login = httpx.post(
            f"{base}/api/v1/token", data={"username": "dana", "password": "password123"}
        )
        token = login.json()["access_token"]
        first_answer = Event()

        def send(key: int) -> None:
            try:
                response = post_batch(base, token, key)
            except httpx.TransportError:
                return  # the process died under this request
            if response.status_code == 201:
                answered_before_kill.append(key)
                first_answer.set()

        with ThreadPoolExecutor(KEYS) as pool:
            futures = [pool.submit(send, key) for key in range(KEYS)]
            assert first_answer.wait(60), "no batch was answered"
            process.send_signal(signal.SIGKILL)
            for future in futures:
                future.result()
        process.wait(timeout=10)

    assert len(answered_before_kill) < KEYS, "every batch finished before the kill"
    with serve(database) as (base, _):
        retried = {key: post_batch(base, token, key) for key in range(KEYS)}

    assert {key: r.status_code for key, r in retried.items()} == dict.fromkeys(range(KEYS), 201)
    for key in answered_before_kill:
        assert retried[key].headers["Idempotent-Replayed"] == "true"
    with sqlite3.connect(database) as connection:
        texts = [row[0] for row in connection.execute("SELECT text FROM microposts")]
    per_key = Counter(text.split("-")[0] for text in texts)
    assert per_key == {f"k{key}": ITEMS for key in range(KEYS)}
