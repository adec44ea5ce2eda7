"""The circuit breaker over real HTTP, its time on an injected clock."""

from __future__ import annotations

import pickle
import threading
from typing import TYPE_CHECKING

import pytest

import microblog

from .conftest import PASSWORD, no_wait

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog.testing import LocalServer


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def no_faults_left(faults_cleared: None) -> None:
    """Every test here leaves no fault behind."""


@pytest.fixture
def token(server: LocalServer, new_username: Callable[[], str]) -> str:
    return server.token_for(*server.create_user(new_username(), password=PASSWORD))


@pytest.fixture
def clock() -> Clock:
    return Clock()


def client_for(
    server: LocalServer,
    token: str,
    clock: Clock,
    breaker: microblog.CircuitBreaker,
    **options: object,
) -> microblog.Client:
    options.setdefault("max_retries", 0)
    return microblog.Client(
        server.url,
        token=token,
        circuit_breaker=breaker,
        clock=clock,
        sleep=no_wait,
        **options,  # type: ignore[arg-type]
    )


def test_it_opens_after_the_threshold_and_then_sends_nothing(
    server: LocalServer, token: str, clock: Clock
) -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=3, recovery_time=30.0)
    fault = server.inject(503, times=None, method="GET", path="/api/v1/me")
    with client_for(server, token, clock, breaker) as client:
        for _ in range(3):
            with pytest.raises(microblog.ServerError):
                client.me()
        assert breaker.state == "open"
        with pytest.raises(microblog.CircuitOpenError) as refused:
            client.me()

    assert fault.hits == 3  # the refused call sent nothing
    assert isinstance(refused.value, microblog.APIConnectionError)
    assert refused.value.retry_in == pytest.approx(30.0)
    assert server.url in str(refused.value)
    assert pickle.loads(pickle.dumps(refused.value)).retry_in == refused.value.retry_in


def test_4xx_answers_never_count_and_reset_the_count(
    server: LocalServer, token: str, clock: Clock
) -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=2)
    with client_for(server, token, clock, breaker) as client:
        for _ in range(5):
            with pytest.raises(microblog.NotFoundError):
                client.microposts.get(987654321)
        server.inject(503, times=1, method="GET", path="/api/v1/me")
        with pytest.raises(microblog.ServerError):
            client.me()
        assert breaker.failures == 1
        with pytest.raises(microblog.NotFoundError):
            client.microposts.get(987654321)
        assert breaker.failures == 0
        server.inject(503, times=1, method="GET", path="/api/v1/me")
        with pytest.raises(microblog.ServerError):
            client.me()

    assert breaker.state == "closed"


def test_connection_failures_count(server: LocalServer, token: str, clock: Clock) -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=2)
    server.inject(drop="before", times=2, method="GET", path="/api/v1/me")
    with client_for(server, token, clock, breaker) as client:
        for _ in range(2):
            with pytest.raises(microblog.APIConnectionError):
                client.me()
        with pytest.raises(microblog.CircuitOpenError):
            client.me()


def test_a_call_counts_once_whatever_its_retries(
    server: LocalServer, token: str, clock: Clock
) -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=2)
    fault = server.inject(503, times=None, method="GET", path="/api/v1/me")
    with client_for(server, token, clock, breaker, max_retries=2) as client:
        with pytest.raises(microblog.ServerError):
            client.me()
        assert (breaker.failures, breaker.state) == (1, "closed")
        with pytest.raises(microblog.ServerError):
            client.me()

    assert fault.hits == 6
    assert breaker.state == "open"


def test_after_the_recovery_time_one_trial_decides(
    server: LocalServer, token: str, clock: Clock
) -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=1, recovery_time=10.0)
    server.inject(503, times=2, method="GET", path="/api/v1/me")
    with client_for(server, token, clock, breaker) as client:
        with pytest.raises(microblog.ServerError):
            client.me()
        clock.now += 9.5
        with pytest.raises(microblog.CircuitOpenError):
            client.me()
        clock.now += 0.5
        with pytest.raises(microblog.ServerError):  # the trial fails: open again
            client.me()
        assert breaker.state == "open"
        clock.now += 9.9
        with pytest.raises(microblog.CircuitOpenError):
            client.me()
        clock.now += 0.1
        assert client.me().username  # the trial succeeds: closed
        assert str(breaker.state) == "closed"
        assert client.me().username


def test_while_the_trial_runs_other_calls_are_refused(
    server: LocalServer, token: str, clock: Clock
) -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=1, recovery_time=5.0)
    in_trial, release = threading.Event(), threading.Event()

    def hold(
        request: microblog.Request,
        call_next: Callable[[microblog.Request], microblog.RawResponse],
    ) -> microblog.RawResponse:
        if threading.current_thread().name == "trial":
            in_trial.set()
            assert release.wait(30)
        return call_next(request)

    server.inject(503, times=1, method="GET", path="/api/v1/me")
    with client_for(server, token, clock, breaker, middleware=[hold]) as client:
        with pytest.raises(microblog.ServerError):
            client.me()
        clock.now += 5.0
        results: list[object] = []
        trial = threading.Thread(target=lambda: results.append(client.me()), name="trial")
        trial.start()
        try:
            assert in_trial.wait(30)
            with pytest.raises(microblog.CircuitOpenError) as refused:
                client.with_options(timeout=10).me()  # a copy shares the breaker
        finally:
            release.set()
            trial.join(30)

    assert refused.value.retry_in == 0
    assert "under way" in str(refused.value)
    assert len(results) == 1
    assert breaker.state == "closed"


def test_a_trial_that_raises_before_any_answer_leaves_the_next_call_to_try(
    server: LocalServer, token: str, clock: Clock
) -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=1, recovery_time=5.0)
    fail_once = [True]

    def flaky(
        request: microblog.Request,
        call_next: Callable[[microblog.Request], microblog.RawResponse],
    ) -> microblog.RawResponse:
        if fail_once.pop() if fail_once else False:
            raise RuntimeError("the app's own bug")
        return call_next(request)

    server.inject(503, times=1, method="GET", path="/api/v1/me")
    with client_for(server, token, clock, breaker) as client:
        with pytest.raises(microblog.ServerError):
            client.me()
        clock.now += 5.0
        with pytest.raises(RuntimeError):
            client.with_options(middleware=[flaky]).me()
        assert client.me().username  # not stuck half-open

    assert breaker.state == "closed"


def test_the_breaker_is_off_by_default_and_checks_its_arguments(
    server: LocalServer, token: str
) -> None:
    with microblog.Client(server.url, token=token) as client:
        assert client.circuit_breaker is None
    breaker = microblog.CircuitBreaker()
    with microblog.Client(server.url, token=token, circuit_breaker=breaker) as client:
        assert client.with_options(max_retries=0).circuit_breaker is breaker
    assert (breaker.failure_threshold, breaker.recovery_time) == (5, 30.0)
    assert "closed" in repr(breaker)
    with pytest.raises(ValueError, match="failure_threshold"):
        microblog.CircuitBreaker(failure_threshold=0)
    with pytest.raises(TypeError, match="failure_threshold"):
        microblog.CircuitBreaker(failure_threshold=2.5)  # type: ignore[arg-type]
    for bad in (0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="recovery_time"):
            microblog.CircuitBreaker(recovery_time=bad)
    with pytest.raises(TypeError, match="CircuitBreaker"):
        microblog.Client(server.url, token=token, circuit_breaker=5)  # type: ignore[arg-type]
