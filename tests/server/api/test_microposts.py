"""Microposts: a user's collection, one micropost, batches, and look-up by id."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .test_errors import assert_problem

COLLECTION = "/api/v1/users/dana/collection"


def test_posting_is_201_with_location_etag_and_mentions(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    response = client.post(
        COLLECTION,
        json={"text": "Hello @jaime and @nobody", "referenced": "jaime", "unknown": True},
        headers=dana,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == body["href"]
    assert body["href"] == f"http://testserver{COLLECTION}/{body['id']}"
    assert response.headers["etag"]
    assert body["user"] == "dana"
    assert body["referenced"] == "jaime"
    assert body["mentions"] == ["jaime"]
    assert body["updated_at"] is None
    assert "unknown" not in body


@pytest.mark.parametrize(
    "text",
    [
        "Ünïcödé 日本語 🐍 — ok",
        "'; DROP TABLE microposts; --",
        "Robert'); DELETE FROM users WHERE ('1'='1",
        "<script>alert(1)</script>",
    ],
)
def test_any_text_is_stored_as_text(client: TestClient, dana: dict[str, str], text: str) -> None:
    created = client.post(COLLECTION, json={"text": text}, headers=dana)

    fetched = client.get(created.headers["location"], headers=dana)

    assert fetched.json()["text"] == text
    assert client.get("/api/v1/users/dana", headers=dana).json()["microposts_count"] == 1


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({"text": ""}, "#/text"),
        ({"text": "x" * 256}, "#/text"),
        ({"text": "   "}, "#/text"),
        ({"text": "nul \x00 inside"}, "#/text"),
        ({}, "#/text"),
        ({"text": "hi", "referenced": "nobody"}, "#/referenced"),
    ],
)
def test_invalid_microposts_are_422_with_a_pointer(
    client: TestClient, dana: dict[str, str], payload: dict[str, str], pointer: str
) -> None:
    response = client.post(COLLECTION, json=payload, headers=dana)

    body = assert_problem(response, 422, "validation_error")
    assert [error["pointer"] for error in body["errors"]] == [pointer]


def test_posting_to_another_users_collection_is_403(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    response = client.post("/api/v1/users/jaime/collection", json={"text": "hi"}, headers=dana)

    assert_problem(response, 403, "forbidden")


def test_posting_to_an_unknown_user_is_404(client: TestClient, dana: dict[str, str]) -> None:
    response = client.post("/api/v1/users/nobody/collection", json={"text": "hi"}, headers=dana)

    assert_problem(response, 404, "not_found")


def test_a_micropost_under_another_users_path_is_404(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    post_id = client.post(COLLECTION, json={"text": "hi"}, headers=dana).json()["id"]

    response = client.get(f"/api/v1/users/jaime/collection/{post_id}", headers=dana)

    assert_problem(response, 404, "not_found")


def test_a_micropost_can_be_found_by_id_alone(client: TestClient, dana: dict[str, str]) -> None:
    created = client.post(COLLECTION, json={"text": "hi"}, headers=dana).json()

    response = client.get(f"/api/v1/microposts/{created['id']}", headers=dana)

    assert response.status_code == 200
    assert response.json()["href"] == created["href"]
    assert_problem(client.get("/api/v1/microposts/999", headers=dana), 404, "not_found")


def test_get_with_the_current_etag_is_304(client: TestClient, dana: dict[str, str]) -> None:
    created = client.post(COLLECTION, json={"text": "hi"}, headers=dana)

    response = client.get(
        created.headers["location"], headers={**dana, "If-None-Match": created.headers["etag"]}
    )

    assert response.status_code == 304


def test_put_replaces_text_and_clears_the_addressee(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    url = client.post(COLLECTION, json={"text": "hi", "referenced": "jaime"}, headers=dana).headers[
        "location"
    ]

    response = client.put(url, json={"text": "edited"}, headers=dana)

    assert response.status_code == 200
    assert response.json()["text"] == "edited"
    assert response.json()["referenced"] is None
    assert response.json()["updated_at"] is not None


def test_patch_keeps_what_is_not_sent(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    url = client.post(COLLECTION, json={"text": "hi", "referenced": "jaime"}, headers=dana).headers[
        "location"
    ]

    response = client.patch(url, json={"text": "edited"}, headers=dana)

    assert response.json()["referenced"] == "jaime"
    cleared = client.patch(url, json={"referenced": None}, headers=dana)
    assert cleared.json()["referenced"] is None
    assert cleared.json()["text"] == "edited"


def test_a_stale_if_match_is_412_for_put_patch_and_delete(
    client: TestClient, dana: dict[str, str]
) -> None:
    created = client.post(COLLECTION, json={"text": "hi"}, headers=dana)
    url, stale = created.headers["location"], created.headers["etag"]
    client.patch(url, json={"text": "changed"}, headers=dana)
    conditional = {**dana, "If-Match": stale}

    assert_problem(
        client.put(url, json={"text": "x"}, headers=conditional), 412, "precondition_failed"
    )
    assert_problem(
        client.patch(url, json={"text": "x"}, headers=conditional), 412, "precondition_failed"
    )
    assert_problem(client.delete(url, headers=conditional), 412, "precondition_failed")


def test_only_the_author_may_edit_or_delete(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    url = client.post(COLLECTION, json={"text": "hi"}, headers=dana).headers["location"]

    assert_problem(client.put(url, json={"text": "x"}, headers=jaime), 403, "forbidden")
    assert_problem(client.patch(url, json={"text": "x"}, headers=jaime), 403, "forbidden")
    assert_problem(client.delete(url, headers=jaime), 403, "forbidden")


def test_a_non_author_with_a_stale_if_match_is_told_403_not_412(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    url = client.post(COLLECTION, json={"text": "hi"}, headers=dana).headers["location"]
    stale = {**jaime, "If-Match": '"0123456789abcdef0123456789abcdef"'}

    assert_problem(client.put(url, json={"text": "x"}, headers=stale), 403, "forbidden")
    assert_problem(client.patch(url, json={"text": "x"}, headers=stale), 403, "forbidden")
    assert_problem(client.delete(url, headers=stale), 403, "forbidden")
    assert_problem(
        client.patch("/api/v1/users/dana", json={"bio": "x"}, headers=stale), 403, "forbidden"
    )
    assert_problem(client.delete("/api/v1/users/dana", headers=stale), 403, "forbidden")


def test_delete_is_204_and_then_404(client: TestClient, dana: dict[str, str]) -> None:
    url = client.post(COLLECTION, json={"text": "hi"}, headers=dana).headers["location"]

    assert client.delete(url, headers=dana).status_code == 204
    assert_problem(client.get(url, headers=dana), 404, "not_found")


def test_a_batch_is_stored_in_order(client: TestClient, dana: dict[str, str]) -> None:
    response = client.post(
        f"{COLLECTION}/batch", json={"items": [{"text": "one"}, {"text": "two"}]}, headers=dana
    )

    assert response.status_code == 201
    assert [post["text"] for post in response.json()["result"]] == ["one", "two"]
    assert response.headers["location"].endswith(COLLECTION)


def test_a_batch_with_one_bad_item_stores_nothing(client: TestClient, dana: dict[str, str]) -> None:
    items = [{"text": "fine"}] * 3 + [{"text": "x" * 256}]

    response = client.post(f"{COLLECTION}/batch", json={"items": items}, headers=dana)

    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["pointer"] == "#/items/3/text"
    assert client.get(COLLECTION, headers=dana).json()["result"] == []


def test_a_batch_over_100_items_is_413(client: TestClient, dana: dict[str, str]) -> None:
    response = client.post(
        f"{COLLECTION}/batch", json={"items": [{"text": "x"}] * 101}, headers=dana
    )

    assert_problem(response, 413, "payload_too_large")


def test_an_empty_batch_is_422(client: TestClient, dana: dict[str, str]) -> None:
    response = client.post(f"{COLLECTION}/batch", json={"items": []}, headers=dana)

    assert assert_problem(response, 422, "validation_error")["errors"][0]["pointer"] == "#/items"
