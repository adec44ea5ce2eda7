"""Names in paths: malformed usernames and ids fail before any request; segments are quoted."""

from __future__ import annotations

from typing import Any

import pytest

from microblog._resources import Micropost, User
from microblog._resources._model import micropost_id_of, username_of
from microblog._resources._paths import route, segment

from .resources_fakes import FakeClient, FakeResponse, post_json, user_json

# Only what would change the request's path, or is not a string, is refused locally.
BAD_USERNAMES: list[Any] = ["", ".", "..", "a/b", "../me", "/", "dana/", None, 5, True, b"dana"]
# Everything else is the service's to judge (it answers 404 or 422): sent, quoted whole.
SERVICE_JUDGES = [
    " ",
    "  dana",
    "da",
    "x" * 31,
    "da\u00f1a",
    "d\u0430na",
    "da-na",
    "dana%2F",
    "dana\n",
    "...",
    "a\\b",
    "?x",
    "#",
]
BAD_IDS: list[Any] = [0, -1, True, False, 2**63, "", " 5", "5 ", "5.0", "abc", "..", "/", 5.0, None]


@pytest.mark.parametrize("value", ["dan", "Dana_01", "x" * 30, *SERVICE_JUDGES])
def test_usernames_that_keep_the_path_pass_for_the_service_to_judge(value: str) -> None:
    assert username_of(value) == value


@pytest.mark.parametrize("value", SERVICE_JUDGES)
def test_a_username_the_service_judges_is_quoted_into_one_segment(value: str) -> None:
    path, _ = route("/users/{username}", username=username_of(value))
    assert path.count("/") == 4
    assert path.rsplit("/", 1)[1] == segment(value)


@pytest.mark.parametrize("value", BAD_USERNAMES)
def test_malformed_usernames_raise_value_error(value: Any) -> None:
    with pytest.raises(ValueError, match="not a username"):
        username_of(value)


def test_a_user_object_names_its_username() -> None:
    assert username_of(User(username="dana")) == "dana"


@pytest.mark.parametrize(("value", "expected"), [(1, 1), ("42", 42), (2**63 - 1, 2**63 - 1)])
def test_well_formed_ids_pass(value: int | str, expected: int) -> None:
    assert micropost_id_of(value) == expected


@pytest.mark.parametrize("value", BAD_IDS)
def test_malformed_ids_raise_value_error(value: Any) -> None:
    with pytest.raises(ValueError, match="not a micropost id"):
        micropost_id_of(value)


def test_a_micropost_object_names_its_id() -> None:
    assert micropost_id_of(Micropost(id=7, user="dana", text="hi")) == 7


def test_segments_are_quoted_whole() -> None:
    assert segment("a/b c?") == "a%2Fb%20c%3F"
    assert route("/users/{username}/collection/{id}", username="dana", id=5) == (
        "/api/v1/users/dana/collection/5",
        "/api/v1/users/{username}/collection/{id}",
    )
    assert route("/users/{username}", username="{id}").path == "/api/v1/users/%7Bid%7D"


@pytest.mark.parametrize("value", [v for v in BAD_USERNAMES if v is not None])
def test_no_request_is_made_for_a_malformed_username(value: Any) -> None:
    client = FakeClient()

    for call in (
        lambda: client.users.get(value),
        lambda: client.users.get(value, lazy=True),
        lambda: client.microposts.list(value),
        lambda: client.microposts.create("hi", referenced=value),
    ):
        with pytest.raises(ValueError, match="not a username"):
            call()

    assert client.calls == []


@pytest.mark.parametrize("value", [None, 5, True, b"dana"])
def test_a_sign_up_refuses_only_a_username_that_is_not_a_string(value: Any) -> None:
    client = FakeClient()

    with pytest.raises(ValueError, match="not a username"):
        client.users.create(username=value, password="secret-password")

    assert client.calls == []


@pytest.mark.parametrize("value", ["x", "", "a/b", "  "])
def test_a_sign_up_sends_any_string_for_the_service_to_judge(value: str) -> None:
    client = FakeClient()
    client.reply("POST", "/api/v1/users", FakeResponse(user_json("dana")))

    client.users.create(username=value, password="secret-password")

    assert client.calls[0].json["username"] == value


@pytest.mark.parametrize("value", BAD_IDS)
def test_no_request_is_made_for_a_malformed_micropost_id(value: Any) -> None:
    client = FakeClient()

    with pytest.raises(ValueError, match="not a micropost id"):
        client.microposts.get(value)

    assert client.calls == []


def test_follow_with_a_malformed_username_makes_no_request() -> None:
    client = FakeClient()
    client.reply("GET", "/api/v1/users/dana", FakeResponse(user_json("dana")))
    me = client.users.get("dana")

    with pytest.raises(ValueError, match="not a username"):
        me.follow("../admin")

    assert len(client.calls) == 1


def test_a_micropost_with_a_malformed_id_from_a_bad_server_still_cannot_escape_its_path() -> None:
    client = FakeClient()
    client.reply("GET", "/api/v1/microposts/5", FakeResponse(post_json(5, user="jaime")))
    post = client.microposts.get(5)
    object.__setattr__(post, "user", "..")

    with pytest.raises(ValueError, match="not a username"):
        post.delete()
