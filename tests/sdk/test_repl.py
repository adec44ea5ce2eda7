"""The SDK at an interactive prompt: ``repr``, ``help()`` and ``dir()`` are useful.

A REPL user learns the SDK from what it prints. These tests pin that every public name
documents itself, that every ``repr`` is one short line with the fields that identify the
object (and never a secret), and that ``dir()`` of a resource lists its fields and
actions rather than its internals. The objects come from a real service
(:class:`~microblog.testing.LocalServer`), as a user would meet them.
"""

from __future__ import annotations

import inspect
import pydoc
import re
import traceback
import typing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import microblog
from microblog.testing import LocalServer

if TYPE_CHECKING:
    from collections.abc import Iterator

PASSWORD = "repl-password-42"
LONGEST_REPR = 100
# An error's repr carries the service's detail and a 36-character request id.
LONGEST_ERROR_REPR = 120
# Fewer characters than this is a restated name, not documentation.
SUBSTANCE = 25
REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        running.create_user("dana", PASSWORD)
        running.create_user("bob", PASSWORD)
        yield running


@pytest.fixture
def token(server: LocalServer) -> str:
    return server.token_for("dana", PASSWORD)


@pytest.fixture
def client(server: LocalServer, token: str) -> Iterator[microblog.Client]:
    with microblog.Client(server.url, token=token) as connected:
        yield connected


def public_names() -> list[str]:
    return [name for name in microblog.__all__ if name != "__version__"]


def own_doc(obj: object) -> str:
    """The docstring an object declares itself (``inspect.getdoc`` would inherit one)."""
    return inspect.cleandoc(getattr(obj, "__doc__", None) or "")


def public_members(cls: type) -> list[tuple[str, object]]:
    """The public methods and properties ``cls`` (or a base of ours) defines."""
    members = {
        name: member
        for klass in reversed(cls.__mro__)
        if klass.__module__.split(".")[0] == "microblog"
        for name, member in vars(klass).items()
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    }
    return sorted(members.items())


def assert_short_line(text: str, longest: int = LONGEST_REPR) -> None:
    assert "\n" not in text
    assert 0 < len(text) <= longest, text


# help()


@pytest.mark.parametrize("name", public_names())
def test_every_public_name_has_a_docstring_of_substance(name: str) -> None:
    doc = own_doc(getattr(microblog, name))

    assert len(doc) >= SUBSTANCE, f"microblog.{name}: {doc!r}"
    assert doc.split("\n")[0].rstrip().endswith((".", ":")), doc


def test_local_server_has_a_docstring_of_substance() -> None:
    assert len(own_doc(LocalServer)) >= SUBSTANCE
    assert "Args:" in own_doc(LocalServer)


@pytest.mark.parametrize("name", [*public_names(), "testing.LocalServer"])
def test_help_shows_the_docstring(name: str) -> None:
    target = f"microblog.{name}"
    first_line = own_doc(pydoc.locate(target)).split("\n")[0]

    page = pydoc.render_doc(target, renderer=pydoc.TextDoc())

    assert first_line in " ".join(page.split())


def documented_in_the_reference() -> set[str]:
    directives = re.compile(r"^\.\. auto(?:class|exception|data|function):: ([\w.]+)", re.MULTILINE)
    return {
        name for page in REFERENCE.glob("*.md") for name in directives.findall(page.read_text())
    }


@pytest.mark.parametrize(
    "name", [*(f"microblog.{name}" for name in public_names()), "microblog.testing.LocalServer"]
)
def test_every_public_name_is_in_the_api_reference(name: str) -> None:
    assert name in documented_in_the_reference()


def manager_classes() -> list[type]:
    with microblog.Client("http://127.0.0.1:9", token="unused") as offline:
        return [type(offline.users), type(offline.microposts)]


DOCUMENTED_CLASSES = [
    microblog.Client,
    microblog.User,
    microblog.Micropost,
    microblog.Pager,
    microblog.Page,
    *manager_classes(),
    LocalServer,
]


