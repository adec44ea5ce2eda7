"""What a web app on the SDK needs (issue 18, for src/microblog_web), over real HTTP.

One client per process, a per-user copy per request (``with_options(token=...)``) sharing
its pool; "Older" links that carry a pager's cursor and resume from it; and a lost
``If-Match`` race that hands back the current version to show the user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import microblog
from microblog.testing import LocalServer

from .conftest import PASSWORD

NewUser = Callable[[], str]


@pytest.fixture
def app_client(server: LocalServer) -> Iterator[microblog.Client]:
    """The app's one anonymous client (its pool shared by every per-user copy)."""
    with microblog.Client(server.url) as client:
        yield client


def sign_up(server: LocalServer, new_username: NewUser) -> tuple[str, str]:
    name = new_username()
    server.create_user(name, PASSWORD)
    return name, server.token_for(name, PASSWORD)


# with_options(token=...)


def test_a_per_user_copy_acts_as_that_user_and_shares_the_pool(
    server: LocalServer, new_username: NewUser, app_client: microblog.Client
) -> None:
    (ann, ann_token), (ben, ben_token) = (sign_up(server, new_username) for _ in range(2))

    as_ann = app_client.with_options(token=ann_token)
    as_ben = app_client.with_options(token=ben_token)

    assert as_ann.me().username == ann
    assert as_ben.me().username == ben
    assert as_ann.session is as_ben.session is app_client.session
    assert as_ann.microposts.create("from ann").user == ann
    with pytest.raises(microblog.AuthenticationError):
        app_client.me()  # the app's own client stays anonymous


def test_a_per_user_copy_keeps_the_other_options_and_can_change_them(
    server: LocalServer, new_username: NewUser, app_client: microblog.Client
) -> None:
    _, token = sign_up(server, new_username)
    quick = app_client.with_options(timeout=3.0, max_retries=0)

    copy = quick.with_options(token=token)

    assert copy.timeout == quick.timeout
    assert copy.retry.max_retries == 0
    assert "auth='token'" in repr(copy)
    assert token not in repr(copy)


def test_closing_a_per_user_copy_leaves_the_pool_and_closing_the_app_closes_all(
    server: LocalServer, new_username: NewUser
) -> None:
    _, token = sign_up(server, new_username)
    app = microblog.Client(server.url)
    copy = app.with_options(token=token)
    copy.close()
    assert app.with_options(token=token).me()

    app.close()

    with pytest.raises(microblog.ClientClosedError):
        app.with_options(token=token).me()


def test_a_copy_without_a_token_is_anonymous(server: LocalServer, new_username: NewUser) -> None:
    name, token = sign_up(server, new_username)
    with microblog.Client(server.url, token=token) as client:
        anonymous = client.with_options(token=None)

        with pytest.raises(microblog.AuthenticationError):
            anonymous.me()
        assert "auth=None" in repr(anonymous)
        assert client.me().username == name
        signed_up = anonymous.users.create(username=new_username(), password=PASSWORD)
        assert signed_up.username


def test_a_token_with_a_newline_is_refused_by_with_options_too(
    app_client: microblog.Client,
) -> None:
    with pytest.raises(ValueError, match=r"\.strip\(\)"):
        app_client.with_options(token="a-token\n")


# Resuming a pager from a cursor ("Older" links)


def test_every_listing_resumes_from_the_cursor_of_a_page(
    server: LocalServer, new_username: NewUser
) -> None:
    name, token = sign_up(server, new_username)
    fans = [sign_up(server, new_username) for _ in range(3)]
    with microblog.Client(server.url, token=token) as client:
        for number in range(3):
            client.microposts.create(f"resumable post {number}")
        for _, fan_token in fans:
            with client.with_options(token=fan_token) as fan:
                fan.users.get(name).follow()
                fan.microposts.create(f"hello @{name}", referenced=name)
        me = client.me()
        me.follow(fans[0][0])
        me.follow(fans[1][0])
        listings: dict[str, Callable[..., microblog.Pager[Any]]] = {
            "microposts": lambda **kw: client.microposts.list(name, **kw),
            "search": lambda **kw: client.microposts.search("resumable", **kw),
            "timeline": client.timeline,
            "followers": me.followers,
            "following": me.following,
            "users": lambda **kw: client.users.list(q="user_", **kw),
        }
        for what, listing in listings.items():
            whole = list(listing(size=1))
            first = next(iter(listing(size=1).pages()))
            assert isinstance(first.cursor, str), what
            assert first.items == whole[:1], what

            assert list(listing(size=1, cursor=first.cursor)) == whole[1:], what


# A lost If-Match race hands back the current version


def test_a_lost_race_on_save_hands_back_the_current_version(
    server: LocalServer, new_username: NewUser
) -> None:
    _, token = sign_up(server, new_username)
    with microblog.Client(server.url, token=token) as client:
        mine = client.microposts.create("first words")
        theirs = client.microposts.get(mine.id)
        theirs.text = "someone else's words"
        theirs.save()
        mine.text = "my words"

        with pytest.raises(microblog.PreconditionFailedError) as raised:
            mine.save()

    current = raised.value.current
    assert isinstance(current, microblog.Micropost)
    assert current.text == "someone else's words"
    assert current.etag is not None
    assert mine.text == "my words"  # the caller's edit is kept, to merge or retry
    assert mine.changes() == {"text": "my words"}


def test_a_lost_race_on_delete_hands_back_the_current_version(
    server: LocalServer, new_username: NewUser
) -> None:
    name, token = sign_up(server, new_username)
    with microblog.Client(server.url, token=token) as client:
        me = client.me()
        other = client.users.get(name)
        other.bio = "changed meanwhile"
        other.save()

        with pytest.raises(microblog.PreconditionFailedError) as raised:
            me.delete()

    current = raised.value.current
    assert isinstance(current, microblog.User)
    assert current.bio == "changed meanwhile"


