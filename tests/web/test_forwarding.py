"""The site tells the service who the visitor is (``X-Forwarded-For``), never who they say."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import responses
from starlette.testclient import TestClient

from microblog_web import build_app

from .web_support import SECRET

API = "http://127.0.0.1:8000"


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_the_visitors_address_goes_to_the_service_in_place_of_any_they_sent(
    mock: responses.RequestsMock,
) -> None:
    refused = {"status": 400, "code": "invalid_grant", "detail": "wrong username or password"}
    mock.add("POST", f"{API}/api/v1/token", json=refused, status=400)
    with TestClient(build_app(API, secret=SECRET)) as client:  # the visitor is "testclient"
        page = client.get("/login").text
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found is not None
        form = {"csrf": found.group(1), "username": "dana", "password": "nope-nope"}
        client.post("/login", data=form, headers={"X-Forwarded-For": "10.9.8.7"})

    assert mock.calls[0].request.headers["X-Forwarded-For"] == "testclient"
