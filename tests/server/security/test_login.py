"""Login cannot be used to guess passwords or to find out which usernames exist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

from .support import PASSWORD, Api, assert_problem

if TYPE_CHECKING:
    from pathlib import Path

TOKEN = "/api/v1/token"


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    """A client of an app that allows 3 logins a minute per address (a user ``dana`` exists)."""
    settings = Settings.for_tests(
        database_url=f"sqlite:///{tmp_path / 'limited.db'}", rate_limit_login="3/60"
    )
    with TestClient(create_app(settings)) as test_client:
        created = test_client.post("/api/v1/users", json={"username": "dana", "password": PASSWORD})
        assert created.status_code == 201, created.text
        yield test_client


def test_the_login_after_the_limit_is_429_even_with_the_right_password(
    limited: TestClient,
) -> None:
    for guess in ("guess-one-1", "guess-two-2", "guess-three-3"):
        wrong = limited.post(TOKEN, data={"username": "dana", "password": guess})
        assert_problem(wrong, 400, "invalid_grant")

    right = limited.post(TOKEN, data={"username": "dana", "password": PASSWORD})

    assert_problem(right, 429, "rate_limited")
    assert int(right.headers["retry-after"]) >= 1
    assert "access_token" not in right.text
    assert right.headers["ratelimit-policy"] == '"default";q=3;w=60'


def test_the_login_limit_counts_json_and_form_logins_alike(limited: TestClient) -> None:
    limited.post(TOKEN, data={"username": "dana", "password": "guess-one-1"})
    limited.post(TOKEN, json={"username": "dana", "password": "guess-two-2"})
    limited.post(TOKEN, json={"username": "nobody", "password": "guess-three-3"})

    right = limited.post(TOKEN, json={"username": "dana", "password": PASSWORD})

    assert_problem(right, 429, "rate_limited")


def test_the_login_limit_is_per_address(limited: TestClient) -> None:
    for guess in ("guess-one-1", "guess-two-2", "guess-three-3", "guess-four-4"):
        limited.post(TOKEN, data={"username": "dana", "password": guess})

    # No ``with``: the app's lifespan is already running under ``limited``.
    elsewhere = TestClient(limited.app, client=("127.0.0.2", 40000))
    right = elsewhere.post(TOKEN, data={"username": "dana", "password": PASSWORD})

    assert right.status_code == 200, right.text


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """Drop what differs per request (its id) from a problem body."""
    return {k: v for k, v in body.items() if k not in {"request_id", "instance"}}


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_an_unknown_user_and_a_wrong_password_get_identical_answers(
    client: TestClient, api: Api, as_json: bool
) -> None:
    api.sign_up("dana")
    unknown = {"username": "nobody", "password": "Guess-Password-1"}
    wrong = {"username": "dana", "password": "Guess-Password-1"}

    if as_json:
        answers = [client.post(TOKEN, json=unknown), client.post(TOKEN, json=wrong)]
    else:
        answers = [client.post(TOKEN, data=unknown), client.post(TOKEN, data=wrong)]

    first, second = (assert_problem(answer, 400, "invalid_grant") for answer in answers)
    assert comparable(first) == comparable(second)
    for key in ("code", "title", "detail", "status"):
        assert first[key] == second[key]
    request_ids = [answer.headers["x-request-id"] for answer in answers]
    bodies = [
        answer.content.replace(rid.encode(), b"")
        for answer, rid in zip(answers, request_ids, strict=True)
    ]
    assert bodies[0] == bodies[1]
    for header in ("content-type", "content-length", "www-authenticate", "cache-control"):
        assert answers[0].headers.get(header) == answers[1].headers.get(header)
