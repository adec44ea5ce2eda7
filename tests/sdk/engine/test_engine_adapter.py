"""The adapter a client mounts on its own session: requests' own, minus idle cookie parsing."""

from __future__ import annotations

import io

import pytest
import requests
import urllib3
from requests.adapters import HTTPAdapter

import microblog
from microblog._send import ClientAdapter

from .engine_support import BASE


def _prepared() -> requests.PreparedRequest:
    return requests.Request("GET", f"{BASE}/api/v1/me").prepare()


def _raw(headers: dict[str, str]) -> urllib3.HTTPResponse:
    return urllib3.HTTPResponse(
        body=io.BytesIO(b'{"id": 1}'),
        headers=headers,
        status=200,
        reason="OK",
        preload_content=False,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json; charset=utf-8", "ETag": '"v1"'},
        {"Content-Type": "text/plain"},
        {},
    ],
)
def test_a_response_without_cookies_is_built_as_requests_builds_it(
    headers: dict[str, str],
) -> None:
    prepared = _prepared()
    adapter = ClientAdapter()
    ours = adapter.build_response(prepared, _raw(headers))
    theirs = HTTPAdapter().build_response(prepared, _raw(headers))

    assert (ours.status_code, ours.reason, ours.url, ours.encoding) == (
        theirs.status_code,
        theirs.reason,
        theirs.url,
        theirs.encoding,
    )
    assert dict(ours.headers) == dict(theirs.headers)
    assert ours.request is prepared
    assert ours.connection is adapter  # auth handlers resend through it (HTTPDigestAuth)
    assert ours.json() == {"id": 1}
    assert len(ours.cookies) == 0


def test_a_response_that_sets_a_cookie_is_built_by_requests_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built_by_requests: list[urllib3.HTTPResponse] = []

    def build_response(
        self: HTTPAdapter, req: requests.PreparedRequest, resp: urllib3.HTTPResponse
    ) -> requests.Response:
        built_by_requests.append(resp)
        return requests.Response()

    monkeypatch.setattr(HTTPAdapter, "build_response", build_response)
    with_cookie = _raw({"Set-Cookie": "session=abc; Path=/"})

    ClientAdapter().build_response(_prepared(), with_cookie)
    ClientAdapter().build_response(_prepared(), _raw({"ETag": '"v1"'}))

    assert built_by_requests == [with_cookie]


def test_a_client_mounts_it_on_the_session_it_creates() -> None:
    with microblog.Client(BASE, token="t") as client:
        assert isinstance(client.session.get_adapter(BASE), ClientAdapter)
        assert client.session.get_adapter("https://example.invalid") is client.session.get_adapter(
            BASE
        )
