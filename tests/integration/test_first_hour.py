"""What a newcomer meets in the first hour, over real HTTP: each failure says what is wrong.

A 422 names the field and its reason, a base URL ending in ``/api/v1`` reaches the same
service, a closed client refuses at once, a refused connection names its URL in a short
traceback, and resources copy, pickle and export to JSON without their client.
"""

from __future__ import annotations

import copy
import json
import pickle
import re
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

import microblog
from microblog.testing import LocalServer
from tests.integration.conftest import PASSWORD

# -- 422: the field and its reason ----------------------------------------------------------


def test_a_too_long_post_says_which_field_and_why(
    make_client: Callable[[], microblog.Client],
) -> None:
    client = make_client()

    with pytest.raises(microblog.ValidationError) as caught:
        client.microposts.create("x" * 256)

    assert "422 validation_error: text: " in str(caught.value)
    assert "at most 255 characters" in str(caught.value)
    assert caught.value.errors == [
        {"detail": "String should have at most 255 characters", "pointer": "#/text"}
    ]


def test_a_422_with_several_fields_names_the_first_and_counts_the_rest(
    make_client: Callable[[], microblog.Client],
) -> None:
    client = make_client()

    with pytest.raises(microblog.ValidationError) as caught:
        client.microposts.create_many(["x" * 256, ""])

    message = str(caught.value)
    assert "items.0.text: String should have at most 255 characters (and 1 more)" in message
    assert len(caught.value.errors) == 2
    assert "\n" not in message


# -- base URL ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["/api/v1", "/api/v1/", "/"])
def test_a_base_url_ending_in_the_api_path_reaches_the_same_service(
    server: LocalServer, new_username: Callable[[], str], suffix: str
) -> None:
    username, password = server.create_user(new_username(), password=PASSWORD)

    with microblog.Client(server.url + suffix, username=username, password=password) as client:
        assert client.base_url == server.url
        assert client.me().username == username


def test_a_path_before_the_api_is_kept() -> None:
    with microblog.Client("https://example.test/blog/api/v1", token="t") as client:
        assert client.base_url == "https://example.test/blog"


# -- a closed client --------------------------------------------------------------------------


def closed_calls(client: microblog.Client) -> dict[str, Callable[[], object]]:
    return {
        "me": client.me,
        "create": lambda: client.microposts.create("after close"),
        "iteration": lambda: list(client.timeline()),
        "get": lambda: client.users.get("nobody"),
        "logout": client.logout,
        "a with_options copy made after close": client.with_options(max_retries=0).me,
    }


@pytest.mark.parametrize(
    "call", ["me", "create", "iteration", "get", "logout", "a with_options copy made after close"]
)
def test_a_closed_client_refuses_every_call_at_once(
    make_client: Callable[[], microblog.Client], call: str
) -> None:
    client = make_client()
    client.me()
    client.close()
    sent: list[str] = []
    client.session.hooks["response"].append(lambda r, *a, **k: sent.append(r.url))

    with pytest.raises(microblog.ClientClosedError, match="is closed") as caught:
        closed_calls(client)[call]()

    assert isinstance(caught.value, RuntimeError)
    assert isinstance(caught.value, microblog.MicroblogError)
    assert sent == []


def test_copies_of_a_closed_client_are_closed_too(
    make_client: Callable[[], microblog.Client],
) -> None:
    client = make_client()
    copy_before = client.with_options(timeout=10)

    with client:
        client.me()

    with pytest.raises(microblog.ClientClosedError):
        copy_before.me()


def test_closing_a_copy_leaves_the_client_open(make_client: Callable[[], microblog.Client]) -> None:
    client = make_client()
    short = client.with_options(max_retries=0)

    short.close()

    with pytest.raises(microblog.ClientClosedError):
        short.me()
    assert client.me().username


# -- a refused connection -----------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: nothing listens there


def test_a_refused_connection_names_the_url_in_a_short_traceback() -> None:
    port = closed_port()
    script = textwrap.dedent(f"""
        import microblog
        with microblog.Client("http://127.0.0.1:{port}", username="dana",
                              password="correct horse battery", max_retries=0) as client:
            client.me()
    """)

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )

    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("microblog.APIConnectionError: connection failed talking to ")
    assert f"http://127.0.0.1:{port}: [Errno 111] Connection refused" in last
    assert "is the service running there?" in last
    assert len(result.stderr.splitlines()) < 30
    assert result.stderr.count("Traceback (most recent call last)") == 1


def test_a_refused_connection_keeps_its_cause(make_client: Callable[[], microblog.Client]) -> None:
    with microblog.Client(f"http://127.0.0.1:{closed_port()}", token="t", max_retries=0) as client:
        with pytest.raises(microblog.APIConnectionError) as caught:
            client.me()

    assert isinstance(caught.value.__cause__, OSError)


# -- copies and JSON export ---------------------------------------------------------------------


