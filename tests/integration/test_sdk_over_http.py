"""Every SDK method against the reference service over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import microblog
from microblog.testing import LocalServer

from ..reliability.fault_proxy import FaultProxy

MakeClient = Callable[[], microblog.Client]


def test_sign_up_then_log_in_and_read_me(
    server: LocalServer, new_username: Callable[[], str]
) -> None:
    name = new_username()
    with microblog.Client(server.url) as anonymous:
        created = anonymous.users.create(username=name, password="long enough", display_name="N")
    assert created.username == name
    with microblog.Client(server.url, username=name, password="long enough") as client:
        me = client.me()
    assert (me.username, me.display_name, me.microposts_count) == (name, "N", 0)


def test_token_client_and_logout(server: LocalServer, new_username: Callable[[], str]) -> None:
    name, password = server.create_user(new_username(), password="long enough")
    token = server.token_for(name, password)
    client = microblog.Client(server.url, token=token)
    assert client.me().username == name
    client.logout()
    with pytest.raises(microblog.AuthenticationError):
        microblog.Client(server.url, token=token).me()


def test_wrong_password_is_an_authentication_error(
    server: LocalServer, new_username: Callable[[], str]
) -> None:
    name, _ = server.create_user(new_username(), password="long enough")
    with pytest.raises(microblog.AuthenticationError):
        microblog.Client(server.url, username=name, password="not the one").me()


def test_taken_username_is_a_conflict(server: LocalServer, new_username: Callable[[], str]) -> None:
    name, _ = server.create_user(new_username(), password="long enough")
    with microblog.Client(server.url) as anonymous, pytest.raises(microblog.ConflictError):
        anonymous.users.create(username=name.upper(), password="long enough")


def test_the_services_username_rules_reach_the_caller_from_the_service(
    server: LocalServer, make_client: MakeClient
) -> None:
    with microblog.Client(server.url) as anonymous, pytest.raises(microblog.ValidationError) as e:
        anonymous.users.create(username="x", password="long enough password")
    assert e.value.errors[0]["pointer"] == "#/username"

    with pytest.raises(microblog.NotFoundError):
        make_client().users.get("ab")


def test_users_get_and_list_with_prefix(make_client: MakeClient) -> None:
    dana, bob = make_client(), make_client()
    bob_name = bob.me().username
    assert dana.users.get(bob_name).username == bob_name
    assert bob_name in [user.username for user in dana.users.list(q=bob_name)]


def test_create_get_list_and_delete_microposts(make_client: MakeClient) -> None:
    client = make_client()
    me = client.me()
    post = client.microposts.create("first words")
    assert client.microposts.get(post.id).text == "first words"
    assert client.microposts.get(post).id == post.id
    assert [p.id for p in client.microposts.list(author=me.username)] == [post.id]
    assert [p.id for p in me.microposts()] == [post.id]
    post.delete()
    with pytest.raises(microblog.NotFoundError):
        client.microposts.get(post.id)


def test_reference_and_mentions_reach_the_timeline(make_client: MakeClient) -> None:
    dana, bob = make_client(), make_client()
    bob_name = bob.me().username
    post = dana.microposts.create(f"hello @{bob_name}", referenced=bob_name)
    assert post.referenced == bob_name
    assert post.mentions == (bob_name,)
    assert post.id in [p.id for p in bob.timeline()]
    assert post.referenced_user is not None
    assert post.referenced_user.username == bob_name


def test_follow_unfollow_followers_following_timeline(make_client: MakeClient) -> None:
    dana, bob = make_client(), make_client()
    dana_name, bob_name = dana.me().username, bob.me().username
    bob_post = bob.microposts.create("bob speaks")
    bob_user = dana.users.get(bob_name)
    bob_user.follow()
    assert [u.username for u in bob_user.followers()] == [dana_name]
    assert [u.username for u in dana.me().following()] == [bob_name]
    assert bob_post.id in [p.id for p in dana.timeline()]
    assert bob_post.id in [p.id for p in dana.me().timeline()]
    bob_user.unfollow()
    assert list(bob_user.followers()) == []


def test_search_by_text_and_username_prefix(make_client: MakeClient) -> None:
    client = make_client()
    name = client.me().username
    post = client.microposts.create("Searching for the ZebraFish")
    found = list(client.microposts.search("zebrafish", username=name[:5]))
    assert [p.id for p in found] == [post.id]
    with pytest.raises(microblog.ValidationError):
        list(client.microposts.search("ab"))


def test_batch_create_and_paging_through_a_long_collection(make_client: MakeClient) -> None:
    client = make_client()
    name = client.me().username
    created = client.microposts.create_many([f"note {n}" for n in range(45)])
    assert len(created) == 45
    pages = list(client.microposts.list(author=name, size=10).pages())
    assert [len(page.items) for page in pages] == [10, 10, 10, 10, 5]
    assert len(list(client.microposts.list(author=name, size=7, limit=12))) == 12
    ids = [p.id for page in pages for p in page.items]
    assert len(set(ids)) == 45
    assert ids == sorted(ids, reverse=True)
    resumed = client.microposts.list(author=name, size=10, cursor=pages[0].cursor)
    assert [p.id for p in resumed][:10] == [p.id for p in pages[1].items]


def test_save_sends_changes_and_a_stale_copy_gets_precondition_failed(
    make_client: MakeClient,
) -> None:
    client = make_client()
    post = client.microposts.create("draft")
    stale = client.microposts.get(post.id)
    post.text = "final"
    post.save()
    assert client.microposts.get(post.id).text == "final"
    stale.text = "conflicting"
    with pytest.raises(microblog.PreconditionFailedError):
        stale.save()
    stale.refresh()
    assert stale.text == "final"
    stale.text = "after refresh"
    stale.save()
    assert client.microposts.get(post.id).text == "after refresh"


def test_profile_edit_through_save(make_client: MakeClient) -> None:
    client = make_client()
    me = client.me()
    me.display_name = "Dana D."
    me.bio = "writes tests"
    me.save()
    again = client.me()
    assert (again.display_name, again.bio) == ("Dana D.", "writes tests")


def test_cannot_edit_another_users_micropost(make_client: MakeClient) -> None:
    dana, bob = make_client(), make_client()
    post = dana.microposts.create("mine")
    theirs = bob.microposts.get(post.id)
    theirs.text = "hijacked"
    with pytest.raises(microblog.PermissionDeniedError):
        theirs.save()


def test_validation_errors_carry_pointers(make_client: MakeClient) -> None:
    client = make_client()
    with pytest.raises(microblog.ValidationError) as caught:
        client.microposts.create("x" * 256)
    assert caught.value.status_code == 422
    assert caught.value.request_id
    assert caught.value.errors


def test_conditional_get_is_served_from_the_cache(make_client: MakeClient) -> None:
    client = make_client()
    post = client.microposts.create("cache me")
    first = client.microposts.get(post.id)
    second = client.microposts.get(post.id)
    assert (first.text, second.text) == ("cache me", "cache me")
    post.text = "changed"
    post.save()
    assert client.microposts.get(post.id).text == "changed"


def test_delete_my_account(server: LocalServer, new_username: Callable[[], str]) -> None:
    name, password = server.create_user(new_username(), password="long enough")
    client = microblog.Client(server.url, username=name, password=password)
    client.microposts.create("soon gone")
    client.me().delete()
    with microblog.Client(server.url) as anonymous:
        anonymous.users.create(username=name, password="long enough")  # the name is free again


def test_a_create_whose_response_is_lost_is_retried_without_a_duplicate(
    server: LocalServer, new_username: Callable[[], str]
) -> None:
    name, password = server.create_user(new_username(), password="long enough")
    with FaultProxy(server.url) as proxy:
        proxy.plan.drop_response.append(
            lambda method, path: method == "POST" and path.endswith("/collection")
        )
        waits: list[float] = []
        with microblog.Client(
            proxy.url, username=name, password=password, sleep=waits.append
        ) as client:
            post = client.microposts.create("exactly once")
            posts = list(client.microposts.list(author=name))
    assert [p.id for p in posts] == [post.id]
    sent = [path for method, path in proxy.plan.seen if method == "POST"]
    assert sum(path.endswith("/collection") for path in sent) == 2
    assert len(waits) == 1  # one backoff before the one retry, and no real sleeping


def test_a_lazy_user_costs_nothing_until_a_field_is_read(make_client: MakeClient) -> None:
    dana, bob = make_client(), make_client()
    bob_name = bob.me().username
    bob.microposts.create("one")
    lazy = dana.users.get(bob_name, lazy=True)
    assert lazy.username == bob_name
    assert lazy.microposts_count == 1


def test_set_password_then_log_in_with_the_new_one(
    server: LocalServer, new_username: Callable[[], str]
) -> None:
    name, password = server.create_user(new_username(), password="the old password")
    with microblog.Client(server.url, username=name, password=password) as client:
        client.me().set_password("the new password", current_password=password)
    with microblog.Client(server.url, username=name, password="the new password") as client:
        assert client.me().username == name
    with pytest.raises(microblog.AuthenticationError):
        microblog.Client(server.url, username=name, password=password).me()


def test_with_options_shares_the_login_and_the_pool(make_client: MakeClient) -> None:
    client = make_client()
    quick = client.with_options(timeout=2.0, max_retries=0)
    assert quick.me().username == client.me().username
    assert quick.session is client.session
    quick.close()  # a copy does not own the pool
    assert client.me().username


def test_sequential_calls_share_one_keep_alive_connection(make_client: MakeClient) -> None:
    client = make_client()
    post = client.microposts.create("pooled")
    for _ in range(20):
        client.microposts.get(post.id)
        client.me()
    adapter: Any = client.session.get_adapter("http://")
    pools = [
        adapter.poolmanager.pools[key]
        for key in adapter.poolmanager.pools.keys()  # noqa: SIM118 - the pool container cannot be iterated
    ]
    assert [pool.num_connections for pool in pools] == [1]  # urllib3 counts every new connection
