"""Micropost: fields, the guard, save/delete, lazy author, and client.microposts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from microblog._errors import ResponseDecodeError
from microblog._resources import Micropost, User

from .resources_fakes import API, FakeClient, FakeResponse, page_json, post_json, user_json

POST5 = "/api/v1/users/jaime/collection/5"
MINE = "/api/v1/users/dana/collection"


def loaded(client: FakeClient, ident: int = 5, etag: str = '"p1"', **changes: Any) -> Micropost:
    client.reply(
        "GET", f"/api/v1/microposts/{ident}", FakeResponse(post_json(ident, **changes), etag)
    )
    return client.microposts.get(ident)


# -- fields ---------------------------------------------------------------------------
def test_fields_are_typed_from_the_json() -> None:
    post = loaded(FakeClient(), tags=["x"])

    assert (post.id, post.user, post.referenced) == (5, "jaime", "dana")
    assert post.mentions == ("dana",)
    assert post.timestamp == datetime(2026, 11, 1, 9, tzinfo=UTC)
    assert post.updated_at is None
    assert post.extra == {"tags": ["x"]}
    assert post.etag == '"p1"'


def test_repr_is_short_and_cuts_long_text() -> None:
    client = FakeClient()

    assert repr(loaded(client)) == "<Micropost 5 by jaime: 'A referenced micropost…'>"
    assert repr(loaded(client, text="short")) == "<Micropost 5 by jaime: 'short'>"


def test_missing_mentions_are_an_empty_tuple() -> None:
    assert loaded(FakeClient(), mentions=None).mentions == ()


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "5"},
        {"id": True},
        {"text": None},
        {"mentions": "dana"},
        {"mentions": [1]},
        {"timestamp": 5},
    ],
)
def test_a_malformed_micropost_raises_response_decode_error(changes: dict[str, Any]) -> None:
    client = FakeClient()
    client.reply("GET", "/api/v1/microposts/5", FakeResponse(post_json(**changes)))

    with pytest.raises(ResponseDecodeError):
        client.microposts.get(5)


@pytest.mark.parametrize("name", ["id", "user", "mentions", "timestamp", "updated_at", "href"])
def test_read_only_fields_reject_writes(name: str) -> None:
    post = loaded(FakeClient())

    with pytest.raises(AttributeError, match="read-only"):
        setattr(post, name, None)


def test_attribute_typos_fail() -> None:
    post = loaded(FakeClient())

    with pytest.raises(AttributeError):
        post.txt = "x"  # type: ignore[attr-defined]


def test_dir_shows_fields_and_actions_not_internals() -> None:
    names = dir(loaded(FakeClient()))

    assert {"id", "text", "author", "referenced_user", "save", "delete", "refresh"} <= set(names)
    assert not [name for name in names if name.startswith("_")]


def test_microposts_are_equal_by_id() -> None:
    client = FakeClient()

    assert loaded(client) == loaded(client, text="other")
    assert loaded(client) != loaded(client, ident=6)
    assert len({loaded(client), loaded(client)}) == 1
    assert loaded(client) != 5


# -- save / refresh / delete -------------------------------------------------------------
def test_save_patches_only_the_changed_text_at_the_canonical_path() -> None:
    client = FakeClient()
    post = loaded(client)
    client.reply(
        "PATCH",
        POST5,
        FakeResponse(post_json(text="edited", updated_at="2026-11-02T00:00:00Z"), '"p2"'),
    )

    post.text = "edited"
    post.save()

    assert (client.calls[-1].json, client.calls[-1].if_match) == ({"text": "edited"}, '"p1"')
    assert post.updated_at == datetime(2026, 11, 2, tzinfo=UTC)
    assert post.etag == '"p2"'


def test_clearing_referenced_sends_null() -> None:
    client = FakeClient()
    post = loaded(client)
    client.reply("PATCH", POST5, FakeResponse(post_json(referenced=None), '"p2"'))

    post.referenced = None
    post.save()

    assert client.calls[-1].json == {"referenced": None}


def test_refresh_then_delete_uses_the_new_etag() -> None:
    client = FakeClient()
    post = loaded(client)
    client.reply("GET", POST5, FakeResponse(post_json(text="theirs"), '"p9"'))
    client.reply("DELETE", POST5, FakeResponse(None, status_code=204))

    post.text = "unsaved"
    assert post.refresh() is post
    post.delete()

    assert post.text == "theirs"
    assert client.calls[-1].if_match == '"p9"'


def test_a_post_from_a_list_saves_without_if_match() -> None:
    client = FakeClient()
    client.reply("GET", MINE, FakeResponse(page_json([post_json(5, user="dana")])))
    client.reply(
        "PATCH",
        "/api/v1/users/dana/collection/5",
        FakeResponse(post_json(5, user="dana", text="x"), '"p2"'),
    )
    (post,) = client.microposts.list()

    post.text = "x"
    post.save()

    assert client.calls[-1].if_match is None


# -- author and referenced user ----------------------------------------------------------
def test_author_is_a_lazy_user_costing_one_get_once() -> None:
    client = FakeClient()
    post = loaded(client)
    client.reply("GET", "/api/v1/users/jaime", FakeResponse(user_json("jaime")))

    author = post.author
    assert author.username == "jaime"
    assert len(client.calls) == 1
    assert author.bio == ""
    assert post.author.followers_count == 2
    assert post.author is author
    assert len(client.calls) == 2


def test_referenced_user_is_lazy_and_none_without_reference() -> None:
    client = FakeClient()
    post = loaded(client)

    assert isinstance(post.referenced_user, User)
    assert post.referenced_user.username == "dana"
    assert loaded(client, referenced=None).referenced_user is None
    assert len(client.calls) == 2


def test_referenced_user_follows_an_edited_reference() -> None:
    post = loaded(FakeClient())

    post.referenced = "bob"

    assert post.referenced_user is not None
    assert post.referenced_user.username == "bob"


def test_a_hand_built_posts_author_username_costs_nothing() -> None:
    author = Micropost(id=1, user="dana", text="hi").author

    assert author.username == "dana"
    assert author == User(username="dana")


def test_a_hand_built_posts_author_says_why_other_fields_cannot_load() -> None:
    author = Micropost(id=1, user="dana", text="hi").author

    with pytest.raises(ValueError, match="not bound to a client"):
        _ = author.display_name


# -- the manager ----------------------------------------------------------------------------
def test_create_posts_in_the_callers_collection() -> None:
    client = FakeClient()
    client.reply("POST", MINE, FakeResponse(post_json(9, user="dana"), '"n1"', 201))

    post = client.microposts.create("Hi @bob", referenced=User(username="bob"))

    assert client.calls[0].json == {"text": "Hi @bob", "referenced": "bob"}
    assert (post.id, post.etag) == (9, '"n1"')


def test_create_without_reference_sends_text_only() -> None:
    client = FakeClient()
    client.reply("POST", MINE, FakeResponse(post_json(9, user="dana"), None, 201))

    client.microposts.create("Hi")

    assert client.calls[0].json == {"text": "Hi"}


def test_create_many_is_one_batch_request() -> None:
    client = FakeClient()
    result = [post_json(i, user="dana") for i in (1, 2, 3)]
    client.reply("POST", f"{MINE}/batch", FakeResponse({"result": result}, None, 201))

    posts = client.microposts.create_many(
        ["a", {"text": "b", "referenced": "bob"}, {"text": "c", "referenced": None}]
    )

    assert [p.id for p in posts] == [1, 2, 3]
    assert len(client.calls) == 1
    assert client.calls[0].json == {
        "items": [{"text": "a"}, {"text": "b", "referenced": "bob"}, {"text": "c"}]
    }


@pytest.mark.parametrize(
    "items",
    [
        [5],
        [{"txt": "a"}],
        [{"text": "a", "extra": 1}],
        [{"text": "a", "referenced": ".."}],
    ],
)
def test_create_many_refuses_bad_batches_before_any_request(items: list[Any]) -> None:
    client = FakeClient()

    with pytest.raises(ValueError, match=r"batch|not a username"):
        client.microposts.create_many(items)

    assert client.calls == []


def test_create_many_accepts_exactly_100_items_and_any_iterable() -> None:
    client = FakeClient()
    client.reply("POST", f"{MINE}/batch", FakeResponse({"result": []}, None, 201))

    assert client.microposts.create_many(f"t{i}" for i in range(100)) == []
    assert len(client.calls[0].json["items"]) == 100


@pytest.mark.parametrize("body", [{"result": None}, [], {"result": [{"id": 1}]}])
def test_a_malformed_batch_reply_raises_response_decode_error(body: Any) -> None:
    client = FakeClient()
    client.reply("POST", f"{MINE}/batch", FakeResponse(body, None, 201))

    with pytest.raises(ResponseDecodeError):
        client.microposts.create_many(["a"])


@pytest.mark.parametrize("name", [5, "5", Micropost(id=5, user="jaime", text="x")])
def test_get_accepts_an_id_digits_or_a_micropost(name: Any) -> None:
    client = FakeClient()
    client.reply("GET", "/api/v1/microposts/5", FakeResponse(post_json()))

    assert client.microposts.get(name).id == 5


@pytest.mark.parametrize("author", ["bob", User(username="bob")])
def test_list_names_the_author_by_user_or_username(author: User | str) -> None:
    client = FakeClient()
    client.reply(
        "GET", "/api/v1/users/bob/collection", FakeResponse(page_json([post_json(1, user="bob")]))
    )

    (post,) = client.microposts.list(author, size=10)

    assert post.user == "bob"
    assert client.calls[0].params == {"size": 10}


def test_search_sends_text_and_optional_username_prefix() -> None:
    client = FakeClient()
    client.reply("GET", "/api/v1/search", FakeResponse(page_json([post_json()])))

    list(client.microposts.search("python"))
    list(client.microposts.search("python", username="bo", limit=1))

    assert client.calls[0].params == {"text": "python"}
    assert client.calls[1].params == {"text": "python", "username": "bo"}


@pytest.mark.parametrize(("text", "username"), [(None, None), ("python", 5)])
def test_search_refuses_non_strings_before_any_request(text: Any, username: Any) -> None:
    client = FakeClient()

    with pytest.raises(ValueError, match="strings"):
        client.microposts.search(text, username=username)

    assert client.calls == []


def test_timeline_is_the_callers() -> None:
    client = FakeClient()
    next_link = f"{API}/users/dana/timeline?cursor=c1"
    client.reply(
        "GET", "/api/v1/users/dana/timeline", FakeResponse(page_json([post_json(2)], next_link))
    )
    client.reply("GET", next_link, FakeResponse(page_json([post_json(1)])))

    assert [p.id for p in client.microposts.timeline()] == [2, 1]
    assert repr(client.microposts) == "<MicropostManager>"
