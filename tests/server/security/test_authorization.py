"""A user can never write another user's microposts, profile or follows.

Every write endpoint of api.md is tried by ``dana`` against ``jaime``'s resources: each is
403 ``forbidden`` and leaves all of ``jaime``'s data as it was.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

from .support import Api, assert_problem

if TYPE_CHECKING:
    from pathlib import Path

V1 = "/api/v1"


@dataclass(frozen=True)
class World:
    """``jaime`` with a micropost and a follow of ``kim``; ``dana`` is the intruder."""

    dana: dict[str, str]
    jaime: dict[str, str]
    post_id: int
    dana_post_id: int


@pytest.fixture(scope="module")
def world_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    """Build the world once, in a database file each test then gets a copy of."""
    database = tmp_path_factory.mktemp("world") / "world.db"
    settings = Settings.for_tests(database_url=f"sqlite:///{database}")
    with TestClient(create_app(settings)) as client:  # closing it checkpoints the WAL
        api = Api(client)
        dana = api.sign_up("dana")
        jaime = api.sign_up("jaime")
        api.sign_up("kim")
        post = api.post("jaime", jaime, "jaime's own words")
        dana_post = api.post("dana", dana, "dana's own words")
        followed = client.post(
            f"{V1}/users/jaime/following", json={"username": "kim"}, headers=jaime
        )
        assert followed.status_code == 201, followed.text
    return database, World(dana, jaime, post["id"], dana_post["id"])


@pytest.fixture
def settings(world_database: tuple[Path, World], tmp_path: Path) -> Settings:
    """Settings over a fresh copy of the world's database (the same secret signs tokens)."""
    database = tmp_path / "world.db"
    shutil.copyfile(world_database[0], database)
    return Settings.for_tests(database_url=f"sqlite:///{database}")


@pytest.fixture
def world(world_database: tuple[Path, World]) -> World:
    """``jaime`` with a micropost and a follow of ``kim``; ``dana`` is the intruder."""
    return world_database[1]


def snapshot(api: Api, world: World) -> dict[str, Any]:
    """Everything an intruder could change, as seen by jaime (with ETags)."""
    paths = [
        "/users/jaime",  # profile, counts and version (ETag)
        "/users/jaime/collection",
        f"/users/jaime/collection/{world.post_id}",  # text and version (ETag)
        "/users/jaime/following",
        "/users/dana",  # a follow of dana on jaime's behalf would count here
    ]
    state: dict[str, Any] = {}
    for path in paths:
        response = api.client.get(V1 + path, headers=world.jaime)
        assert response.status_code == 200, response.text
        state[path] = (response.json(), response.headers.get("etag"))
    return state


WRITES = [
    pytest.param("POST", "/users/{owner}/collection", {"text": "words in jaime's mouth"},
                 id="post-micropost"),
    pytest.param("POST", "/users/{owner}/collection/batch",
                 {"items": [{"text": "one"}, {"text": "two"}]}, id="post-batch"),
    pytest.param("PUT", "/users/{owner}/collection/{post}",
                 {"text": "replaced", "referenced": None}, id="put-micropost"),
    pytest.param("PATCH", "/users/{owner}/collection/{post}", {"text": "edited"},
                 id="patch-micropost"),
    pytest.param("DELETE", "/users/{owner}/collection/{post}", None, id="delete-micropost"),
    pytest.param("PATCH", "/users/{owner}",
                 {"display_name": "Owned", "bio": "pwned", "password": "a-new-password"},
                 id="patch-user"),
    pytest.param("DELETE", "/users/{owner}", None, id="delete-user"),
    pytest.param("POST", "/users/{owner}/following", {"username": "dana"}, id="follow"),
    pytest.param("DELETE", "/users/{owner}/following/kim", None, id="unfollow"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "template", "body"), WRITES)
def test_writing_for_another_user_is_forbidden_and_changes_nothing(
    client: TestClient,
    api: Api,
    world: World,
    method: str,
    template: str,
    body: dict[str, Any] | None,
) -> None:
    before = snapshot(api, world)
    path = V1 + template.format(owner="jaime", post=world.post_id)

    response = client.request(method, path, json=body, headers=world.dana)

    assert_problem(response, 403, "forbidden")
    assert snapshot(api, world) == before
    new_password = {"username": "jaime", "password": "a-new-password"}
    assert client.post(f"{V1}/token", data=new_password).status_code == 400


def test_spelling_the_owner_in_another_case_does_not_get_round_the_check(
    client: TestClient, api: Api, world: World
) -> None:
    before = snapshot(api, world)

    for method, template, body in (case.values for case in WRITES):
        path = V1 + str(template).format(owner="JAIME", post=world.post_id)

        response = client.request(str(method), path, json=body, headers=world.dana)

        assert_problem(response, 403, "forbidden")
    assert snapshot(api, world) == before


@pytest.mark.parametrize(("method", "template", "body"), WRITES[2:5])
def test_a_matching_if_match_does_not_make_a_foreign_write_allowed(
    client: TestClient,
    api: Api,
    world: World,
    method: str,
    template: str,
    body: dict[str, Any] | None,
) -> None:
    path = V1 + template.format(owner="jaime", post=world.post_id)
    etag = client.get(path, headers=world.dana).headers["etag"]
    before = snapshot(api, world)

    response = client.request(method, path, json=body, headers={**world.dana, "If-Match": etag})

    assert_problem(response, 403, "forbidden")
    assert snapshot(api, world) == before


@pytest.mark.parametrize(("method", "body"), [
    ("PUT", {"text": "replaced", "referenced": None}),
    ("PATCH", {"text": "edited"}),
    ("DELETE", None),
])  # fmt: skip
def test_another_users_micropost_under_ones_own_path_is_not_found(
    client: TestClient, api: Api, world: World, method: str, body: dict[str, Any] | None
) -> None:
    before = snapshot(api, world)

    response = client.request(
        method, f"{V1}/users/dana/collection/{world.post_id}", json=body, headers=world.dana
    )

    assert_problem(response, 404, "not_found")
    assert snapshot(api, world) == before


def test_an_idempotency_key_replay_is_scoped_to_its_caller(
    client: TestClient, api: Api, world: World
) -> None:
    key = {"Idempotency-Key": "shared-key-1"}
    mine = client.post(
        f"{V1}/users/jaime/collection", json={"text": "mine"}, headers={**world.jaime, **key}
    )
    assert mine.status_code == 201, mine.text

    theirs = client.post(
        f"{V1}/users/jaime/collection", json={"text": "mine"}, headers={**world.dana, **key}
    )

    assert_problem(theirs, 403, "forbidden")
    assert "idempotent-replayed" not in theirs.headers
