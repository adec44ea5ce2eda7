"""Following, followers, the timeline and search."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .support import Api
from .test_errors import assert_problem


def test_following_is_201_then_200_when_already_followed(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    first = client.post("/api/v1/users/dana/following", json={"username": "jaime"}, headers=dana)
    again = client.post("/api/v1/users/dana/following", json={"username": "jaime"}, headers=dana)

    assert first.status_code == 201
    assert first.headers["location"] == "http://testserver/api/v1/users/jaime"
    assert first.json()["followers_count"] == 1
    assert again.status_code == 200


def test_following_oneself_is_422(client: TestClient, dana: dict[str, str]) -> None:
    response = client.post("/api/v1/users/dana/following", json={"username": "dana"}, headers=dana)

    assert assert_problem(response, 422, "validation_error")["errors"][0]["pointer"] == "#/username"


def test_following_an_unknown_user_is_404(client: TestClient, dana: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/users/dana/following", json={"username": "nobody"}, headers=dana
    )

    assert_problem(response, 404, "not_found")


def test_following_on_someone_elses_behalf_is_403(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    response = client.post("/api/v1/users/jaime/following", json={"username": "dana"}, headers=dana)

    assert_problem(response, 403, "forbidden")


def test_following_and_followers_lists(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    client.post("/api/v1/users/dana/following", json={"username": "jaime"}, headers=dana)

    following = client.get("/api/v1/users/dana/following", headers=dana).json()
    followers = client.get("/api/v1/users/jaime/followers", headers=dana).json()

    assert [user["username"] for user in following["result"]] == ["jaime"]
    assert [user["username"] for user in followers["result"]] == ["dana"]


def test_unfollow_is_204_also_when_not_following(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    client.post("/api/v1/users/dana/following", json={"username": "jaime"}, headers=dana)

    assert client.delete("/api/v1/users/dana/following/jaime", headers=dana).status_code == 204
    assert client.delete("/api/v1/users/dana/following/jaime", headers=dana).status_code == 204
    assert client.get("/api/v1/users/dana/following", headers=dana).json()["result"] == []
    assert_problem(
        client.delete("/api/v1/users/dana/following/nobody", headers=dana), 404, "not_found"
    )


def test_the_timeline_has_followed_and_mentioning_microposts_newest_first(
    client: TestClient, api: Api, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    kim = api.sign_up("kim")
    client.post("/api/v1/users/dana/following", json={"username": "jaime"}, headers=dana)
    client.post("/api/v1/users/jaime/collection", json={"text": "from jaime"}, headers=jaime)
    client.post("/api/v1/users/kim/collection", json={"text": "hi @dana"}, headers=kim)
    client.post("/api/v1/users/kim/collection", json={"text": "unrelated"}, headers=kim)

    response = client.get("/api/v1/users/dana/timeline", headers=dana)

    assert [post["text"] for post in response.json()["result"]] == ["hi @dana", "from jaime"]


def test_search_finds_text_case_insensitively_with_an_author_prefix(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    client.post("/api/v1/users/dana/collection", json={"text": "I like Birds"}, headers=dana)
    client.post("/api/v1/users/jaime/collection", json={"text": "birds too"}, headers=jaime)

    everyone = client.get("/api/v1/search", params={"text": "BIRD"}, headers=dana).json()
    only_jaime = client.get(
        "/api/v1/search", params={"text": "bird", "username": "ja"}, headers=dana
    ).json()

    assert len(everyone["result"]) == 2
    assert [post["user"] for post in only_jaime["result"]] == ["jaime"]


def test_search_text_under_3_characters_is_422_on_the_parameter(
    client: TestClient, dana: dict[str, str]
) -> None:
    response = client.get("/api/v1/search", params={"text": "ab"}, headers=dana)

    assert assert_problem(response, 422, "validation_error")["errors"][0]["parameter"] == "text"