@pytest.mark.parametrize(
    ("owner", "name", "member"),
    [
        pytest.param(cls, name, member, id=f"{cls.__name__}.{name}")
        for cls in DOCUMENTED_CLASSES
        for name, member in public_members(cls)
    ],
)
def test_every_public_method_and_property_has_a_docstring(
    owner: type, name: str, member: object
) -> None:
    assert len(own_doc(member)) >= SUBSTANCE, f"{owner.__name__}.{name}"


def test_the_managers_and_resources_have_their_actions_documented() -> None:
    names = {
        f"{cls.__name__}.{name}" for cls in DOCUMENTED_CLASSES for name, _ in public_members(cls)
    }

    assert {"Client.me", "User.follow", "Micropost.save", "Pager.pages"} <= names
    assert {"UserManager.get", "MicropostManager.create", "LocalServer.token_for"} <= names


# repr()


def test_a_token_client_repr_shows_the_url_and_auth_mode_but_not_the_token(
    server: LocalServer, client: microblog.Client, token: str
) -> None:
    client.me()

    text = repr(client)

    assert_short_line(text)
    assert text == f"Client({server.url!r}, auth='token')"
    assert token not in text


def test_a_password_client_repr_shows_the_username_but_no_secret(server: LocalServer) -> None:
    tokens: list[str] = []
    hooks = microblog.Hooks(on_new_token=tokens.append)
    with microblog.Client(server.url, username="dana", password=PASSWORD, hooks=hooks) as client:
        client.me()

        text = repr(client)

    assert_short_line(text)
    assert text == f"Client({server.url!r}, auth='password', username='dana')"
    assert PASSWORD not in text
    assert tokens
    assert tokens[0] not in text


