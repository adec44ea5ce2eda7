"""Keyset pagination: the envelope, the Link header and signed cursors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .support import Api
from .test_errors import assert_problem

COLLECTION = "/api/v1/users/dana/collection"


def walk(client: TestClient, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    pages = []
    next_url: str | None = url
    while next_url is not None:
        response = client.get(next_url, headers=headers)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        next_url = response.json()["next"]
    return pages


def test_45_items_in_pages_of_10_are_exactly_5_pages(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    api.post_many("dana", dana, 45)

    pages = walk(client, f"{COLLECTION}?size=10", dana)

    assert [len(page["result"]) for page in pages] == [10, 10, 10, 10, 5]
    texts = [post["text"] for page in pages for post in page["result"]]
    assert texts == [f"post {i}" for i in reversed(range(45))]
    assert pages[0]["previous"] is None
    assert all(page["previous"] is not None for page in pages[1:])


def test_next_is_absolute_and_in_the_link_header(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    api.post_many("dana", dana, 3)

    response = client.get(f"{COLLECTION}?size=2", headers=dana)

    next_url = response.json()["next"]
    assert next_url.startswith(f"http://testserver{COLLECTION}?")
    assert "size=2" in next_url
    assert response.headers["link"] == f'<{next_url}>; rel="next"'


def test_the_last_page_has_no_next_and_no_link(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    api.post_many("dana", dana, 2)

    response = client.get(f"{COLLECTION}?size=2", headers=dana)

    assert response.json()["next"] is None
    assert "link" not in response.headers


def test_the_default_page_size_is_20(client: TestClient, api: Api, dana: dict[str, str]) -> None:
    api.post_many("dana", dana, 25)

    assert len(client.get(COLLECTION, headers=dana).json()["result"]) == 20


def test_a_forged_cursor_is_400_invalid_cursor(client: TestClient, dana: dict[str, str]) -> None:
    response = client.get(f"{COLLECTION}?cursor=eyJmb3JnZWQiOjF9.AAAA", headers=dana)

    assert_problem(response, 400, "invalid_cursor")


def test_a_tampered_cursor_is_400(client: TestClient, api: Api, dana: dict[str, str]) -> None:
    api.post_many("dana", dana, 3)
    next_url = client.get(f"{COLLECTION}?size=1", headers=dana).json()["next"]

    response = client.get(next_url.replace("cursor=", "cursor=x"), headers=dana)

    assert_problem(response, 400, "invalid_cursor")


def test_a_cursor_is_a_position_any_list_can_read_from(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    # Unsigned since 0.3: a position grants nothing that paging does not.
    api.post_many("dana", dana, 3)
    next_url = client.get(f"{COLLECTION}?size=1", headers=dana).json()["next"]
    cursor = next_url.split("cursor=")[1].split("&")[0]

    response = client.get(f"/api/v1/users?cursor={cursor}", headers=dana)

    assert response.status_code == 200
    # The users who signed up before the micropost at the cursor was posted.
    assert "dana" in [user["username"] for user in response.json()["result"]]


@pytest.mark.parametrize(
    ("cursor", "texts"),
    [
        ("after.0.0", []),
        ("before.0.0", ["post 1", "post 0"]),
        ("after.9999999999999999.999999999999999999", ["post 1", "post 0"]),
        ("before.9999999999999999.999999999999999999", []),
    ],
)
def test_every_cursor_the_pattern_admits_is_a_page(
    client: TestClient, api: Api, dana: dict[str, str], cursor: str, texts: list[str]
) -> None:
    api.post_many("dana", dana, 2)

    response = client.get(f"{COLLECTION}?cursor={cursor}", headers=dana)

    assert response.status_code == 200
    assert sorted(item["text"] for item in response.json()["result"]) == sorted(texts)


@pytest.mark.parametrize(
    "cursor", ["after.1.", "sideways.1.1", "after.-1.1", "after.1.1.1", "after.٣.1", ""]
)
def test_a_string_the_pattern_refuses_is_400(
    client: TestClient, dana: dict[str, str], cursor: str
) -> None:
    response = client.get(f"{COLLECTION}?cursor={cursor}", headers=dana)

    assert_problem(response, 400, "invalid_cursor")


def test_a_size_out_of_range_is_422(client: TestClient, dana: dict[str, str]) -> None:
    response = client.get(f"{COLLECTION}?size=101", headers=dana)

    assert assert_problem(response, 422, "validation_error")["errors"][0]["parameter"] == "size"
