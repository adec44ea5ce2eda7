"""Resources and pagers through a real ``microblog.Client``, with HTTP mocked by ``responses``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses
import urllib3

import microblog

from .resources_fakes import API, BASE, page_json, post_json, user_json

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client() -> Iterator[microblog.Client]:
    with microblog.Client(BASE, token="t0k3n", max_retries=0, sleep=lambda _: None) as made:
        yield made


def problem(status: int, code: str) -> dict[str, Any]:
    return {"status": status, "code": code, "title": code, "detail": code, "request_id": "r"}


def sent(call: Any) -> Any:
    return json.loads(call.request.body)


def test_45_items_in_pages_of_10_are_exactly_5_requests(
    http: responses.RequestsMock, client: microblog.Client
) -> None:
    values = [post_json(i, user="bob") for i in range(45, 0, -1)]
    for page in range(5):
        url = f"{API}/users/bob/collection" + (f"?cursor=c{page}&size=10" if page else "")
        more = f"{API}/users/bob/collection?cursor=c{page + 1}&size=10" if page < 4 else None
        http.get(url, json=page_json(values[page * 10 : page * 10 + 10], more))

    posts = list(client.microposts.list("bob", size=10))

    assert [p.id for p in posts] == list(range(45, 0, -1))
    assert len(http.calls) == 5
    assert "size=10" in str(http.calls[0].request.url)


def test_a_repeated_next_link_raises_a_microblog_error(
    http: responses.RequestsMock, client: microblog.Client
) -> None:
    again = f"{API}/users?cursor=same"
    http.get(f"{API}/users", json=page_json([user_json("bob")], again))
    http.get(again, json=page_json([user_json("bobby")], again))

    with pytest.raises(microblog.MicroblogError, match="repeats"):
        list(client.users.list())


def test_save_sends_the_diff_with_if_match_and_a_412_then_refresh_and_save_works(
    http: responses.RequestsMock, client: microblog.Client
) -> None:
    http.get(f"{API}/users/dana", json=user_json(), headers={"ETag": '"v1"'})
    me = client.users.get("dana")
    http.patch(f"{API}/users/dana", json=problem(412, "precondition_failed"), status=412)
    me.bio = "mine"

    with pytest.raises(microblog.PreconditionFailedError) as raised:
        me.save()

    patch = http.calls[-2].request
    assert patch.headers["If-Match"] == '"v1"'
    assert sent(http.calls[-2]) == {"bio": "mine"}
    assert http.calls[-1].request.method == "GET"  # the current version, handed back
    assert raised.value.current == me
    http.replace(
        responses.GET, f"{API}/users/dana", json=user_json(bio="theirs"), headers={"ETag": '"v2"'}
    )
    http.replace(
        responses.PATCH, f"{API}/users/dana", json=user_json(bio="mine"), headers={"ETag": '"v3"'}
    )
    me.refresh()
    me.bio = "mine"
    me.save()
    assert http.calls[-1].request.headers["If-Match"] == '"v2"'
    assert (me.bio, me.etag) == ("mine", '"v3"')


def test_save_without_changes_sends_nothing(
    http: responses.RequestsMock, client: microblog.Client
) -> None:
    http.get(f"{API}/microposts/5", json=post_json(), headers={"ETag": '"p1"'})
    post = client.microposts.get(5)

    post.text = post.text
    post.save()

    assert len(http.calls) == 1


def test_delete_sends_if_match(http: responses.RequestsMock, client: microblog.Client) -> None:
    http.get(f"{API}/microposts/5", json=post_json(), headers={"ETag": '"p1"'})
    http.delete(f"{API}/users/jaime/collection/5", status=204)

    client.microposts.get(5).delete()

    assert http.calls[-1].request.headers["If-Match"] == '"p1"'


def connection_lost() -> requests.ConnectionError:
    """What requests raises when the connection drops after the request was sent."""
    reset = ConnectionResetError(104, "Connection reset by peer")
    return requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", reset))


def _micropost(client: microblog.Client) -> microblog.Micropost:
    return client.microposts.get(5)


def _user(client: microblog.Client) -> microblog.User:
    return client.users.get("dana")


@pytest.mark.parametrize(
    ("load_path", "body", "load", "delete_path"),
    [
        ("/microposts/5", post_json(), _micropost, "/users/jaime/collection/5"),
        ("/users/dana", user_json(), _user, "/users/dana"),
    ],
    ids=["micropost", "user"],
)
def test_a_delete_whose_answer_was_lost_and_whose_retry_gets_404_returns(
    http: responses.RequestsMock,
    load_path: str,
    body: dict[str, Any],
    load: Callable[[microblog.Client], microblog.Micropost | microblog.User],
    delete_path: str,
) -> None:
    http.get(f"{API}{load_path}", json=body, headers={"ETag": '"p1"'})
    http.delete(f"{API}{delete_path}", body=connection_lost())
    http.delete(f"{API}{delete_path}", json=problem(404, "not_found"), status=404)
    waits: list[float] = []
    with microblog.Client(BASE, token="t0k3n", sleep=waits.append) as retrying:
        resource = load(retrying)

        resource.delete()

    deletes = [call.request for call in http.calls if call.request.method == "DELETE"]
    assert len(deletes) == 2
    assert all(request.headers["If-Match"] == '"p1"' for request in deletes)
    assert len(waits) == 1


def test_the_author_costs_one_get_once(
    http: responses.RequestsMock, client: microblog.Client
) -> None:
    http.get(f"{API}/microposts/5", json=post_json())
    http.get(f"{API}/users/jaime", json=user_json("jaime"))
    post = client.microposts.get(5)

    assert post.author.username == "jaime"
    assert len(http.calls) == 1
    assert post.author.display_name == "Jaime"
    assert post.author.microposts_count == 7
    assert len(http.calls) == 2


def test_create_finds_the_caller_once_and_posts_with_an_idempotency_key(
    http: responses.RequestsMock, client: microblog.Client
) -> None:
    http.get(f"{API}/me", json=user_json("dana"))
    http.post(f"{API}/users/dana/collection", json=post_json(9, user="dana"), status=201)

    client.microposts.create("one", referenced="bob")
    client.microposts.create("two")

    paths = [call.request.path_url for call in http.calls]
    assert paths == ["/api/v1/me", "/api/v1/users/dana/collection", "/api/v1/users/dana/collection"]
    assert sent(http.calls[1]) == {"text": "one", "referenced": "bob"}
    assert http.calls[1].request.headers["Idempotency-Key"]


def test_create_many_is_one_request(http: responses.RequestsMock, client: microblog.Client) -> None:
    http.get(f"{API}/me", json=user_json("dana"))
    result = [post_json(i, user="dana") for i in (1, 2, 3)]
    http.post(f"{API}/users/dana/collection/batch", json={"result": result}, status=201)

    posts = client.microposts.create_many(["a", "b", "c"])

    assert [p.id for p in posts] == [1, 2, 3]
    assert sent(http.calls[-1]) == {"items": [{"text": "a"}, {"text": "b"}, {"text": "c"}]}


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "/"])
def test_malformed_names_make_no_request(
    http: responses.RequestsMock, client: microblog.Client, bad: str
) -> None:
    with pytest.raises(ValueError, match="not a username"):
        client.users.get(bad)
    with pytest.raises(ValueError, match="not a micropost id"):
        client.microposts.get(bad)

    assert len(http.calls) == 0


def test_a_404_reaches_the_caller_as_not_found(
    http: responses.RequestsMock, client: microblog.Client
) -> None:
    http.get(f"{API}/users/ghost", json=problem(404, "not_found"), status=404)

    with pytest.raises(microblog.NotFoundError):
        client.users.get("ghost")


def test_a_malformed_body_is_a_response_decode_error(
    http: responses.RequestsMock, client: microblog.Client
) -> None:
    http.get(f"{API}/microposts/5", json={"id": "five"})

    with pytest.raises(microblog.ResponseDecodeError):
        client.microposts.get(5)


def test_me_and_timeline_through_the_client(
    http: responses.RequestsMock, client: microblog.Client
) -> None:
    http.get(f"{API}/me", json=user_json("dana"))
    http.get(f"{API}/users/dana/timeline", json=page_json([post_json(3)]))

    me = client.me()
    posts = list(client.timeline(limit=1))

    assert me.username == "dana"
    assert [p.id for p in posts] == [3]


def test_objects_loaded_through_with_options_use_the_copy(
    http: responses.RequestsMock, client: microblog.Client
) -> None:
    http.get(f"{API}/users/dana", json=user_json(), headers={"ETag": '"v1"'})
    http.patch(f"{API}/users/dana", json=user_json(bio="x"), headers={"ETag": '"v2"'})
    fast = client.with_options(timeout=1.0)

    me = fast.users.get("dana")
    me.bio = "x"
    me.save()

    assert me.etag == '"v2"'
