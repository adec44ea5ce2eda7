"""SDK users behind HAProxy while nodes crash, restart, and the database restarts."""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import microblog
from tests.cluster.conftest import PASSWORD, Cluster

THREADS = 16


@dataclass
class Worker:
    """One SDK user doing mixed reads and creates; records what it saw."""

    username: str
    client: microblog.Client
    acknowledged: dict[int, str] = field(default_factory=dict)
    errors: list[tuple[float, BaseException]] = field(default_factory=list)
    successes: list[float] = field(default_factory=list)

    def run(self, stop: threading.Event, number: int) -> None:
        rng = random.Random(number)
        count = 0
        while not stop.is_set():
            try:
                if rng.random() < 0.4:
                    count += 1
                    text = f"{self.username} #{count}"
                    post = self.client.microposts.create(text)
                    self.acknowledged[post.id] = text
                elif rng.random() < 0.5:
                    list(self.client.microposts.list(limit=5))
                else:
                    self.client.me()
                self.successes.append(time.monotonic())
            except microblog.MicroblogError as error:
                self.errors.append((time.monotonic(), error))
            time.sleep(0.01)  # pacing, not waiting on anything


@contextmanager
def load(cluster: Cluster, *, max_retries: int | None = None) -> Iterator[list[Worker]]:
    """Run THREADS workers through the load balancer for the duration of the block."""
    workers = []
    for _ in range(THREADS):
        username, _token = cluster.sign_up()
        client = microblog.Client(
            cluster.balancer.url, username=username, password=PASSWORD, max_retries=max_retries
        )
        workers.append(Worker(username, client))
    stop = threading.Event()
    threads = [
        threading.Thread(target=worker.run, args=(stop, n), daemon=True)
        for n, worker in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        yield workers
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        for worker in workers:
            worker.client.close()


def _stored(cluster: Cluster, worker: Worker) -> list[tuple[int, str]]:
    rows = cluster.postgres.sql(
        "SELECT m.id || '|' || m.text FROM microposts m JOIN users u ON u.id = m.author_id "
        f"WHERE u.username = '{worker.username}'"
    )
    return [(int(i), text) for i, _, text in (row.partition("|") for row in rows.splitlines())]


def _wait(seconds: float, until: Callable[[], bool] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and until()):
        time.sleep(0.05)


def test_a_crash_and_a_rolling_restart_are_invisible_to_sdk_users(healthy: Cluster) -> None:
    crashed, restarted = healthy.nodes[1], healthy.nodes[2]
    with load(healthy) as workers:
        _wait(2)
        crashed.signal(signal.SIGKILL)  # a crash in the middle of requests
        crashed.wait_exit()
        _wait(2)
        crashed.start()  # back, as a supervisor would bring it
        _wait(2)
        restarted.signal(signal.SIGTERM)  # rolling restart: graceful stop, then start
        # uvicorn finishes the requests it has, then re-raises the signal it caught.
        assert restarted.wait_exit() in {0, -signal.SIGTERM}
        assert "Application shutdown complete" in restarted.log()
        restarted.start()
        _wait(2)

    assert sum(len(worker.successes) for worker in workers) > 200  # it did run under load
    for worker in workers:
        stored = _stored(healthy, worker)
        texts = [text for _, text in stored]
        assert len(texts) == len(set(texts)), f"duplicated microposts of {worker.username}"
        missing = set(worker.acknowledged.items()) - set(stored)
        assert missing == set(), f"acknowledged but missing: {missing}"
    errors = [error for worker in workers for _, error in worker.errors]
    # A create running on the killed node had claimed its Idempotency-Key: its retries
    # get 409 idempotency_in_progress until the claim's lease lapses, then take it over;
    # the SDK retries that 409 after its Retry-After, so no error reaches its caller.
    assert errors == []


def test_a_database_restart_fails_calls_only_as_503_and_everything_resumes(
    healthy: Cluster,
) -> None:
    pids = [node.process.pid for node in healthy.nodes if node.process is not None]
    with load(healthy, max_retries=0) as workers:
        _wait(1.5)
        healthy.postgres.stop()
        outage_started = time.monotonic()
        _wait(2)
        healthy.postgres.start()
        outage_ended = time.monotonic()
        _wait(6)  # HAProxy sees the nodes healthy again within about a second

    for worker in workers:
        for _, error in worker.errors:
            unavailable = isinstance(error, microblog.ServerError) and error.status_code == 503
            assert unavailable or isinstance(error, microblog.APIConnectionError), repr(error)
        # Every worker works again after the outage, without any node restarted.
        assert any(t > outage_ended + 3 for t in worker.successes), worker.username
    assert any(worker.errors for worker in workers)  # the outage was seen
    assert all(outage_started - 1 < t for w in workers for t, _ in w.errors)
    assert [node.process.pid for node in healthy.nodes if node.process is not None] == pids
    for node in healthy.nodes:
        log = node.log()
        assert "Traceback" not in log
        assert " 500 " not in log
