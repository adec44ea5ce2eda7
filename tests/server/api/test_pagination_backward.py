"""Paging back: ``previous`` links and ``Link: rel="prev"`` lead through the same pages."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .support import Api
from .test_errors import assert_problem

Page = dict[str, Any]

COLLECTION = "/api/v1/users/jaime/collection"
LISTS = {
    "collection": COLLECTION,
    "timeline": "/api/v1/users/dana/timeline",
    "search": "/api/v1/search?text=NEEDLE",
    "followers": "/api/v1/users/jaime/followers",
    "users": "/api/v1/users?q=fan_",
}


def get(client: TestClient, url: str, headers: dict[str, str]) -> Page:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    page: Page = response.json()
    links = response.headers.get("link", "")
    assert ('rel="next"' in links) == (page["next"] is not None)
    assert ('rel="prev"' in links) == (page["previous"] is not None)
    if page["previous"] is not None:
        assert f'<{page["previous"]}>; rel="prev"' in links
    return page


def walk(client: TestClient, url: str, headers: dict[str, str], link: str) -> list[Page]:
    pages = [get(client, url, headers)]
    while pages[-1][link] is not None:
        pages.append(get(client, pages[-1][link], headers))
    return pages


def keys(page: Page) -> list[Any]:
    return [item.get("id", item.get("username")) for item in page["result"]]


@pytest.fixture
def add_item(api: Api, dana: dict[str, str], jaime: dict[str, str]) -> Callable[[str], None]:
    """Add one item to a list: a post by jaime (whom dana follows) or a new user following him."""
    client = api.client
    followed = client.post("/api/v1/users/dana/following", json={"username": "jaime"}, headers=dana)
    assert followed.status_code in {200, 201}, followed.text
    counter = iter(range(10_000))

    def add(name: str) -> None:
        number = next(counter)
        if name in {"followers", "users"}:
            fan = f"fan_{number}"
            headers = api.sign_up(fan)
            url = f"/api/v1/users/{fan}/following"
            response = client.post(url, json={"username": "jaime"}, headers=headers)
        else:
            response = client.post(COLLECTION, json={"text": f"needle {number}"}, headers=jaime)
        assert response.status_code in {200, 201}, response.text

    return add


@pytest.mark.parametrize("name", list(LISTS))
def test_previous_links_walk_back_through_the_same_pages(
    client: TestClient, dana: dict[str, str], add_item: Callable[[str], None], name: str
) -> None:
    for _ in range(44 if name == "followers" else 45):  # dana already follows jaime
        add_item(name)
    url = f"{LISTS[name]}{'&' if '?' in LISTS[name] else '?'}size=10"

    forward = walk(client, url, dana, "next")
    backward = walk(client, forward[-1]["previous"], dana, "previous")

    assert [len(page["result"]) for page in forward] == [10, 10, 10, 10, 5]
    assert forward[0]["previous"] is None
    assert [keys(page) for page in backward] == [keys(page) for page in reversed(forward[:-1])]
    assert backward[-1]["previous"] is None


@pytest.mark.parametrize("name", list(LISTS))
def test_items_added_meanwhile_show_up_on_the_way_back_once(
    client: TestClient, dana: dict[str, str], add_item: Callable[[str], None], name: str
) -> None:
    for _ in range(30):
        add_item(name)
    url = f"{LISTS[name]}{'&' if '?' in LISTS[name] else '?'}size=10"
    forward = walk(client, url, dana, "next")
    for _ in range(3):
        add_item(name)

    backward = walk(client, forward[-1]["previous"], dana, "previous")

    seen = [key for page in reversed([forward[-1], *backward]) for key in keys(page)]
    now = [key for page in walk(client, url, dana, "next") for key in keys(page)]
    assert seen == now
    assert len(now) == sum(len(page["result"]) for page in forward) + 3


def test_a_previous_page_leads_on_to_the_page_it_came_from(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    api.post_many("dana", dana, 25)
    first = get(client, "/api/v1/users/dana/collection?size=10", dana)
    second = get(client, first["next"], dana)

    back = get(client, second["previous"], dana)
    again = get(client, back["next"], dana)

    assert keys(back) == keys(first)
    assert back["previous"] is None
    assert keys(again) == keys(second)


def test_a_page_with_both_links_names_both_in_one_link_header(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    api.post_many("dana", dana, 5)
    first = get(client, "/api/v1/users/dana/collection?size=2", dana)

    response = client.get(first["next"], headers=dana)

    page = response.json()
    assert response.headers["link"] == (
        f'<{page["next"]}>; rel="next", <{page["previous"]}>; rel="prev"'
    )


def test_a_signed_cursor_of_before_0_3_is_400(client: TestClient, dana: dict[str, str]) -> None:
    # Cursors were signed base64 until 0.3; one kept across the upgrade is stale.
    payload = json.dumps(["2026-11-01T00:00:00+00:00", 1, "after"], separators=(",", ":"))
    old = base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode() + ".c2lnbmVk"

    response = client.get(f"{COLLECTION}?cursor={old}", headers=dana)

    assert_problem(response, 400, "invalid_cursor")


def test_a_forged_previous_cursor_is_400(client: TestClient, dana: dict[str, str]) -> None:
    forged = "WyIyMDI2LTExLTAxVDAwOjAwOjAwKzAwOjAwIiwxLCJiZWZvcmUiXQ.AAAA"

    response = client.get(f"{COLLECTION}?cursor={forged}", headers=dana)

    assert_problem(response, 400, "invalid_cursor")
