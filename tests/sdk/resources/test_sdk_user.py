"""User: typed fields, the attribute guard, save/refresh/delete, laziness, follows, pagers."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest

from microblog._errors import PreconditionFailedError, ResponseDecodeError
from microblog._resources import Micropost, User

from .resources_fakes import API, FakeClient, FakeResponse, page_json, post_json, user_json

DANA = "/api/v1/users/dana"


def loaded(client: FakeClient, username: str = "dana", etag: str = '"v1"', **changes: Any) -> User:
    client.reply(
        "GET", f"/api/v1/users/{username}", FakeResponse(user_json(username, **changes), etag)
    )
    return client.users.get(username)


def precondition_failed() -> PreconditionFailedError:
    return PreconditionFailedError(
        status_code=412,
        code="precondition_failed",
        title="Precondition failed",
        detail="changed",
        request_id="r",
        errors=[],
        headers={},
        response=None,
    )


# -- fields ---------------------------------------------------------------------------
def test_fields_are_typed_from_the_json() -> None:
    user = loaded(FakeClient())

    assert user.username == "dana"
    assert user.display_name == "Dana"
    assert user.created_at == datetime(2026, 11, 1, 9, tzinfo=UTC)
    assert user.followers_count == 2
    assert user.timeline_url == f"{API}/users/dana/timeline"
    assert user.followers_url == f"{API}/users/dana/followers"
    assert user.etag == '"v1"'


def test_unknown_server_fields_are_kept_in_extra() -> None:
    user = loaded(FakeClient(), avatar="http://img", karma=3)

    assert user.extra == {"avatar": "http://img", "karma": 3}


def test_optional_fields_default_to_none_when_absent() -> None:
    client = FakeClient()
    client.reply("GET", DANA, FakeResponse({"username": "dana"}))

    user = client.users.get("dana")

    assert user.display_name is None
    assert user.created_at is None
    assert user.timeline_url is None
    assert user.extra == {}


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"display_name": "no username"},
        user_json(followers_count="2"),
        user_json(followers_count=True),
        user_json(created_at="yesterday"),
        user_json(bio=3),
        user_json(timeline=5),
    ],
)
def test_a_malformed_user_raises_response_decode_error(body: Any) -> None:
    client = FakeClient()
    client.reply("GET", DANA, FakeResponse(body, request_id="rid-7"))

    with pytest.raises(ResponseDecodeError, match="rid-7"):
        client.users.get("dana")


def test_attribute_typos_fail_on_set_and_on_get() -> None:
    user = loaded(FakeClient())

    with pytest.raises(AttributeError, match="no field 'dispaly_name'"):
        user.dispaly_name = "x"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        _ = user.dispaly_name  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "name", ["username", "created_at", "followers_count", "href", "timeline_url", "extra"]
)
def test_read_only_fields_reject_writes(name: str) -> None:
    user = loaded(FakeClient())

    with pytest.raises(AttributeError, match="read-only"):
        setattr(user, name, None)


def test_repr_is_short() -> None:
    assert repr(loaded(FakeClient())) == "<User dana>"


def test_dir_shows_fields_and_actions_not_internals() -> None:
    names = dir(loaded(FakeClient()))

    assert {"username", "display_name", "extra", "save", "follow", "timeline"} <= set(names)
    assert not [name for name in names if name.startswith("_")]


def test_users_are_equal_by_username_and_hashable() -> None:
    client = FakeClient()

    assert loaded(client) == User(username="dana")
    assert loaded(client) != User(username="bob")
    assert len({loaded(client), User(username="dana")}) == 1
    assert User(username="dana") != "dana"


def test_a_hand_built_user_is_not_bound_and_says_so() -> None:
    user = User(username="dana", bio="hi")

    user.bio = "changed"
    with pytest.raises(ValueError, match="not bound"):
        user.save()


def test_dataclass_fields_are_declared() -> None:
    names = [f.name for f in dataclasses.fields(User)]

    assert names[:3] == ["username", "display_name", "bio"]


# -- save / refresh / delete ------------------------------------------------------------
def test_save_sends_only_changed_fields_with_if_match_and_merges_the_reply() -> None:
    client = FakeClient()
    user = loaded(client)
    client.reply("PATCH", DANA, FakeResponse(user_json(display_name="Dana D.", karma=1), '"v2"'))

    user.display_name = "Dana D."
    result = user.save()

    assert result is user
    patch = client.calls[-1]
    assert (patch.json, patch.if_match) == ({"display_name": "Dana D."}, '"v1"')
    assert (user.display_name, user.etag, user.extra) == ("Dana D.", '"v2"', {"karma": 1})
    assert user.changes() == {}


def test_save_without_changes_is_a_no_op() -> None:
    client = FakeClient()
    user = loaded(client)

    user.bio = user.bio
    user.save()

    assert [c.method for c in client.calls] == ["GET"]


def test_setting_a_field_back_to_its_loaded_value_is_not_a_change() -> None:
    client = FakeClient()
    user = loaded(client)

    user.bio = "new"
    user.bio = ""
    user.save()

    assert len(client.calls) == 1


def test_a_concurrent_change_raises_precondition_failed_then_refresh_and_save_work() -> None:
    client = FakeClient()
    user = loaded(client)
    client.reply("PATCH", DANA, precondition_failed())
    user.bio = "mine"

    with pytest.raises(PreconditionFailedError):
        user.save()

    client.reply("GET", DANA, FakeResponse(user_json(bio="theirs"), '"v3"'))
    user.refresh()
    assert (user.bio, user.etag) == ("theirs", '"v3"')
    client.reply("PATCH", DANA, FakeResponse(user_json(bio="mine"), '"v4"'))
    user.bio = "mine"
    user.save()
    assert client.calls[-1].if_match == '"v3"'
    assert user.etag == '"v4"'


def test_delete_sends_if_match() -> None:
    client = FakeClient()
    user = loaded(client)
    client.reply("DELETE", DANA, FakeResponse(None, status_code=204))

    user.delete()

    assert (client.calls[-1].method, client.calls[-1].if_match) == ("DELETE", '"v1"')


def test_set_password_patches_only_the_password() -> None:
    client = FakeClient()
    user = loaded(client)
    client.reply("PATCH", DANA, FakeResponse(user_json(), '"v2"'))

    user.set_password("a new long password", current_password="the old one")

    assert client.calls[-1].json == {
        "password": "a new long password",
        "current_password": "the old one",
    }
    assert client.password_changes == [("dana", "a new long password")]
    assert client.calls[-1].if_match == '"v1"'
    assert user.etag == '"v2"'


def test_set_password_refuses_a_non_string_before_any_request() -> None:
    client = FakeClient()
    user = loaded(client)

    with pytest.raises(ValueError, match="password"):
        user.set_password(None, current_password="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="current_password"):
        user.set_password("a new long password", current_password=None)  # type: ignore[arg-type]

    assert len(client.calls) == 1


# -- laziness ---------------------------------------------------------------------------
def test_a_lazy_user_costs_no_request_for_its_username() -> None:
    client = FakeClient()

    user = client.users.get("bob", lazy=True)

    assert (user.username, repr(user)) == ("bob", "<User bob>")
    assert client.calls == []


def test_a_lazy_user_loads_on_first_other_field_with_exactly_one_get() -> None:
    client = FakeClient()
    client.reply("GET", "/api/v1/users/bob", FakeResponse(user_json("bob"), '"b1"'))
    user = client.users.get("bob", lazy=True)

    assert user.bio == ""
    assert user.followers_count == 2
    assert user.extra == {}
    assert user.etag == '"b1"'
    assert len(client.calls) == 1


def test_a_lazy_user_typo_fails_without_a_request() -> None:
    client = FakeClient()
    user = client.users.get("bob", lazy=True)

    with pytest.raises(AttributeError):
        _ = user.bioo  # type: ignore[attr-defined]
    assert client.calls == []


def test_editing_a_lazy_user_loads_it_first_so_save_sends_the_change() -> None:
    client = FakeClient()
    client.reply("GET", DANA, FakeResponse(user_json(), '"v1"'))
    client.reply("PATCH", DANA, FakeResponse(user_json(bio="hello"), '"v2"'))
    user = client.users.get("dana", lazy=True)

    user.bio = "hello"
    user.save()

    assert [c.method for c in client.calls] == ["GET", "PATCH"]
    assert client.calls[-1].json == {"bio": "hello"}
    assert client.calls[-1].if_match == '"v1"'


def test_an_unloaded_user_has_no_changes() -> None:
    user = FakeClient().users.get("bob", lazy=True)

    assert user.changes() == {}


def test_a_lazy_user_equals_a_loaded_one() -> None:
    client = FakeClient()

    assert client.users.get("dana", lazy=True) == loaded(client)


# -- managers ---------------------------------------------------------------------------
def test_create_signs_up_with_only_the_given_fields() -> None:
    client = FakeClient()
    client.reply("POST", "/api/v1/users", FakeResponse(user_json("eve"), '"e1"', 201))

    user = client.users.create(username="eve", password="long enough", bio="hi")

    assert client.calls[0].json == {"username": "eve", "password": "long enough", "bio": "hi"}
    assert user.username == "eve"
    assert user.etag == '"e1"'


def test_get_accepts_a_user_object() -> None:
    client = FakeClient()
    client.reply("GET", "/api/v1/users/bob", FakeResponse(user_json("bob")))

    assert client.users.get(User(username="bob")).username == "bob"


def test_me_fetches_the_caller_and_remembers_the_username() -> None:
    client = FakeClient(username=None)
    client.reply("GET", "/api/v1/me", FakeResponse(user_json("dana")))
    client.reply("GET", "/api/v1/users/dana/collection", FakeResponse(page_json([])))

    assert client.users.me().username == "dana"
    list(client.microposts.list())

    assert [c.path for c in client.calls] == ["/api/v1/me", "/api/v1/users/dana/collection"]


def test_the_caller_is_looked_up_once_when_the_login_does_not_say() -> None:
    client = FakeClient(username=None)
    client.reply("GET", "/api/v1/me", FakeResponse(user_json("dana")))
    client.reply("GET", "/api/v1/users/dana/timeline", FakeResponse(page_json([])))

    list(client.microposts.timeline())
    list(client.microposts.timeline())

    assert [c.path for c in client.calls].count("/api/v1/me") == 1


def test_list_sends_the_prefix_and_walks_pages() -> None:
    client = FakeClient()
    next_link = f"{API}/users?cursor=c1&q=bo"
    client.reply("GET", "/api/v1/users", FakeResponse(page_json([user_json("bob")], next_link)))
    client.reply("GET", next_link, FakeResponse(page_json([user_json("bobby")])))

    users = list(client.users.list(q="bo", size=1))

    assert [u.username for u in users] == ["bob", "bobby"]
    assert client.calls[0].params == {"q": "bo", "size": 1}
    assert users[0].etag is None


def test_list_without_a_prefix_sends_none() -> None:
    client = FakeClient()
    client.reply("GET", "/api/v1/users", FakeResponse(page_json([])))

    list(client.users.list())

    assert client.calls[0].params == {}
    assert repr(client.users) == "<UserManager>"


# -- follows and pagers -------------------------------------------------------------------
def test_follow_without_argument_makes_the_caller_follow_this_user() -> None:
    client = FakeClient()
    bob = client.users.get("bob", lazy=True)
    client.reply("POST", "/api/v1/users/dana/following", FakeResponse(None, status_code=201))
    client.reply("DELETE", "/api/v1/users/dana/following/bob", FakeResponse(None, status_code=204))

    bob.follow()
    bob.unfollow()

    assert client.calls[0].json == {"username": "bob"}
    assert [c.method for c in client.calls] == ["POST", "DELETE"]


@pytest.mark.parametrize("target", ["bob", User(username="bob")])
def test_follow_with_a_user_or_username_makes_this_user_follow_them(target: User | str) -> None:
    client = FakeClient(username="other")
    me = client.users.get("dana", lazy=True)
    client.reply("POST", "/api/v1/users/dana/following", FakeResponse(None, status_code=201))
    client.reply("DELETE", "/api/v1/users/dana/following/bob", FakeResponse(None, status_code=204))

    me.follow(target)
    me.unfollow(target)

    assert client.calls[0].json == {"username": "bob"}
    assert client.calls[1].path == "/api/v1/users/dana/following/bob"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("followers", "/api/v1/users/bob/followers"),
        ("following", "/api/v1/users/bob/following"),
        ("microposts", "/api/v1/users/bob/collection"),
        ("timeline", "/api/v1/users/bob/timeline"),
    ],
)
def test_user_pagers_list_their_endpoint(method: str, path: str) -> None:
    client = FakeClient()
    bob = client.users.get("bob", lazy=True)
    item = user_json("carol") if method.startswith("follow") else post_json(1, user="bob")
    client.reply("GET", path, FakeResponse(page_json([item])))

    (found,) = getattr(bob, method)(size=5, limit=1)

    assert isinstance(found, User if method.startswith("follow") else Micropost)
    assert client.calls == [client.calls[0]]
    assert client.calls[0].params == {"size": 5}


def test_a_lost_race_hands_back_the_current_version_in_the_error() -> None:
    client = FakeClient()
    user = loaded(client)
    client.reply("PATCH", DANA, precondition_failed())
    client.reply("GET", DANA, FakeResponse(user_json(bio="theirs"), '"v3"'))
    user.bio = "mine"

    with pytest.raises(PreconditionFailedError) as raised:
        user.save()

    current = raised.value.current
    assert isinstance(current, User)
    assert (current.bio, current.etag) == ("theirs", '"v3"')
    assert user.changes() == {"bio": "mine"}
    copied = pickle.loads(pickle.dumps(raised.value))
    assert copied.current == current
    assert copied.current.bio == "theirs"


def test_a_lost_race_whose_refetch_fails_hands_back_none() -> None:
    client = FakeClient()
    user = loaded(client)
    client.reply("DELETE", DANA, precondition_failed())
    client.reply("GET", DANA, ResponseDecodeError("broken", status_code=200, request_id="r"))

    with pytest.raises(PreconditionFailedError) as raised:
        user.delete()

    assert raised.value.current is None


@pytest.mark.parametrize("etag", ['"v1"\r\nX-Evil: 1', "", 7])
def test_an_if_match_that_is_not_an_etag_is_refused_before_any_request(etag: Any) -> None:
    client = FakeClient()
    user = loaded(client)
    user.bio = "mine"

    with pytest.raises(ValueError, match="if_match"):
        user.save(if_match=etag)
    with pytest.raises(ValueError, match="if_match"):
        user.delete(if_match=etag)

    assert len(client.calls) == 1


def test_save_and_delete_send_the_if_match_given() -> None:
    client = FakeClient()
    user = loaded(client)
    client.reply("PATCH", DANA, FakeResponse(user_json(bio="mine"), '"v2"'))
    client.reply("DELETE", DANA, FakeResponse(None, status_code=204))
    user.bio = "mine"

    user.save(if_match='"from-a-form"')
    user.delete(if_match='W/"weak"')

    assert [c.if_match for c in client.calls[1:]] == ['"from-a-form"', 'W/"weak"']
