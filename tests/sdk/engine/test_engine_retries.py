"""Retries through the whole pipeline: what is retried, how long it waits, what it keeps."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING

import pytest
import requests

import microblog

from .engine_support import BASE, FakeTime, MakeClient, problem

if TYPE_CHECKING:
    import responses

URL = f"{BASE}/api/v1/users/dana"


def add_failures_then_success(
    mock: responses.RequestsMock, method: str, status: int, failures: int, **headers: str
) -> None:
    for _ in range(failures):
        mock.add(method, URL, status=status, json=problem(status, "x"), headers=headers)
    mock.add(method, URL, status=200, json={"ok": True})


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "POST"])
def test_transient_server_errors_are_retried_until_success(
    mock: responses.RequestsMock, make_client: MakeClient, method: str, status: int
) -> None:
    add_failures_then_success(mock, method, status, failures=2)

    response = make_client()._request(method, "/api/v1/users/dana")

    assert response.data == {"ok": True}
    assert len(mock.calls) == 3


@pytest.mark.parametrize("status", [500, 503])
def test_a_patch_is_not_retried_after_a_server_error(
    mock: responses.RequestsMock, make_client: MakeClient, status: int
) -> None:
    add_failures_then_success(mock, "PATCH", status, failures=1)

    with pytest.raises(microblog.ServerError):
        make_client()._request("PATCH", "/api/v1/users/dana", json={"bio": "x"})
    assert len(mock.calls) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412, 413, 422])
def test_client_errors_are_never_retried(
    mock: responses.RequestsMock, make_client: MakeClient, status: int
) -> None:
    add_failures_then_success(mock, "GET", status, failures=1)

    with pytest.raises(microblog.APIError) as caught:
        make_client()._request("GET", "/api/v1/users/dana")
    assert caught.value.status_code == status
    assert len(mock.calls) == 1


def test_every_attempt_carries_the_same_request_id_and_idempotency_key(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    add_failures_then_success(mock, "POST", 503, failures=2)

    response = make_client()._request("POST", "/api/v1/users/dana", json={"text": "hi"})

    sent = [call.request.headers for call in mock.calls]
    assert len({h["Idempotency-Key"] for h in sent}) == 1
    assert {h["X-Request-ID"] for h in sent} == {response.request_id}


def test_two_logical_posts_get_two_keys(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", URL, status=201, json={})
    client = make_client()

    client._request("POST", "/api/v1/users/dana", json={})
    client._request("POST", "/api/v1/users/dana", json={})

    keys = {call.request.headers["Idempotency-Key"] for call in mock.calls}
    assert len(keys) == 2


def test_gets_carry_no_idempotency_key(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={})
    make_client()._request("GET", "/api/v1/users/dana")
    assert "Idempotency-Key" not in mock.calls[0].request.headers


def test_backoff_grows_exponentially_then_the_last_error_is_raised(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, status=502, json=problem(502, "bad_gateway"))

    with pytest.raises(microblog.ServerError) as caught:
        make_client()._request("GET", "/api/v1/users/dana")

    assert caught.value.status_code == 502
    assert fake_time.sleeps == [0.5, 1.0, 2.0]
    assert len(mock.calls) == 4


def test_max_retries_zero_turns_retries_off(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    add_failures_then_success(mock, "GET", 503, failures=1)

    with pytest.raises(microblog.ServerError):
        make_client(max_retries=0)._request("GET", "/api/v1/users/dana")
    assert fake_time.sleeps == []
    assert len(mock.calls) == 1


def test_the_deadline_stops_retrying_before_a_wait_would_pass_it(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, status=503, json=problem(503, "unavailable"))
    retry = microblog.Retry(jitter=0, max_retries=10, deadline=2.0)

    with pytest.raises(microblog.ServerError):
        make_client(retry=retry)._request("GET", "/api/v1/users/dana")

    assert fake_time.sleeps == [0.5, 1.0]  # the next 2.0 s wait would end past 2 s


class _HttpDate:
    """An HTTP date ``seconds`` from the moment the test runs (not when it is collected)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __str__(self) -> str:
        moment = datetime.now(UTC) + timedelta(seconds=self.seconds)
        return format_datetime(moment, usegmt=True)

    def __repr__(self) -> str:
        return f"http-date{self.seconds:+g}s"


def _http_date(seconds_from_now: float) -> _HttpDate:
    return _HttpDate(seconds_from_now)


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        ("7", 7.0, 7.0),  # delay-seconds
        (_http_date(30), 25.0, 31.0),  # HTTP date
        ("soon", 0.5, 0.5),  # garbage: ignored, backoff instead
        ("-3", 0.5, 0.5),
        ("0", 0.5, 0.5),  # zero still waits the backoff: a floor
        (_http_date(-60), 0.5, 0.5),  # a date in the past: the backoff floor
    ],
)
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_sets_the_wait(
    mock: responses.RequestsMock,
    make_client: MakeClient,
    fake_time: FakeTime,
    status: int,
    retry_after: str | _HttpDate,
    low: float,
    high: float,
) -> None:
    add_failures_then_success(mock, "GET", status, failures=1, **{"Retry-After": str(retry_after)})

    make_client()._request("GET", "/api/v1/users/dana")

    assert len(fake_time.sleeps) == 1
    assert low <= fake_time.sleeps[0] <= high


@pytest.mark.parametrize("retry_after", ["61", _http_date(3600)])
def test_a_retry_after_past_the_cap_raises_at_once(
    mock: responses.RequestsMock,
    make_client: MakeClient,
    fake_time: FakeTime,
    retry_after: str | _HttpDate,
) -> None:
    add_failures_then_success(mock, "GET", 429, failures=1, **{"Retry-After": str(retry_after)})

    with pytest.raises(microblog.RateLimitError) as caught:
        make_client()._request("GET", "/api/v1/users/dana")

    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 60
    assert fake_time.sleeps == []


