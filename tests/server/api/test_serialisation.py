"""Responses are encoded once: no second validation, the ETag over the bytes sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi import routing
from fastapi.testclient import TestClient
from starlette.requests import Request

from microblog_server.api.etags import compute_etag
from microblog_server.api.presenters import Links

if TYPE_CHECKING:
    from .support import Api

LISTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("/api/v1/users/dana/collection", {}),
    ("/api/v1/users/dana/timeline", {}),
    ("/api/v1/search", {"text": "post"}),
    ("/api/v1/users", {}),
    ("/api/v1/users/dana/following", {}),
    ("/api/v1/users/dana/followers", {}),
)


@pytest.fixture
def no_response_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any response that FastAPI would validate against its ``response_model``."""

    async def refuse(**_: Any) -> Any:
        raise AssertionError("the response was validated again by FastAPI")

    monkeypatch.setattr(routing, "serialize_response", refuse)


@pytest.mark.usefixtures("no_response_validation")
@pytest.mark.parametrize(("path", "query"), LISTS)
def test_a_page_is_built_and_encoded_once(
    client: TestClient, api: Api, dana: dict[str, str], path: str, query: dict[str, str]
) -> None:
    # The representations are pydantic models already: validating the page again against
    # the route's response model (in a second worker-thread hop) only costs time.
    api.post_many("dana", dana, 3)
    client.post("/api/v1/users/dana/following", json={"username": "dana2"}, headers=dana)

    response = client.get(path, params={**query, "size": "2"}, headers=dana)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"result", "next", "previous"}


@pytest.mark.usefixtures("no_response_validation")
def test_a_page_keeps_its_link_header(client: TestClient, api: Api, dana: dict[str, str]) -> None:
    api.post_many("dana", dana, 3)

    response = client.get("/api/v1/users/dana/collection", params={"size": 2}, headers=dana)

    assert response.headers["link"] == f'<{response.json()["next"]}>; rel="next"'


def test_an_items_etag_is_the_digest_of_the_bytes_sent(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    api.post_many("dana", dana, 1)
    (item,) = client.get("/api/v1/users/dana/collection", headers=dana).json()["result"]

    response = client.get(f"/api/v1/microposts/{item['id']}", headers=dana)

    assert response.headers["etag"] == compute_etag("micropost", item["id"], 1, response.content)


def test_links_are_rooted_at_each_requests_own_origin(client: TestClient, api: Api) -> None:
    # The links' root is kept per origin (scheme, Host, root path): two origins never
    # share one.
    headers = api.sign_up("dana")

    plain = client.get("/api/v1/me", headers=headers)
    other = client.get("/api/v1/me", headers={**headers, "Host": "localhost:8080"})
    secure = TestClient(client.app, base_url="https://testserver").get(
        "/api/v1/me", headers=headers
    )

    assert plain.json()["href"] == "http://testserver/api/v1/users/dana"
    assert other.json()["href"] == "http://localhost:8080/api/v1/users/dana"
    assert secure.json()["href"] == "https://testserver/api/v1/users/dana"


def test_links_of_one_origin_are_built_once() -> None:
    scope = {
        "type": "http",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "root_path": "",
        "path": "/api/v1/me",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000")],
    }

    first, second = Links(Request(scope)), Links(Request(dict(scope)))

    assert first.root == "http://127.0.0.1:8000/api/v1"
    assert first.root is second.root
