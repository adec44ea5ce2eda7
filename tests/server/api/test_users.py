"""Users: sign-up, look-up, profile edits, deletion, conditional requests."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .support import PASSWORD, Api
from .test_errors import assert_problem


def test_sign_up_is_201_with_location_etag_and_links(client: TestClient) -> None:
    response = client.post(
        "/api/v1/users",
        json={"username": "dana", "password": "password123", "display_name": "Dana", "x": 1},
    )

    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == "http://testserver/api/v1/users/dana"
    assert response.headers["etag"].startswith('"')
    assert body["href"] == response.headers["location"]
    assert body["collection"] == "http://testserver/api/v1/users/dana/collection"
    assert body["display_name"] == "Dana"
    assert body["followers_count"] == body["following_count"] == body["microposts_count"] == 0
    assert "x" not in body
    assert "password" not in body


def test_a_taken_username_is_409_in_any_letter_case(client: TestClient, api: Api) -> None:
    api.sign_up("dana")

    response = client.post("/api/v1/users", json={"username": "DANA", "password": "password123"})

    assert_problem(response, 409, "conflict")


def test_me_is_the_caller(client: TestClient, dana: dict[str, str]) -> None:
    response = client.get("/api/v1/me", headers=dana)

    assert response.status_code == 200
    assert response.json()["username"] == "dana"


def test_an_unknown_user_is_404(client: TestClient, dana: dict[str, str]) -> None:
    assert_problem(client.get("/api/v1/users/nobody", headers=dana), 404, "not_found")


def test_if_none_match_with_the_current_etag_is_304_with_no_body(
    client: TestClient, dana: dict[str, str]
) -> None:
    etag = client.get("/api/v1/users/dana", headers=dana).headers["etag"]

    response = client.get("/api/v1/users/dana", headers={**dana, "If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag


def test_patch_changes_only_the_fields_sent_and_the_etag(
    client: TestClient, dana: dict[str, str]
) -> None:
    before = client.get("/api/v1/users/dana", headers=dana)

    response = client.patch("/api/v1/users/dana", json={"bio": "birds"}, headers=dana)

    assert response.status_code == 200
    assert response.json()["bio"] == "birds"
    assert response.json()["display_name"] == before.json()["display_name"]
    assert response.headers["etag"] != before.headers["etag"]


def test_patch_with_a_stale_if_match_is_412(client: TestClient, dana: dict[str, str]) -> None:
    stale = client.get("/api/v1/users/dana", headers=dana).headers["etag"]
    client.patch("/api/v1/users/dana", json={"bio": "first"}, headers=dana)

    response = client.patch(
        "/api/v1/users/dana", json={"bio": "second"}, headers={**dana, "If-Match": stale}
    )

    assert_problem(response, 412, "precondition_failed")
    assert client.get("/api/v1/users/dana", headers=dana).json()["bio"] == "first"


def test_patch_with_the_current_if_match_succeeds(client: TestClient, dana: dict[str, str]) -> None:
    etag = client.get("/api/v1/users/dana", headers=dana).headers["etag"]

    response = client.patch(
        "/api/v1/users/dana", json={"bio": "ok"}, headers={**dana, "If-Match": etag}
    )

    assert response.status_code == 200


def test_a_new_password_works_for_login(client: TestClient, api: Api, dana: dict[str, str]) -> None:
    client.patch(
        "/api/v1/users/dana",
        json={"password": "a-new-password", "current_password": PASSWORD},
        headers=dana,
    )

    assert api.login("dana", "a-new-password")


def test_editing_another_user_is_403(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    response = client.patch("/api/v1/users/jaime", json={"bio": "hacked"}, headers=dana)

    assert_problem(response, 403, "forbidden")


def test_deleting_oneself_is_204_and_the_token_stops_working(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    assert client.delete("/api/v1/users/dana", headers=dana).status_code == 204

    assert_problem(client.get("/api/v1/users/dana", headers=jaime), 404, "not_found")
    assert_problem(client.get("/api/v1/me", headers=dana), 401, "unauthenticated")


def test_deleting_another_user_is_403(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    assert_problem(client.delete("/api/v1/users/jaime", headers=dana), 403, "forbidden")


def test_deleting_with_a_stale_if_match_is_412(client: TestClient, dana: dict[str, str]) -> None:
    response = client.delete("/api/v1/users/dana", headers={**dana, "If-Match": '"stale"'})

    assert_problem(response, 412, "precondition_failed")


def test_users_can_be_listed_by_username_prefix(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    api.sign_up("daniel")
    api.sign_up("jaime")

    response = client.get("/api/v1/users?q=dan", headers=dana)

    assert response.status_code == 200
    assert [user["username"] for user in response.json()["result"]] == ["daniel", "dana"]
