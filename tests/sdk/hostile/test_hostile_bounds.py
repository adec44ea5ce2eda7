"""The edges of the bounds: broken URLs, pacing against the deadline, bodies read early."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pytest
import requests
import responses

import microblog
from microblog._send import ClientAdapter

if TYPE_CHECKING:
    from tests.sdk.engine.engine_support import FakeTime

    from .conftest import MakeClient, Serve
    from .fake_server import Conn, Received


def _ok(request: Received, conn: Conn) -> None:
    conn.respond(200, {"ok": True})


@pytest.mark.parametrize(
    "location", ["http://[::1", "http://127.0.0.1:99999999/x", "http://user@127.0.0.2:1/x"]
)
def test_a_broken_or_foreign_location_is_raised_not_followed(
    serve: Serve, make_client: MakeClient, location: str
) -> None:
    server = serve(lambda r, c: c.respond(302, b"", {"Location": location}))

    with pytest.raises(microblog.APIError) as raised:
        make_client(server.url)._request("GET", "/api/v1/me")

    assert raised.value.status_code == 302
    assert len(server.received) == 1


def test_a_same_origin_redirect_loop_stops_at_the_sessions_bound(
    serve: Serve, make_client: MakeClient
) -> None:
    server = serve(lambda r, c: c.respond(302, b"", {"Location": "/api/v1/me"}))
    client = make_client(server.url)
    client.session.max_redirects = 3

    with pytest.raises(microblog.APIError) as raised:
        client._request("GET", "/api/v1/me")

    assert raised.value.status_code == 302
    assert len(server.received) == 4


@pytest.mark.parametrize("link", ["http://127.0.0.1:99999999/api/v1/users", "ftp://127.0.0.1/x"])
def test_a_next_link_that_is_not_a_url_of_the_origin_is_a_pagination_error(
    make_client: MakeClient, link: str
) -> None:
    with pytest.raises(microblog.PaginationError):
        make_client("http://127.0.0.1:1")._request("GET", link)


def test_the_clients_own_pacing_never_waits_past_the_deadline(
    serve: Serve, make_client: MakeClient, fake_time: FakeTime
) -> None:
    server = serve(_ok)
    client = make_client(
        server.url, rate_limit=microblog.RateLimit(1, 100.0), retry=microblog.Retry(deadline=5)
    )
    client._request("GET", "/api/v1/me")

    with pytest.raises(microblog.APITimeoutError, match="rate limit"):
        client._request("GET", "/api/v1/me")

    assert len(server.received) == 1
    assert fake_time.sleeps == []


class JumpingClock:
    """Reads ``start`` for the first ``steady`` calls, then far past any deadline."""

    def __init__(self, steady: int) -> None:
        self.calls = 0
        self.steady = steady

    def __call__(self) -> float:
        self.calls += 1
        return 0.0 if self.calls <= self.steady else 1e6


@pytest.mark.parametrize(("steady", "sent"), [(1, 0), (2, 1)], ids=["before-send", "in-body"])
def test_an_attempt_that_starts_or_reads_past_the_deadline_is_cut(
    serve: Serve, make_client: MakeClient, steady: int, sent: int
) -> None:
    server = serve(_ok)
    client = make_client(server.url, clock=JumpingClock(steady), retry=microblog.Retry(deadline=5))

    with pytest.raises(microblog.APITimeoutError, match="deadline"):
        client._request("GET", "/api/v1/me")

    assert len(server.received) == sent


def test_a_deadline_nearer_than_the_read_timeout_works_without_a_socket(
    make_client: MakeClient,
) -> None:
    with responses.RequestsMock() as mock:  # its raw response has no socket to shorten
        mock.add("GET", "http://127.0.0.1:8000/api/v1/me", json={"ok": True})
        client = make_client("http://127.0.0.1:8000", timeout=30, retry=microblog.Retry(deadline=5))
        assert client._request("GET", "/api/v1/me").data == {"ok": True}


@pytest.mark.parametrize(("limit", "ok"), [(2**20, True), (4, False)])
def test_a_body_a_response_hook_already_read_is_still_bounded(
    serve: Serve, make_client: MakeClient, limit: int, ok: bool
) -> None:
    server = serve(_ok)
    client = make_client(server.url, max_response_bytes=limit)

    def read_early(response: requests.Response, **settings: Any) -> None:
        response.content  # noqa: B018  # a hook that reads the body itself

    client.session.hooks["response"].append(read_early)

    if ok:
        assert client._request("GET", "/api/v1/me").data == {"ok": True}
    else:
        with pytest.raises(microblog.ResponseTooLargeError):
            client._request("GET", "/api/v1/me")


class BytesAdapter(ClientAdapter):
    """An adapter whose responses are not urllib3's (like some test doubles)."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = requests.Response()
        response.status_code = 200
        response.raw = io.BytesIO(b'{"ok": true}')
        response.request = request
        response.url = request.url or ""
        return response


@pytest.mark.parametrize(("limit", "ok"), [(2**20, True), (4, False)])
def test_a_body_from_a_foreign_adapter_is_bounded_too(
    make_client: MakeClient, limit: int, ok: bool
) -> None:
    client = make_client("http://127.0.0.1:1", max_response_bytes=limit)
    client.session.mount("http://", BytesAdapter())

    if ok:
        assert client._request("GET", "/api/v1/me").data == {"ok": True}
    else:
        with pytest.raises(microblog.ResponseTooLargeError):
            client._request("GET", "/api/v1/me")


@pytest.mark.parametrize(
    ("value", "error"), [("16", TypeError), (True, TypeError), (0, ValueError)]
)
def test_max_response_bytes_is_checked(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        microblog.Client("http://127.0.0.1:1", max_response_bytes=value)
