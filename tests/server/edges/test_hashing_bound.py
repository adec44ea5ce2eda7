"""Password hashing runs at most N at once; past that a fast 503, and reads stay served.

The hasher is instrumented at the Argon2 library: each hash counts itself in flight and
then waits until the test lets it finish, so the burst holds every slot for as long as
the test needs, without timing anything.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

import argon2
import pytest

from microblog.testing import LocalServer

from .support import bearer, call, sign_up, token

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

BOUND = 2
BURST = 8


class HeldHashes:
    """Counts Argon2 work in flight; while ``hold`` is set, each call waits for ``release``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        self.started = threading.Semaphore(0)
        self.hold = False
        self.release = threading.Event()

    def wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """Return ``original`` (an Argon2 method), counted and held."""

        def held(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.in_flight += 1
                self.most = max(self.most, self.in_flight)
            try:
                if self.hold:
                    self.started.release()
                    assert self.release.wait(timeout=60)
                return original(*args, **kwargs)
            finally:
                with self.lock:
                    self.in_flight -= 1

        return held


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldHashes]:
    instrument = HeldHashes()
    for name in ("hash", "verify"):
        monkeypatch.setattr(
            argon2.PasswordHasher, name, instrument.wrap(getattr(argon2.PasswordHasher, name))
        )
    yield instrument
    instrument.release.set()


def test_a_burst_of_sign_ups_past_the_bound_gets_fast_503s_while_reads_are_served(
    held: HeldHashes,
) -> None:
    with LocalServer(password_hash_concurrency=BOUND) as server:
        sign_up(server.url, "reader")
        reader = bearer(token(server.url, "reader"))
        held.hold = True
        with ThreadPoolExecutor(BURST) as pool:
            burst = [
                pool.submit(
                    call,
                    server.url,
                    "POST",
                    "/api/v1/users",
                    json_body={"username": f"burst{n}", "password": "long-enough-1"},
                )
                for n in range(BURST)
            ]
            for _ in range(BOUND):
                assert held.started.acquire(timeout=30)  # every slot is taken and held
            # The ones that found no slot are answered while the others still hash.
            early = []
            for done in as_completed(burst, timeout=30):
                early.append(done.result())
                if len(early) == BURST - BOUND:
                    break
            reads = [call(server.url, "GET", "/api/v1/me", headers=reader) for _ in range(5)]
            held.release.set()
            answers = [f.result(timeout=30) for f in burst]

    statuses = sorted(answer.status for answer in answers)
    assert statuses == [201] * BOUND + [503] * (BURST - BOUND)
    assert held.most == BOUND
    assert [answer.status for answer in reads] == [200] * 5
    assert sorted(a.status for a in early) == [503] * (BURST - BOUND)
    for answer in answers:
        if answer.status == 503:
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["code"] == "unavailable"
            assert answer.headers["retry-after"] == "1"


def test_a_login_while_hashing_is_saturated_is_a_503_not_a_wrong_password(
    held: HeldHashes, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LocalServer(password_hash_concurrency=1) as server:
        sign_up(server.url, "dana")
        held.hold = True
        with ThreadPoolExecutor(1) as pool:
            signing_up = pool.submit(
                call,
                server.url,
                "POST",
                "/api/v1/users",
                json_body={"username": "eve", "password": "long-enough"},
            )
            assert held.started.acquire(timeout=30)
            login = call(
                server.url,
                "POST",
                "/api/v1/token",
                form={"username": "dana", "password": "whatever-9"},
            )
            held.release.set()
            assert signing_up.result(timeout=30).status == 201

    assert login.status == 503, login.body
    assert login.headers["retry-after"] == "1"
