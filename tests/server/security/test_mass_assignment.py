"""Fields the service derives or owns never stick when a client sends them in a body.

``id``, ``user``, ``href``, ``timestamp``, ``updated_at``, ``mentions``, the counts,
``created_at`` and (on a profile edit) ``username`` are ignored wherever they are sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from .support import Api

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

V1 = "/api/v1"
LONG_AGO = "2001-01-01T00:00:00Z"
EVIL = "http://evil.example/steal"

MICROPOST_EXTRAS: dict[str, Any] = {
    "id": 4242,
    "user": "jaime",
    "author_id": 2,
    "href": EVIL,
    "timestamp": LONG_AGO,
    "created_at": LONG_AGO,
    "updated_at": LONG_AGO,
    "mentions": ["jaime"],
    "version": 99,
}
USER_EXTRAS: dict[str, Any] = {
    "id": 4242,
    "created_at": LONG_AGO,
    "followers_count": 1000,
    "following_count": 1000,
    "microposts_count": 1000,
    "href": EVIL,
    "collection": EVIL,
    "timeline": EVIL,
    "following": EVIL,
    "followers": EVIL,
    "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
    "is_admin": True,
    "version": 99,
}


def recent(timestamp: str) -> bool:
    """Tell whether an RFC 3339 time is within the last minute (not the one sent)."""
    moment = datetime.fromisoformat(timestamp)
    return datetime.now(UTC) - moment < timedelta(minutes=1)


def assert_own_micropost(post: dict[str, Any], text: str) -> None:
    """Check a micropost of dana's carries only what the service derived."""
    assert post["text"] == text
    assert post["user"] == "dana"
    assert post["id"] != 4242
    assert post["href"].endswith(f"/users/dana/collection/{post['id']}")
    assert recent(post["timestamp"])
    assert post["mentions"] == []


def test_posting_ignores_fields_the_service_owns(
    client: TestClient, api: Api, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    body = {"text": "plain words", **MICROPOST_EXTRAS}

    response = client.post(f"{V1}/users/dana/collection", json=body, headers=dana)

    assert response.status_code == 201, response.text
    post = response.json()
    assert_own_micropost(post, "plain words")
    assert post["updated_at"] is None
    assert api.get(f"{V1}/users/dana/collection/{post['id']}", dana) == post
    assert api.get(f"{V1}/users/jaime/collection", jaime)["result"] == []
    assert client.get(f"{V1}/microposts/4242", headers=dana).status_code == 404


def test_a_batch_ignores_fields_the_service_owns(
    client: TestClient, api: Api, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    body = {"items": [{"text": "first", **MICROPOST_EXTRAS}], **MICROPOST_EXTRAS}

    response = client.post(f"{V1}/users/dana/collection/batch", json=body, headers=dana)

    assert response.status_code == 201, response.text
    (post,) = response.json()["result"]
    assert_own_micropost(post, "first")
    assert api.get(f"{V1}/users/jaime/collection", jaime)["result"] == []


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_editing_ignores_fields_the_service_owns(
    client: TestClient, api: Api, dana: dict[str, str], jaime: dict[str, str], method: str
) -> None:
    original = api.post("dana", dana, "before")
    body = {"text": "after", "referenced": None, **MICROPOST_EXTRAS}

    response = client.request(
        method, f"{V1}/users/dana/collection/{original['id']}", json=body, headers=dana
    )

    assert response.status_code == 200, response.text
    post = response.json()
    assert post["id"] == original["id"]
    assert post["timestamp"] == original["timestamp"]
    assert_own_micropost(post, "after")
    assert post["updated_at"] is not None
    assert recent(post["updated_at"])
    assert api.get(f"{V1}/users/jaime", jaime)["microposts_count"] == 0


def test_signing_up_ignores_fields_the_service_owns(client: TestClient, api: Api) -> None:
    body = {"username": "dana", "password": "long-enough-1", **USER_EXTRAS}

    response = client.post(f"{V1}/users", json=body)

    assert response.status_code == 201, response.text
    assert_fresh_profile(response.json(), "dana")
    api.login("dana", "long-enough-1")  # the password sent, not the hash, is the password


def test_a_profile_edit_ignores_username_and_fields_the_service_owns(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    body = {"username": "mallory", "bio": "new bio", **USER_EXTRAS}

    response = client.patch(f"{V1}/users/dana", json=body, headers=dana)

    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["bio"] == "new bio"
    assert_fresh_profile(profile, "dana")
    assert api.get(f"{V1}/me", dana) == profile
    assert client.get(f"{V1}/users/mallory", headers=dana).status_code == 404
    api.login("dana")  # still dana, still the same password


def test_following_ignores_whom_the_body_says_follows(
    client: TestClient, api: Api, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    api.sign_up("kim")
    body = {"username": "kim", "follower": "jaime", "user": "jaime", "created_at": LONG_AGO}

    response = client.post(f"{V1}/users/dana/following", json=body, headers=dana)

    assert response.status_code == 201, response.text
    followers = api.get(f"{V1}/users/kim/followers", dana)["result"]
    assert [user["username"] for user in followers] == ["dana"]
    assert api.get(f"{V1}/users/jaime/following", jaime)["result"] == []


def assert_fresh_profile(profile: dict[str, Any], username: str) -> None:
    """Check a profile carries only what the service derived."""
    assert profile["username"] == username
    assert recent(profile["created_at"])
    assert profile["followers_count"] == profile["following_count"] == 0
    assert profile["microposts_count"] == 0
    for link in ("href", "collection", "timeline", "following", "followers"):
        assert "evil" not in profile[link]
        assert f"/users/{username}" in profile[link]
    assert set(profile) == {
        "username", "display_name", "bio", "created_at", "followers_count",
        "following_count", "microposts_count", "href", "collection", "timeline",
        "following", "followers",
    }  # fmt: skip
