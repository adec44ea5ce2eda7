"""tenacity runs the retries, and a user's test suite makes them fast by the usual means."""

from __future__ import annotations

import time

import pytest
import requests_mock as requests_mock_module
import responses
import tenacity

import microblog
from microblog._outcome import Outcome

from .engine_support import BASE, FakeTime, MakeClient, problem

URL = f"{BASE}/api/v1/users/dana"


def fail(mock: responses.RequestsMock, status: int, times: int) -> None:
    for _ in range(times):
        mock.add("GET", URL, status=status, json=problem(status, "x"))
    mock.add("GET", URL, json={"ok": True})


def test_a_tenacity_wait_sets_the_waits(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    fail(mock, 503, times=3)
    client = make_client(retry=microblog.Retry(wait=tenacity.wait_fixed(2)))

    client._request("GET", "/api/v1/users/dana")

    assert fake_time.sleeps == [2.0, 2.0, 2.0]


def test_a_tenacity_stop_says_when_to_stop(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    fail(mock, 503, times=6)
    policy = microblog.Retry(
        wait=tenacity.wait_random_exponential(multiplier=0.5, max=8),
        stop=tenacity.stop_after_attempt(5),
    )

    with pytest.raises(microblog.ServerError):
        make_client(retry=policy)._request("GET", "/api/v1/users/dana")

    assert len(mock.calls) == 5
    assert all(0 <= wait <= 8 for wait in fake_time.sleeps)


def test_a_tenacity_stop_after_delay_reads_the_clients_clock(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    fail(mock, 503, times=10)
    policy = microblog.Retry(wait=tenacity.wait_fixed(4), stop=tenacity.stop_after_delay(10))

    with pytest.raises(microblog.ServerError):
        make_client(retry=policy)._request("GET", "/api/v1/users/dana")

    assert fake_time.sleeps == [4.0, 4.0, 4.0]  # the fourth failure is 12 s in: stop


def test_retry_after_and_the_deadline_bound_a_tenacity_wait(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, status=503, json=problem(503, "x"), headers={"Retry-After": "3"})
    mock.add("GET", URL, status=503, json=problem(503, "x"))
    mock.add("GET", URL, json={"ok": True})
    policy = microblog.Retry(wait=tenacity.wait_fixed(50), deadline=20)

    with pytest.raises(microblog.ServerError):
        make_client(retry=policy)._request("GET", "/api/v1/users/dana")

    assert fake_time.sleeps == [3.0]  # Retry-After wins; then 50 s would pass the deadline


def test_max_retries_zero_turns_a_tenacity_stop_off(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    fail(mock, 503, times=2)
    policy = microblog.Retry(stop=tenacity.stop_after_attempt(5))

    with pytest.raises(microblog.ServerError):
        make_client(retry=policy, max_retries=0)._request("GET", "/api/v1/users/dana")

    assert len(mock.calls) == 1


def test_a_wait_that_is_not_a_strategy_is_refused() -> None:
    with pytest.raises(TypeError, match="tenacity"):
        microblog.Retry(wait=2)  # type: ignore[arg-type]


def test_decide_asks_the_same_rule_as_the_loop() -> None:
    policy = microblog.Retry(wait=tenacity.wait_fixed(2), stop=tenacity.stop_after_attempt(3))
    outcome = Outcome(status=503)

    waits = [policy.decide("GET", outcome, keyed=False, attempt=n, elapsed=0) for n in (1, 2, 3)]

    assert waits == [2.0, 2.0, None]


def test_a_first_time_success_builds_no_retry_loop(
    mock: responses.RequestsMock, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock.add("GET", URL, json={"ok": True})
    built: list[object] = []
    monkeypatch.setattr(tenacity.Retrying, "begin", built.append)

    make_client()._request("GET", "/api/v1/users/dana")

    assert built == []


# Users' tests fast by the usual means.


@pytest.fixture
def no_env_retries(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("MICROBLOG_MAX_RETRIES", raising=False)
    return monkeypatch


def test_microblog_max_retries_sets_the_count_when_none_is_passed(
    mock: responses.RequestsMock, no_env_retries: pytest.MonkeyPatch
) -> None:
    no_env_retries.setenv("MICROBLOG_MAX_RETRIES", "0")
    fail(mock, 503, times=1)

    with microblog.Client(BASE, token="t") as client:
        assert client.retry.max_retries == 0
        with pytest.raises(microblog.ServerError):
            client._request("GET", "/api/v1/users/dana")
    with microblog.Client(BASE, token="t", max_retries=2) as client:
        assert client.retry.max_retries == 2  # an argument wins


def test_a_microblog_max_retries_that_is_not_a_count_is_refused(
    no_env_retries: pytest.MonkeyPatch,
) -> None:
    no_env_retries.setenv("MICROBLOG_MAX_RETRIES", "three")

    with pytest.raises(ValueError, match="MICROBLOG_MAX_RETRIES"):
        microblog.Client(BASE, token="t")


def test_the_default_sleep_is_time_sleep_as_patched(
    mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    fail(mock, 503, times=2)

    with microblog.Client(BASE, token="t", retry=microblog.Retry(jitter=0)) as client:
        client._request("GET", "/api/v1/users/dana")

    assert slept == [0.5, 1.0]


def test_a_forgotten_responses_mock_says_so_in_the_message() -> None:
    with responses.RequestsMock() as mock, microblog.Client(BASE, token="t", max_retries=0) as c:
        mock.add("GET", f"{BASE}/api/v1/me", json={})
        with pytest.raises(microblog.APIConnectionError) as raised:
            c._request("GET", "/api/v1/users/dana")
        c._request("GET", "/api/v1/me")

    assert "Connection refused by Responses" in str(raised.value)


def test_a_forgotten_requests_mock_says_so_in_the_message() -> None:
    with (
        requests_mock_module.Mocker(),
        microblog.Client(BASE, token="t", max_retries=0) as client,
        pytest.raises(microblog.APIConnectionError) as raised,
    ):
        client._request("GET", "/api/v1/users/dana")

    assert "No mock address: GET" in str(raised.value)