def test_a_capped_503_is_raised_as_the_server_error(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    add_failures_then_success(mock, "GET", 503, failures=1, **{"Retry-After": "600"})

    with pytest.raises(microblog.ServerError):
        make_client()._request("GET", "/api/v1/users/dana")
    assert fake_time.sleeps == []


def test_a_429_for_a_post_without_key_is_still_retried(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    add_failures_then_success(mock, "PATCH", 429, failures=1, **{"Retry-After": "1"})

    assert make_client()._request("PATCH", "/api/v1/users/dana").data == {"ok": True}


def test_connection_failures_are_retried_then_mapped_with_their_cause(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, body=requests.ConnectionError("refused"))

    with pytest.raises(microblog.APIConnectionError) as caught:
        make_client()._request("GET", "/api/v1/users/dana")

    assert not isinstance(caught.value, microblog.APITimeoutError)
    assert isinstance(caught.value.__cause__, requests.ConnectionError)
    assert len(mock.calls) == 4
    assert caught.value.request_id == mock.calls[0].request.headers["X-Request-ID"]


def test_a_read_timeout_of_a_post_with_key_is_retried(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", URL, body=requests.ReadTimeout("slow"))
    mock.add("POST", URL, status=201, json={"id": 1})

    assert make_client()._request("POST", "/api/v1/users/dana", json={}).status_code == 201


def test_a_read_timeout_of_a_patch_is_not_retried(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("PATCH", URL, body=requests.ReadTimeout("slow"))

    with pytest.raises(microblog.APITimeoutError) as caught:
        make_client()._request("PATCH", "/api/v1/users/dana", json={})
    assert isinstance(caught.value.__cause__, requests.ReadTimeout)
    assert len(mock.calls) == 1


def test_a_connect_timeout_is_a_timeout_and_retried(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("PATCH", URL, body=requests.ConnectTimeout("no route"))

    with pytest.raises(microblog.APITimeoutError):
        make_client(max_retries=1)._request("PATCH", "/api/v1/users/dana", json={})
    assert len(mock.calls) == 2


def test_tls_errors_are_not_retried(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.add("GET", URL, body=requests.exceptions.SSLError("bad certificate"))

    with pytest.raises(microblog.APIConnectionError):
        make_client()._request("GET", "/api/v1/users/dana")
    assert len(mock.calls) == 1


def test_other_transport_failures_are_mapped_too(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, body=requests.exceptions.ChunkedEncodingError("cut"))

    with pytest.raises(microblog.APIConnectionError) as caught:
        make_client(max_retries=0)._request("GET", "/api/v1/users/dana")
    assert "connection lost" in str(caught.value)


def test_retry_hook_sees_each_retry_and_a_raising_hook_breaks_nothing(
    mock: responses.RequestsMock, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    add_failures_then_success(mock, "GET", 429, failures=2, **{"Retry-After": "3"})
    events: list[microblog.RetryEvent] = []
    waits: list[float] = []

    def record(event: microblog.RetryEvent) -> None:
        events.append(event)
        raise RuntimeError("observer bug")

    hooks = microblog.Hooks(on_retry=record, on_rate_limit_wait=waits.append)
    response = make_client(hooks=hooks)._request("GET", "/api/v1/users/dana")

    assert response.data == {"ok": True}
    assert [(e.attempt, e.delay, e.path) for e in events] == [
        (1, 3.0, "/api/v1/users/dana"),
        (2, 3.0, "/api/v1/users/dana"),
    ]
    assert all(isinstance(e.error, microblog.RateLimitError) for e in events)
    assert {e.request_id for e in events} == {response.request_id}
    assert waits == [3.0, 3.0]
    assert "hook" in caplog.text


def test_retries_are_logged_at_info(
    mock: responses.RequestsMock, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    add_failures_then_success(mock, "GET", 500, failures=1)

    with caplog.at_level("DEBUG", logger="microblog"):
        response = make_client()._request("GET", "/api/v1/users/dana")

    infos = [r.getMessage() for r in caplog.records if r.levelname == "INFO"]
    debugs = [r.getMessage() for r in caplog.records if r.levelname == "DEBUG"]
    assert len(infos) == 1
    assert "retrying GET /api/v1/users/dana" in infos[0]
    assert len(debugs) == 2
    assert "-> 500" in debugs[0]
    assert "attempt 1" in debugs[0]
    assert "attempt 2" in debugs[1]
    assert all(response.request_id in line for line in debugs)


def test_with_options_changes_retries_for_the_copy_only(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, status=503, json=problem(503, "unavailable"))
    client = make_client()

    with pytest.raises(microblog.ServerError):
        client.with_options(max_retries=1)._request("GET", "/api/v1/users/dana")
    assert len(mock.calls) == 2
    assert client.retry.max_retries == 3


def test_with_options_accepts_a_whole_policy(make_client: MakeClient) -> None:
    policy = dataclasses.replace(microblog.Retry(), backoff_base=2.0)
    assert make_client().with_options(retry=policy).retry is policy


def test_retried_attempts_are_numbered_from_one(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    add_failures_then_success(mock, "GET", 503, failures=2)
    events: list[microblog.RetryEvent] = []
    client = make_client(hooks=microblog.Hooks(on_retry=events.append))

    client._request("GET", "/api/v1/users/dana")

    assert [event.attempt for event in events] == [1, 2]
    assert len(mock.calls) == 3