def test_an_anonymous_client_repr_says_so(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICROBLOG_TOKEN", raising=False)

    with microblog.Client(server.url) as client:
        assert repr(client) == f"Client({server.url!r}, auth=None)"


def test_with_options_keeps_the_repr(client: microblog.Client) -> None:
    assert repr(client.with_options(max_retries=0)) == repr(client)


def test_a_user_repr_is_its_username(client: microblog.Client) -> None:
    assert repr(client.users.get("bob")) == "<User bob>"
    assert repr(client.me()) == "<User dana>"


def test_a_micropost_repr_has_id_author_and_shortened_text(client: microblog.Client) -> None:
    post = client.microposts.create("Hello @bob, " + "and more " * 20, referenced="bob")

    text = repr(post)

    assert_short_line(text)
    assert text.startswith(f"<Micropost {post.id} by dana: 'Hello @bob, and more")
    assert text.endswith("…'>")


def test_a_pager_repr_has_the_listing_and_its_options(client: microblog.Client) -> None:
    pager = client.microposts.search("python", size=10, limit=25)

    text = repr(pager)

    assert_short_line(text)
    assert text.startswith("<Pager /api/v1/")
    assert "'python'" in text
    assert "size=10" in text
    assert "limit=25" in text


def test_a_page_repr_has_the_count_and_whether_more_follow(client: microblog.Client) -> None:
    client.microposts.create_many(["one", "two", "three"])

    first = next(iter(client.microposts.list(author="dana", size=2).pages()))
    last = next(iter(client.microposts.list(author="bob").pages()))

    assert repr(first) == "<Page 2 items, more>"
    assert repr(last) == "<Page 0 items, last>"


def test_the_managers_reprs_name_them(client: microblog.Client) -> None:
    assert repr(client.users) == "<UserManager>"
    assert repr(client.microposts) == "<MicropostManager>"


def test_an_api_error_repr_has_status_code_detail_and_request_id(
    client: microblog.Client,
) -> None:
    with pytest.raises(microblog.NotFoundError) as caught:
        client.users.get("nobody")

    text = repr(caught.value)

    assert_short_line(text, LONGEST_ERROR_REPR)
    assert text.startswith("NotFoundError(")
    assert "404" in text
    assert "not_found" in text
    assert caught.value.request_id
    assert caught.value.request_id in text


def test_the_configuration_values_repr_as_their_constructor_calls() -> None:
    assert repr(microblog.Timeout(connect=5, read=30)) == "Timeout(connect=5, read=30)"
    assert repr(microblog.RateLimit(5, 1.0)) == "RateLimit(calls=5, period=1.0)"
    assert repr(microblog.Retry()).startswith("Retry(max_retries=3, ")


def test_a_local_server_repr_shows_its_url_or_that_it_stopped(server: LocalServer) -> None:
    assert repr(server) == f"<LocalServer {server.url}>"
    assert repr(LocalServer()) == "<LocalServer stopped>"


# dir()


def visible(obj: object) -> list[str]:
    return [name for name in dir(obj) if not (name.startswith("__") and name.endswith("__"))]


def test_dir_of_a_user_is_its_fields_and_actions(client: microblog.Client) -> None:
    names = visible(client.users.get("bob"))

    assert [name for name in names if name.startswith("_")] == []
    assert {"username", "display_name", "bio", "followers_count"} <= set(names)
    assert {"follow", "unfollow", "followers", "microposts", "save", "refresh"} <= set(names)


def test_dir_of_a_micropost_is_its_fields_and_actions(client: microblog.Client) -> None:
    names = visible(client.microposts.create("dir me"))

    assert [name for name in names if name.startswith("_")] == []
    assert {"id", "text", "user", "author", "referenced", "timestamp"} <= set(names)
    assert {"save", "refresh", "delete"} <= set(names)


def test_dir_of_a_pager_shows_its_options_and_pages(client: microblog.Client) -> None:
    names = visible(client.users.list())

    assert {"size", "limit", "pages"} <= set(names)


# papercuts a newcomer met at the prompt


def public_classes() -> list[type]:
    return [obj for name in public_names() if isinstance(obj := getattr(microblog, name), type)]


@pytest.mark.parametrize("cls", public_classes(), ids=lambda cls: cls.__name__)
def test_every_public_class_says_it_lives_in_microblog(cls: type) -> None:
    assert cls.__module__ == "microblog"
    assert getattr(microblog, cls.__qualname__) is cls


def test_errors_print_under_their_public_name(client: microblog.Client) -> None:
    with pytest.raises(microblog.NotFoundError) as caught:
        client.users.get("nobody")

    last_line = traceback.format_exception_only(caught.value)[-1]

    assert last_line.startswith("microblog.NotFoundError: 404 not_found")
    assert str(type(caught.value)) == "<class 'microblog.NotFoundError'>"


def test_type_hints_of_the_resources_still_resolve() -> None:
    assert "datetime" in str(typing.get_type_hints(microblog.User)["created_at"])
    assert "datetime" in str(typing.get_type_hints(microblog.Micropost)["timestamp"])


def test_help_of_the_package_is_its_map() -> None:
    page = pydoc.render_doc(microblog, renderer=pydoc.TextDoc())

    for name in ("Client", "client.users", "client.microposts", "Pager", "MicroblogError"):
        assert name in page
    for name in ("NotFoundError", "ValidationError", "Timeout", "Retry", "RateLimit", "Hooks"):
        assert name in own_doc(microblog)


def test_next_on_a_pager_says_to_use_iter_or_pages(client: microblog.Client) -> None:
    pager = client.users.list()

    with pytest.raises(TypeError, match=r"use next\(iter\(pager\)\).*pager\.pages\(\)"):
        next(pager)
    assert next(iter(pager)).username


def test_help_of_the_pager_shows_no_constructor_arguments() -> None:
    page = pydoc.render_doc(microblog.Pager, renderer=pydoc.TextDoc())

    assert "client:" not in page
    assert "parse" not in page
    assert "listing method" in page
    with pytest.raises(TypeError, match="listing method"):
        microblog.Pager()


def test_with_options_shows_no_sentinel_object() -> None:
    signature = str(inspect.signature(microblog.Client.with_options))

    assert "object at" not in signature
    assert "timeout: 'Timeout | float' = unchanged" in signature


def test_the_repr_of_an_edited_unsaved_resource_says_so(client: microblog.Client) -> None:
    post = client.microposts.create("before")
    me = client.me()

    post.text = "after"
    me.display_name = "Dana D."

    assert repr(post).endswith("'after' (unsaved: text)>")
    assert repr(me) == "<User dana (unsaved: display_name)>"
    post.save()
    assert repr(post) == f"<Micropost {post.id} by dana: 'after'>"
