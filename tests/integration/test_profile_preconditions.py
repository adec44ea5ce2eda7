"""A profile's If-Match follows its own stored state, If-None-Match its whole representation.

Over real HTTP (the SDK and raw requests against a local service): counts moving because
of posts or follows do not make ``me.save()`` fail with 412, a change of the profile
itself still does, and a revalidating GET never gets a 304 for stale counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

import microblog
from microblog.testing import LocalServer

from .conftest import PASSWORD


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def test_save_succeeds_after_someone_follows_me_and_i_post(
    make_client: Callable[[], microblog.Client],
) -> None:
    client, follower = make_client(), make_client()
    me = client.me()

    follower.me().follow(me.username)
    client.microposts.create("counts move, my profile does not")
    me.display_name = "Renamed"
    me.save()

    assert me.display_name == "Renamed"
    assert me.followers_count == 1
    assert me.microposts_count == 1
    assert client.me().display_name == "Renamed"


def test_save_still_fails_when_my_profile_itself_changed_since_i_loaded_it(
    server: LocalServer, make_client: Callable[[], microblog.Client]
) -> None:
    first = make_client()
    me = first.me()
    with microblog.Client(server.url, username=me.username, password=PASSWORD) as second:
        other = second.me()
        other.bio = "written elsewhere"
        other.save()

    me.bio = "mine"
    with pytest.raises(microblog.PreconditionFailedError):
        me.save()
    assert first.me().bio == "written elsewhere"


def test_a_revalidating_get_is_never_a_304_with_stale_counts(
    server: LocalServer, new_username: Callable[[], str], http: requests.Session
) -> None:
    name, password = server.create_user(new_username())
    fan, fan_password = server.create_user(new_username())
    mine = {"Authorization": f"Bearer {server.token_for(name, password)}"}
    theirs = {"Authorization": f"Bearer {server.token_for(fan, fan_password)}"}
    url = f"{server.url}/api/v1/users/{name}"
    before = http.get(url, headers=mine, timeout=5)

    http.post(
        f"{server.url}/api/v1/users/{fan}/following",
        json={"username": name},
        headers=theirs,
        timeout=5,
    ).raise_for_status()
    revalidated = http.get(
        url, headers={**mine, "If-None-Match": before.headers["ETag"]}, timeout=5
    )
    again = http.get(url, headers={**mine, "If-None-Match": revalidated.headers["ETag"]}, timeout=5)

    assert revalidated.status_code == 200
    assert revalidated.json()["followers_count"] == before.json()["followers_count"] + 1
    assert revalidated.headers["ETag"] != before.headers["ETag"]
    assert again.status_code == 304
    assert again.headers["ETag"] == revalidated.headers["ETag"]


def test_the_sdk_cache_shows_the_new_counts_after_a_follow(
    make_client: Callable[[], microblog.Client],
) -> None:
    client, follower = make_client(), make_client()
    first = client.users.get(client.me().username)

    follower.me().follow(first.username)
    second = client.users.get(first.username)

    assert (first.followers_count, second.followers_count) == (0, 1)


def test_if_match_with_a_tag_from_before_the_counts_moved_patches_and_deletes(
    server: LocalServer, new_username: Callable[[], str], http: requests.Session
) -> None:
    name, password = server.create_user(new_username())
    fan, fan_password = server.create_user(new_username())
    http.headers["Authorization"] = f"Bearer {server.token_for(name, password)}"
    url = f"{server.url}/api/v1/users/{name}"
    etag = http.get(url, timeout=5).headers["ETag"]
    with microblog.Client(server.url, username=fan, password=fan_password) as other:
        other.me().follow(name)

    patched = http.patch(url, json={"bio": "new"}, headers={"If-Match": etag}, timeout=5)
    stale = http.delete(url, headers={"If-Match": etag}, timeout=5)
    deleted = http.delete(url, headers={"If-Match": patched.headers["ETag"]}, timeout=5)

    assert patched.status_code == 200
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert deleted.status_code == 204


def test_a_micropost_if_match_survives_a_mentioned_user_deleting_their_account(
    server: LocalServer, new_username: Callable[[], str], http: requests.Session
) -> None:
    name, password = server.create_user(new_username())
    gone, gone_password = server.create_user(new_username())
    http.headers["Authorization"] = f"Bearer {server.token_for(name, password)}"
    created = http.post(
        f"{server.url}/api/v1/users/{name}/collection",
        json={"text": f"hi @{gone}"},
        timeout=5,
    )
    url = created.headers["Location"]
    with microblog.Client(server.url, username=gone, password=gone_password) as other:
        other.me().delete()  # the derived mentions move; the stored micropost does not

    current = http.get(url, timeout=5)
    replaced = http.put(
        url,
        json={"text": "edited", "referenced": None},
        headers={"If-Match": created.headers["ETag"]},
        timeout=5,
    )

    assert current.json()["mentions"] == []
    assert current.headers["ETag"] != created.headers["ETag"]
    assert replaced.status_code == 200
    assert replaced.json()["text"] == "edited"