def test_a_stateless_app_saves_against_the_version_its_form_showed(
    server: LocalServer, new_username: NewUser
) -> None:
    _, token = sign_up(server, new_username)
    with microblog.Client(server.url, token=token) as client:
        shown = client.microposts.create("the text the form showed")
        form_etag = shown.etag
        assert form_etag is not None
        elsewhere = client.microposts.get(shown.id)
        elsewhere.text = "edited in another tab"
        elsewhere.save()

        # The form comes back in a new request: the app loads the post afresh.
        post = client.microposts.get(shown.id)
        post.text = "the text the user typed"
        with pytest.raises(microblog.PreconditionFailedError) as raised:
            post.save(if_match=form_etag)
        assert raised.value.current.text == "edited in another tab"
        with pytest.raises(microblog.PreconditionFailedError):
            post.delete(if_match=form_etag)

        post.save(if_match=raised.value.current.etag)
        assert client.microposts.get(shown.id).text == "the text the user typed"


# with_options(token=..., username=...): whose token it is, so posting costs one request


class Counting:
    """A middleware that records the method and path of every request sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(
        self, request: microblog.Request, call_next: microblog.CallNext
    ) -> microblog.RawResponse:
        self.sent.append(f"{request.method} {request.url.partition('/api/v1')[2]}")
        return call_next(request)


def test_a_copy_told_whose_token_it_is_posts_in_one_request(
    server: LocalServer, new_username: NewUser, app_client: microblog.Client
) -> None:
    name, token = sign_up(server, new_username)
    counting = Counting()
    as_user = app_client.with_options(token=token, username=name, middleware=[counting])

    post = as_user.microposts.create("one request")
    list(as_user.microposts.list(limit=1))
    list(as_user.timeline(limit=1))

    assert post.user == name
    assert counting.sent == [
        f"POST /users/{name}/collection",
        f"GET /users/{name}/collection",
        f"GET /users/{name}/timeline",
    ]


def test_a_copy_with_only_a_token_asks_the_service_who_it_is_once(
    server: LocalServer, new_username: NewUser, app_client: microblog.Client
) -> None:
    name, token = sign_up(server, new_username)
    counting = Counting()
    as_user = app_client.with_options(token=token, middleware=[counting])

    as_user.microposts.create("first")
    as_user.microposts.create("second")

    assert counting.sent == ["GET /me", *[f"POST /users/{name}/collection"] * 2]


def test_a_copy_named_for_someone_else_is_refused_by_the_service_not_trusted(
    server: LocalServer, new_username: NewUser, app_client: microblog.Client
) -> None:
    (_, ann_token), (ben, _) = (sign_up(server, new_username) for _ in range(2))
    claims_to_be_ben = app_client.with_options(token=ann_token, username=ben)

    with pytest.raises(microblog.PermissionDeniedError):
        claims_to_be_ben.microposts.create("not ben's")
    assert ben not in {post.user for post in claims_to_be_ben.microposts.search("not ben's")}


def test_the_username_stays_with_its_token_across_copies(
    server: LocalServer, new_username: NewUser, app_client: microblog.Client
) -> None:
    name, token = sign_up(server, new_username)
    other, other_token = sign_up(server, new_username)
    counting = Counting()
    as_user = app_client.with_options(token=token, username=name)

    quicker = as_user.with_options(timeout=3.0, middleware=[counting])
    someone_else = as_user.with_options(token=other_token, middleware=[counting])
    quicker.microposts.create("still me")
    someone_else.microposts.create("not me")

    assert counting.sent == [
        f"POST /users/{name}/collection",
        "GET /me",
        f"POST /users/{other}/collection",
    ]


def test_a_username_without_a_token_or_password_is_refused(app_client: microblog.Client) -> None:
    with pytest.raises(ValueError, match="whose token"):
        app_client.with_options(username="dana")
    with pytest.raises(ValueError, match="whose token"):
        app_client.with_options(token=None, username="dana")
    with pytest.raises(ValueError, match="not a username"):
        app_client.with_options(token="a-token", username="../x")


def test_a_named_token_copy_still_never_logs_in(
    server: LocalServer, new_username: NewUser, app_client: microblog.Client
) -> None:
    name, token = sign_up(server, new_username)
    counting = Counting()
    as_user = app_client.with_options(token=token, username=name, middleware=[counting])
    microblog.Client(server.url, token=token).logout()

    with pytest.raises(microblog.AuthenticationError):
        as_user.microposts.create("after the log-out")
    assert counting.sent == [f"POST /users/{name}/collection"]
    assert "auth='token'" in repr(as_user)


# Client(anonymous=True): no credentials, whatever the environment holds


def test_an_anonymous_client_ignores_the_token_in_the_environment(
    server: LocalServer, new_username: NewUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, token = sign_up(server, new_username)
    monkeypatch.setenv("MICROBLOG_TOKEN", token)

    with microblog.Client(server.url, anonymous=True) as client:
        assert "auth=None" in repr(client)
        with pytest.raises(microblog.AuthenticationError):
            client.me()


@pytest.mark.parametrize(
    "credentials",
    [{"token": "a-token"}, {"username": "dana", "password": PASSWORD}],
)
def test_anonymous_with_credentials_is_refused(
    server: LocalServer, credentials: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="anonymous=True"):
        microblog.Client(server.url, anonymous=True, **credentials)  # type: ignore[arg-type]
