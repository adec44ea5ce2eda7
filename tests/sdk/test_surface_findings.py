"""Findings from outside (issue 18): what a user meets at the prompt and in the constructor.

A token read from a file with its newline, a password in the base URL, slicing a pager,
``help(Pager)``, ``dir(microblog)``, a closed client's ``repr`` and the test server's
``create_user`` at the REPL. Each is tried as a user would, against a real service on
127.0.0.1 where a request is involved.
"""

from __future__ import annotations

import logging
import pydoc
from typing import TYPE_CHECKING, Any

import pytest

import microblog
from microblog.testing import LocalServer

if TYPE_CHECKING:
    from collections.abc import Iterator

PASSWORD = "surface-password-42"
SECRET = "S3cr3t-pw"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        running.create_user("dana", PASSWORD)
        yield running


@pytest.fixture
def token(server: LocalServer) -> str:
    return server.token_for("dana", PASSWORD)


# A token with a control character


@pytest.mark.parametrize("tail", ["\n", "\r\n", " ", "\t", "\x00"])
def test_a_token_with_a_control_character_is_refused_when_the_client_is_made(
    server: LocalServer, token: str, tail: str
) -> None:
    with pytest.raises(ValueError, match=r"\.strip\(\)") as raised:
        microblog.Client(server.url, token=token + tail)

    assert token not in str(raised.value)
    assert token[:12] not in str(raised.value)


def test_a_token_from_the_environment_with_its_newline_is_refused_and_named(
    server: LocalServer, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROBLOG_TOKEN", token + "\n")

    with pytest.raises(ValueError, match="MICROBLOG_TOKEN") as raised:
        microblog.Client(server.url)

    assert token[:12] not in str(raised.value)


def test_a_clean_token_still_works(server: LocalServer, token: str) -> None:
    with microblog.Client(server.url, token=token) as client:
        assert client.me().username == "dana"


# Userinfo in the base URL


@pytest.mark.parametrize(
    "url",
    [f"http://svc:{SECRET}@127.0.0.1:1", f"https://svc:{SECRET}@example.test/api/v1"],
)
def test_a_password_in_the_base_url_is_refused_without_quoting_it(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="username= and password=") as raised:
        microblog.Client(url)
    assert SECRET not in str(raised.value)

    monkeypatch.setenv("MICROBLOG_URL", url)
    with pytest.raises(ValueError, match="username= and password=") as raised:
        microblog.Client()
    assert SECRET not in str(raised.value)


def test_a_password_in_the_base_url_never_reaches_a_log_line_or_the_network(
    server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = server.url.replace("http://", f"http://svc:{SECRET}@")
    caplog.set_level(logging.DEBUG, logger="microblog")

    with pytest.raises(ValueError, match="credentials") as raised:
        microblog.Client(url)

    assert SECRET not in repr(raised.value)
    assert SECRET not in caplog.text


def test_a_username_alone_in_the_base_url_is_refused_too() -> None:
    with pytest.raises(ValueError, match="username="):
        microblog.Client("http://svc@127.0.0.1:1")


# Pagers are lazy: no slicing, no length, and help() tells the truth


@pytest.fixture
def client(server: LocalServer, token: str) -> Iterator[microblog.Client]:
    with microblog.Client(server.url, token=token) as connected:
        yield connected


def test_slicing_a_pager_says_to_use_limit(client: microblog.Client) -> None:
    pager: Any = client.users.list()

    with pytest.raises(TypeError, match=r"limit=") as raised:
        pager[:3]
    assert "islice" in str(raised.value)
    with pytest.raises(TypeError, match=r"limit="):
        pager[0]


def test_len_of_a_pager_says_it_is_lazy_and_names_limit(client: microblog.Client) -> None:
    pager: Any = client.users.list()

    with pytest.raises(TypeError, match=r"limit="):
        len(pager)


def test_a_pager_is_still_truthy_and_listable(client: microblog.Client) -> None:
    pager = client.users.list(limit=1)

    assert pager
    assert [user.username for user in list(pager)] == ["dana"]


def test_help_of_pager_leaves_the_page_size_range_to_the_service(
    client: microblog.Client,
) -> None:
    text = pydoc.render_doc(microblog.Pager, renderer=pydoc.TextDoc())

    assert "bad value raises ``ValueError``" not in text
    assert "ValidationError" in text
    with pytest.raises(microblog.ValidationError):
        list(client.users.list(size=0))


# dir(), repr() and the test server at the prompt


def test_dir_of_the_package_lists_its_public_names_only() -> None:
    names = dir(microblog)

    assert "inspect" not in names
    assert "typing" not in names
    assert not [name for name in names if name.startswith("_") and name != "__version__"]
    assert set(microblog.__all__) <= set(names)


def test_the_repr_of_a_closed_client_says_it_is_closed(server: LocalServer, token: str) -> None:
    client = microblog.Client(server.url, token=token)
    copy = client.with_options(max_retries=0)
    assert "closed" not in repr(client)

    client.close()

    assert "closed" in repr(client)
    assert "closed" in repr(copy)
    assert token not in repr(client)


def test_create_user_does_not_echo_the_password_at_the_prompt(server: LocalServer) -> None:
    created = server.create_user("eve_repl", SECRET)

    assert SECRET not in repr(created)
    assert SECRET not in str(created)
    assert "eve_repl" in repr(created)
    username, password = created
    assert (username, password) == ("eve_repl", SECRET)
    assert created.password == SECRET


# error.response carries no secret


def test_an_authentication_error_response_carries_no_password(server: LocalServer) -> None:
    client = microblog.Client(server.url, username="dana", password=SECRET)

    with pytest.raises(microblog.AuthenticationError) as raised:
        client.me()

    response = raised.value.response
    assert response is not None
    assert SECRET not in repr(response.request.body)
    assert SECRET not in repr(dict(response.request.headers))
    client.close()


def test_an_error_response_carries_no_token(server: LocalServer, token: str) -> None:
    with microblog.Client(server.url, token=token) as client:
        with pytest.raises(microblog.NotFoundError) as raised:
            client.users.get("nobody_here")

    response = raised.value.response
    assert response is not None
    assert token not in repr(dict(response.request.headers))
    assert "Authorization" not in response.request.headers
    assert response.request.url is not None
    assert response.request.url.endswith("/api/v1/users/nobody_here")


# The edges of the constructor checks


def test_credentials_in_a_base_url_that_is_not_a_url_are_refused_too() -> None:
    with pytest.raises(ValueError, match="credentials") as raised:
        microblog.Client(f"http://svc:{SECRET}@[::1")
    assert SECRET not in str(raised.value)


def test_a_token_that_is_not_a_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="token"):
        microblog.Client("http://127.0.0.1:1", token=b"bytes-token")  # type: ignore[arg-type]


def test_a_per_user_copy_of_a_client_without_a_cache_has_none() -> None:
    with microblog.Client("http://127.0.0.1:1", cache=False) as client:
        assert client.with_options(token="t").cache_max_bytes is None


def test_a_token_client_changing_a_password_keeps_its_token(
    server: LocalServer, token: str
) -> None:
    with microblog.Client(server.url, token=token) as client:
        me = client.me()
        me.set_password(PASSWORD, current_password=PASSWORD)

        assert client.me().username == "dana"
        assert "auth='token'" in repr(client)