@pytest.fixture
def post(make_client: Callable[[], microblog.Client]) -> microblog.Micropost:
    client = make_client()
    other = make_client()
    return client.microposts.create("Hello @someone", referenced=other.me().username)


def test_to_dict_is_json_ready_with_rfc3339_times_and_usernames(
    post: microblog.Micropost,
) -> None:
    data = post.to_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["user"] == post.user
    assert data["referenced"] == post.referenced
    assert data["mentions"] == list(post.mentions)
    assert isinstance(data["timestamp"], str)
    assert datetime.fromisoformat(data["timestamp"]) == post.timestamp
    assert data["timestamp"].endswith("+00:00")


def test_to_dict_of_a_user_and_of_a_lazy_user_sends_no_request(
    make_client: Callable[[], microblog.Client],
) -> None:
    client = make_client()
    me = client.me()
    sent: list[str] = []
    client.session.hooks["response"].append(lambda r, *a, **k: sent.append(r.url))

    lazy = client.users.get(me.username, lazy=True)

    assert lazy.to_dict() == {"username": me.username}
    assert json.loads(json.dumps(me.to_dict()))["created_at"] == me.created_at.isoformat()  # type: ignore[union-attr]
    assert sent == []


def test_to_dict_carries_unsaved_edits(post: microblog.Micropost) -> None:
    post.text = "edited, not saved"

    assert post.to_dict()["text"] == "edited, not saved"


@pytest.mark.parametrize(
    "duplicate",
    [
        lambda obj: pickle.loads(pickle.dumps(obj)),
        copy.deepcopy,
        copy.copy,
    ],
    ids=["pickle", "deepcopy", "copy"],
)
def test_a_loaded_resource_copies_detached_with_its_fields_and_etag(
    post: microblog.Micropost, duplicate: Callable[[microblog.Micropost], microblog.Micropost]
) -> None:
    _ = post.author.display_name  # a loaded related user, cached on the post
    post.text = "unsaved edit"

    twin = duplicate(post)

    assert twin == post
    assert twin.to_dict() == post.to_dict()
    assert twin.etag == post.etag
    assert twin.changes() == {"text": "unsaved edit"}
    assert "(unsaved: text)" in repr(twin)
    assert twin._client is None
    assert twin.author.username == post.user
    with pytest.raises(ValueError, match="not bound to a client"):
        twin.save()


def test_a_pickle_holds_no_token_password_or_session(
    server: LocalServer, new_username: Callable[[], str]
) -> None:
    username, password = server.create_user(new_username(), password=PASSWORD)
    with microblog.Client(server.url, username=username, password=password) as client:
        post = client.microposts.create("secret-free")
        data = pickle.dumps(post) + pickle.dumps(client.me())

    assert PASSWORD.encode() not in data
    assert b"Bearer" not in data
    assert b"requests" not in data
    assert b"_thread" not in data


def test_a_copy_is_reattached_by_loading_it_through_a_client(
    make_client: Callable[[], microblog.Client],
) -> None:
    client = make_client()
    post = client.microposts.create("round trip")
    detached = pickle.loads(pickle.dumps(post))

    live = client.microposts.get(detached)
    live.text = "edited again"
    live.save()

    assert live == detached
    assert client.microposts.get(post.id).text == "edited again"


def test_a_lazy_user_pickles_without_fetching(make_client: Callable[[], microblog.Client]) -> None:
    client = make_client()
    lazy = client.users.get(client.me().username, lazy=True)

    twin = pickle.loads(pickle.dumps(lazy))

    assert twin.username == lazy.username
    assert twin.to_dict() == {"username": lazy.username}
    with pytest.raises(ValueError, match="not bound to a client"):
        _ = twin.display_name


def test_an_api_error_pickles_without_its_response(
    make_client: Callable[[], microblog.Client],
) -> None:
    client = make_client()
    with pytest.raises(microblog.NotFoundError) as caught:
        client.users.get("nobody_here")

    twin = pickle.loads(pickle.dumps(caught.value))

    assert type(twin) is microblog.NotFoundError
    assert str(twin) == str(caught.value)
    assert twin.request_id == caught.value.request_id
    assert twin.status_code == 404
    assert twin.response is None


# -- the messages the documentation quotes ------------------------------------------------------

ERRORS_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "errors.md"


def quoted_messages() -> list[str]:
    text = " ".join(ERRORS_GUIDE.read_text(encoding="utf-8").split())
    return re.findall(r"`(\d{3} [a-z_]+: [^`]*?) \(request id [^`]*\)`", text)


def test_the_errors_guide_quotes_messages_the_sdk_really_produces(
    make_client: Callable[[], microblog.Client],
) -> None:
    client = make_client()
    calls: list[Callable[[], object]] = [
        lambda: client.microposts.get(999_999),
        lambda: client.microposts.create("x" * 256),
    ]
    produced = []
    for call in calls:
        with pytest.raises(microblog.APIError) as caught:
            call()
        produced.append(str(caught.value).partition(" (request id ")[0])

    assert quoted_messages() == produced
