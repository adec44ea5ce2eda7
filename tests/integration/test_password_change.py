"""A password change revokes every other token of the user, over real HTTP.

The request's own token keeps working (the SDK goes on with it); tokens from other
logins stop at once, also the ones this service process had just checked and kept in its
token cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

import microblog
from microblog.testing import LocalServer

NEW_PASSWORD = "a-new-password-123"


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def me(server: LocalServer, http: requests.Session, token: str) -> int:
    response = http.get(
        f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    return response.status_code


def test_a_password_change_revokes_every_other_token_of_the_user(
    server: LocalServer, new_username: Callable[[], str], http: requests.Session
) -> None:
    name, password = server.create_user(new_username())
    changer, laptop, phone = (server.token_for(name, password) for _ in range(3))
    assert {me(server, http, t) for t in (changer, laptop, phone)} == {200}  # now cached

    changed = http.patch(
        f"{server.url}/api/v1/users/{name}",
        json={"password": NEW_PASSWORD, "current_password": password},
        headers={"Authorization": f"Bearer {changer}"},
        timeout=5,
    )

    assert changed.status_code == 200
    assert me(server, http, changer) == 200
    assert me(server, http, laptop) == 401
    assert me(server, http, phone) == 401
    assert me(server, http, server.token_for(name, NEW_PASSWORD)) == 200


def test_another_profile_edit_revokes_nothing(
    server: LocalServer, new_username: Callable[[], str], http: requests.Session
) -> None:
    name, password = server.create_user(new_username())
    editor, other = server.token_for(name, password), server.token_for(name, password)

    http.patch(
        f"{server.url}/api/v1/users/{name}",
        json={"bio": "no password here"},
        headers={"Authorization": f"Bearer {editor}"},
        timeout=5,
    ).raise_for_status()

    assert me(server, http, other) == 200


def test_the_sdk_goes_on_with_its_token_after_set_password(
    server: LocalServer, new_username: Callable[[], str], http: requests.Session
) -> None:
    name, password = server.create_user(new_username())
    elsewhere = server.token_for(name, password)
    with microblog.Client(server.url, username=name, password=password) as client:
        client.me().set_password(NEW_PASSWORD, current_password=password)

        assert client.me().username == name
    assert me(server, http, elsewhere) == 401
