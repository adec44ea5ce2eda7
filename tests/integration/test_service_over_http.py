"""The endpoints the SDK does not wrap, over real HTTP: health, version, OpenAPI, PUT.

Together with test_sdk_over_http.py this touches every endpoint of design/api.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

import microblog
from microblog.testing import LocalServer


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def test_health_live_and_version_answer_without_a_token(
    server: LocalServer, http: requests.Session
) -> None:
    health = http.get(f"{server.url}/health", timeout=5)
    live = http.get(f"{server.url}/health/live", timeout=5)
    version = http.get(f"{server.url}/api/version", timeout=5)

    assert health.status_code == 200
    assert health.headers["Content-Type"].startswith("application/health+json")
    assert health.json()["status"] == "pass"
    assert live.json() == {"status": "pass"}
    assert version.json() == {"version": microblog.__version__, "api_versions": ["v1"]}
    assert "RateLimit" not in health.headers


def test_openapi_document_and_swagger_ui_are_served(
    server: LocalServer, http: requests.Session
) -> None:
    document = http.get(f"{server.url}/api/v1/openapi.json", timeout=5).json()
    page = http.get(f"{server.url}/docs", timeout=5)

    assert document["openapi"].startswith("3.1")
    assert "/api/v1/users/{username}/collection/{micropost_id}" in document["paths"]
    assert page.status_code == 200
    assert "swagger" in page.text.lower()


def test_put_replaces_a_micropost_with_if_match(
    server: LocalServer, new_username: Callable[[], str], http: requests.Session
) -> None:
    name, password = server.create_user(new_username())
    http.headers["Authorization"] = f"Bearer {server.token_for(name, password)}"
    with microblog.Client(server.url, username=name, password=password) as client:
        post = client.microposts.create("before")
    url = f"{server.url}/api/v1/users/{name}/collection/{post.id}"
    etag = http.get(url, timeout=5).headers["ETag"]

    replaced = http.put(
        url, json={"text": "after", "referenced": None}, headers={"If-Match": etag}, timeout=5
    )
    stale = http.put(
        url, json={"text": "again", "referenced": None}, headers={"If-Match": etag}, timeout=5
    )

    assert replaced.status_code == 200
    assert replaced.json()["text"] == "after"
    assert replaced.headers["ETag"] != etag
    assert stale.status_code == 412
    assert stale.headers["Content-Type"].startswith("application/problem+json")
    assert stale.json()["code"] == "precondition_failed"


def test_every_response_carries_a_request_id_and_rate_limit_headers(
    server: LocalServer, http: requests.Session
) -> None:
    response = http.get(
        f"{server.url}/api/v1/users/nobody_here", headers={"X-Request-ID": "abc-123"}, timeout=5
    )

    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
