"""The public types, pinned: mypy checks every ``assert_type`` here, pytest runs them too.

A decorator that swallowed a signature, or a field that became ``Any``, fails ``mypy``;
the test below also runs every call against a mocked service, so the file stays honest.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, assert_type

import pytest
import responses

import microblog

if TYPE_CHECKING:
    from collections.abc import Iterator

BASE = "http://127.0.0.1:8000"
API = f"{BASE}/api/v1"


def user(name: str) -> dict[str, Any]:
    return {"username": name, "display_name": None, "bio": "", "created_at": "2026-11-01T09:00:00Z"}


def post(ident: int) -> dict[str, Any]:
    return {"id": ident, "user": "dana", "text": "hello", "referenced": "bob", "mentions": []}


def page(items: list[Any]) -> dict[str, Any]:
    return {"result": items, "next": None, "previous": None}


def check_public_types(client: microblog.Client) -> None:
    """Every public call with the type a user's code sees."""
    me = assert_type(client.me(), microblog.User)
    quota = assert_type(client.quota, microblog.Quota | None)
    if quota is not None:
        assert_type(quota.limit, int | None)
        assert_type(quota.remaining, int)
        assert_type(quota.resets_in, float | None)
        assert_type(quota.window, float | None)
        assert_type(quota.policy, str | None)
    assert_type(me.username, str)
    assert_type(me.display_name, str | None)
    assert_type(me.created_at, datetime | None)
    assert_type(me.followers_count, int | None)
    assert_type(me.extra, dict[str, Any])
    assert_type(me.etag, str | None)
    assert_type(me.save(), microblog.User)
    assert_type(me.refresh(), microblog.User)
    assert_type(client.users.get("bob"), microblog.User)
    assert_type(client.users.get(me, lazy=True), microblog.User)
    assert_type(client.users.create(username="eve", password="long enough"), microblog.User)
    assert_type(client.users.list(q="bo"), microblog.Pager[microblog.User])
    assert_type(me.followers(), microblog.Pager[microblog.User])
    assert_type(me.following(size=10), microblog.Pager[microblog.User])
    assert_type(me.microposts(limit=5), microblog.Pager[microblog.Micropost])
    assert_type(me.timeline(), microblog.Pager[microblog.Micropost])
    assert_type(me.follow("bob"), None)
    assert_type(me.unfollow(me), None)

    created = assert_type(client.microposts.create("hi", referenced=me), microblog.Micropost)
    assert_type(created.id, int)
    assert_type(created.text, str)
    assert_type(created.referenced, str | None)
    assert_type(created.mentions, tuple[str, ...])
    assert_type(created.author, microblog.User)
    assert_type(created.referenced_user, microblog.User | None)
    assert_type(client.microposts.create_many(["a", {"text": "b"}]), list[microblog.Micropost])
    assert_type(client.microposts.get(created), microblog.Micropost)
    assert_type(client.microposts.get(42), microblog.Micropost)
    pager = assert_type(client.microposts.list(author="bob"), microblog.Pager[microblog.Micropost])
    assert_type(
        client.microposts.search("python", username="bo"), microblog.Pager[microblog.Micropost]
    )
    assert_type(client.microposts.timeline(), microblog.Pager[microblog.Micropost])
    assert_type(client.timeline(size=5), microblog.Pager[microblog.Micropost])
    for item in pager:
        assert_type(item, microblog.Micropost)
    for one_page in pager.pages():
        assert_type(one_page, microblog.Page[microblog.Micropost])
        assert_type(one_page.items, list[microblog.Micropost])
        assert_type(one_page.next, str | None)
        assert_type(one_page.cursor, str | None)


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_the_public_calls_run_with_the_pinned_types(http: responses.RequestsMock) -> None:
    http.get(f"{API}/me", json=user("dana"))
    for name in ("dana", "bob", "eve"):
        http.get(f"{API}/users/{name}", json=user(name))
    http.post(f"{API}/users", json=user("eve"), status=201)
    http.post(f"{API}/users/dana/following", status=201)
    http.delete(f"{API}/users/dana/following/dana", status=204)
    http.post(f"{API}/users/dana/collection", json=post(1), status=201)
    http.post(f"{API}/users/dana/collection/batch", json={"result": [post(2), post(3)]}, status=201)
    http.get(f"{API}/microposts/1", json=post(1))
    http.get(f"{API}/microposts/42", json=post(42))
    for path in ("users", "users/dana/followers", "users/dana/following"):
        http.get(f"{API}/{path}", json=page([user("carol")]))
    for path in ("search", "users/dana/collection", "users/dana/timeline", "users/bob/collection"):
        http.get(f"{API}/{path}", json=page([post(4)]))

    with microblog.Client(BASE, token="t", max_retries=0) as client:
        check_public_types(client)
