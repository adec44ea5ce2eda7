"""A retried DELETE that finds nothing left: done by an unanswered attempt, or a real 404.

When an earlier attempt may have been carried out by the service (its answer was lost
after the request went out, it read-timed out, or it got a 5xx), a 404 on the retry means
that attempt deleted the resource: the call returns normally and logs it at INFO. When no
attempt can have reached the service (connect failure, 429) or the first attempt gets the
404, NotFoundError is still raised; and only DELETE is treated so.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
import requests
import urllib3

import microblog

from .engine_support import BASE, FakeTime, MakeClient, problem

if TYPE_CHECKING:
    import responses

PATH = "/api/v1/users/dana/collection/5"
URL = f"{BASE}{PATH}"
TAKEN_AS_DONE = "taken as done"


def connection_lost() -> requests.ConnectionError:
    """What requests raises when the connection drops after the request was sent."""
    reset = ConnectionResetError(104, "Connection reset by peer")
    return requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", reset))


def connection_refused() -> requests.ConnectionError:
    """What requests raises when no connection could be made (nothing was sent)."""
    pool = urllib3.HTTPConnectionPool("127.0.0.1", 8000)
    refused = ConnectionRefusedError(111, "Connection refused")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(pool, PATH, reason=refused))


def add_not_found(mock: responses.RequestsMock, method: str = "DELETE") -> None:
    mock.add(method, URL, status=404, json=problem(404, "not_found"))


def taken_as_done_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if TAKEN_AS_DONE in r.getMessage()]


def test_a_delete_whose_answer_was_lost_then_404_returns_and_logs_it_as_done(
    mock: responses.RequestsMock, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    mock.add("DELETE", URL, body=connection_lost())
    add_not_found(mock)

    with caplog.at_level(logging.INFO, logger="microblog"):
        response = make_client()._request("DELETE", PATH)

    assert (response.status_code, response.data) == (204, None)
    assert len(mock.calls) == 2
    [line] = taken_as_done_lines(caplog)
    assert (line.name, line.levelno) == ("microblog", logging.INFO)
    assert PATH in line.getMessage()
    assert response.request_id in line.getMessage()


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_delete_that_got_a_server_error_then_404_returns(
    mock: responses.RequestsMock,
    make_client: MakeClient,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    mock.add("DELETE", URL, status=status, json=problem(status, "unavailable"))
    add_not_found(mock)

    with caplog.at_level(logging.INFO, logger="microblog"):
        response = make_client()._request("DELETE", PATH)

    assert (response.status_code, response.data) == (204, None)
    assert len(mock.calls) == 2
    assert len(taken_as_done_lines(caplog)) == 1


def test_a_delete_that_read_timed_out_then_404_returns(
    mock: responses.RequestsMock, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    mock.add("DELETE", URL, body=requests.ReadTimeout("slow"))
    add_not_found(mock)

    with caplog.at_level(logging.INFO, logger="microblog"):
        response = make_client()._request("DELETE", PATH)

    assert (response.status_code, response.data) == (204, None)
    assert len(mock.calls) == 2
    assert len(taken_as_done_lines(caplog)) == 1


def test_an_unanswered_attempt_counts_even_when_a_later_one_never_connected(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("DELETE", URL, body=connection_lost())
    mock.add("DELETE", URL, body=connection_refused())
    add_not_found(mock)

    response = make_client()._request("DELETE", PATH)

    assert response.status_code == 204
    assert len(mock.calls) == 3
    assert fake_time.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    "first",
    [connection_refused(), requests.ConnectTimeout("nope")],
    ids=["refused", "connect_timeout"],
)
def test_a_delete_that_never_reached_the_service_then_404_raises_not_found(
    mock: responses.RequestsMock,
    make_client: MakeClient,
    caplog: pytest.LogCaptureFixture,
    first: Exception,
) -> None:
    mock.add("DELETE", URL, body=first)
    add_not_found(mock)

    with (
        caplog.at_level(logging.INFO, logger="microblog"),
        pytest.raises(microblog.NotFoundError) as caught,
    ):
        make_client()._request("DELETE", PATH)

    assert caught.value.status_code == 404
    assert len(mock.calls) == 2
    assert taken_as_done_lines(caplog) == []


def test_a_delete_rate_limited_then_404_raises_not_found(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add(
        "DELETE", URL, status=429, json=problem(429, "rate_limited"), headers={"Retry-After": "1"}
    )
    add_not_found(mock)

    with pytest.raises(microblog.NotFoundError):
        make_client()._request("DELETE", PATH)
    assert len(mock.calls) == 2


def test_a_delete_that_gets_404_on_its_first_attempt_raises_not_found(
    mock: responses.RequestsMock, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    add_not_found(mock)

    with (
        caplog.at_level(logging.INFO, logger="microblog"),
        pytest.raises(microblog.NotFoundError),
    ):
        make_client()._request("DELETE", PATH)

    assert len(mock.calls) == 1
    assert taken_as_done_lines(caplog) == []


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_only_a_delete_takes_a_404_after_a_lost_answer_as_done(
    mock: responses.RequestsMock, make_client: MakeClient, method: str
) -> None:
    mock.add(method, URL, body=connection_lost())
    add_not_found(mock, method)

    with pytest.raises(microblog.NotFoundError):
        make_client()._request(method, PATH)
    assert len(mock.calls) == 2


def test_the_next_delete_of_the_same_resource_raises_not_found(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("DELETE", URL, body=connection_lost())
    add_not_found(mock)
    client = make_client()
    client._request("DELETE", PATH)

    with pytest.raises(microblog.NotFoundError):
        client._request("DELETE", PATH)
    assert len(mock.calls) == 3


def test_a_delete_taken_as_done_drops_the_cached_copy_and_the_404s_headers(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={"id": 5}, headers={"ETag": '"v1"'})
    mock.add("DELETE", URL, body=connection_lost())
    add_not_found(mock)
    mock.add("GET", URL, json={"id": 5}, headers={"ETag": '"v2"'})
    client = make_client()
    client._request("GET", PATH)

    response = client._request("DELETE", PATH)
    client._request("GET", PATH)

    assert dict(response.headers) == {}
    assert "If-None-Match" not in mock.calls[-1].request.headers
