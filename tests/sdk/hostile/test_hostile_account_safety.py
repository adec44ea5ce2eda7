"""Account safety, SDK side (design/api.md and design/sdk.md, "Added in 0.3").

A fake service on 127.0.0.1 answers per the contract: a password change carries
``current_password`` (wrong: 403 ``wrong_password``); deleting an account needs a token
from a recent password login (else 401 ``reauthentication_required`` with
``WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=600``).
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import pytest

import microblog

if TYPE_CHECKING:
    from .conftest import MakeClient, Serve
    from .fake_server import Conn, Received

OLD, NEW = "the-old-password", "the-new-password"
USER = "/api/v1/users/dana"
REAUTH = 'Bearer error="insufficient_user_authentication", max_age=600'


def _problem(status: int, code: str, detail: str) -> dict[str, object]:
    return {"type": "about:blank", "title": code, "status": status, "code": code, "detail": detail}


@dataclass
class Accounts:
    """The contract's account rules for one user, ``dana``."""

    password: str = OLD
    fresh: set[str] = field(default_factory=set)  # tokens from a login after the first
    valid: set[str] = field(default_factory=set)
    logins: list[str] = field(default_factory=list)
    always_stale: bool = False
    _numbers: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, request: Received, conn: Conn) -> None:
        with self._lock:
            self._handle(request, conn)

    def _handle(self, request: Received, conn: Conn) -> None:
        if (request.method, request.path) == ("POST", "/api/v1/token"):
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            self.logins.append(form.get("password", ""))
            if form.get("password") != self.password:
                conn.respond(400, _problem(400, "invalid_grant", "wrong username or password"))
                return
            token = f"token-{next(self._numbers)}"
            self.valid.add(token)
            if len(self.logins) > 1 and not self.always_stale:
                self.fresh.add(token)  # the first login stands for an old session
            conn.respond(200, {"access_token": token, "token_type": "bearer"})
            return
        token = (request.header("Authorization") or "").removeprefix("Bearer ")
        if token not in self.valid:
            conn.respond(401, _problem(401, "unauthorized", "the token is not valid"))
            return
        if (request.method, request.path) == ("PATCH", USER):
            body = json.loads(request.body)
            if body.get("current_password") != self.password:
                conn.respond(403, _problem(403, "wrong_password", "the current password is wrong"))
                return
            self.password = body["password"]
            self.valid = {token}  # a password change revokes every other token
            conn.respond(200, {"username": "dana"}, {"ETag": '"v2"'})
        elif (request.method, request.path) == ("DELETE", USER):
            if token not in self.fresh:
                problem = _problem(401, "reauthentication_required", "log in again")
                conn.respond(401, problem, {"WWW-Authenticate": REAUTH})
                return
            conn.respond(204)
        else:
            conn.respond(200, {"username": "dana"}, {"ETag": '"v1"'})


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


def calls(server_received: list[Received], method: str) -> int:
    return sum(1 for r in server_received if r.method == method)


# set_password(password, *, current_password)


def test_set_password_sends_the_current_password(
    serve: Serve, make_client: MakeClient, accounts: Accounts
) -> None:
    server = serve(accounts.handle)
    client = make_client(server.url, username="dana", password=OLD)

    client.users.get("dana").set_password(NEW, current_password=OLD)

    patch = next(r for r in server.received if r.method == "PATCH")
    assert json.loads(patch.body) == {"password": NEW, "current_password": OLD}
    assert patch.header("If-Match") == '"v1"'
    assert accounts.password == NEW


def test_a_wrong_current_password_raises_permission_denied_wrong_password(
    serve: Serve, make_client: MakeClient, accounts: Accounts
) -> None:
    server = serve(accounts.handle)
    client = make_client(server.url, username="dana", password=OLD)

    with pytest.raises(microblog.PermissionDeniedError) as raised:
        client.users.get("dana").set_password(NEW, current_password="not-it")

    assert raised.value.code == "wrong_password"
    assert "not-it" not in str(raised.value)
    assert accounts.password == OLD


def test_the_current_password_is_a_required_keyword() -> None:
    user = microblog.User(username="dana")

    with pytest.raises(TypeError, match="current_password"):
        user.set_password(NEW)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        user.set_password(NEW, OLD)  # type: ignore[call-arg]


def test_after_changing_its_own_password_a_client_logs_in_with_the_new_one(
    serve: Serve, make_client: MakeClient, accounts: Accounts
) -> None:
    server = serve(accounts.handle)
    client = make_client(server.url, username="dana", password=OLD)
    client.users.get("dana").set_password(NEW, current_password=OLD)
    accounts.valid.clear()  # the token expires: the next call logs in again

    assert client.users.get("dana").username == "dana"

    assert accounts.logins == [OLD, NEW]


# delete() of one's own account


def test_a_password_client_logs_in_again_once_and_deletes(
    serve: Serve, make_client: MakeClient, accounts: Accounts
) -> None:
    server = serve(accounts.handle)
    client = make_client(server.url, username="dana", password=OLD)

    client.users.get("dana").delete()

    assert [r.method for r in server.received if r.method != "GET"] == [
        "POST",
        "DELETE",
        "POST",
        "DELETE",
    ]
    assert accounts.logins == [OLD, OLD]


def test_a_password_client_asked_again_after_its_fresh_login_raises(
    serve: Serve, make_client: MakeClient, accounts: Accounts
) -> None:
    accounts.always_stale = True
    server = serve(accounts.handle)
    client = make_client(server.url, username="dana", password=OLD)

    with pytest.raises(microblog.AuthenticationError, match="fresh login") as raised:
        client.users.get("dana").delete()

    assert raised.value.code == "reauthentication_required"
    assert calls(server.received, "DELETE") == 2
    assert calls(server.received, "POST") == 2


def test_a_token_client_is_told_a_fresh_login_is_needed(
    serve: Serve, make_client: MakeClient, accounts: Accounts
) -> None:
    accounts.valid.add("an-old-token")
    server = serve(accounts.handle)
    client = make_client(server.url, token="an-old-token")

    with pytest.raises(microblog.AuthenticationError, match="fresh login") as raised:
        client.users.get("dana").delete()

    assert raised.value.code == "reauthentication_required"
    assert raised.value.status_code == 401
    assert "password=" in str(raised.value)
    assert "an-old-token" not in str(raised.value)
    assert calls(server.received, "DELETE") == 1
    assert calls(server.received, "POST") == 0


def test_another_401_on_delete_is_left_as_it_is(
    serve: Serve, make_client: MakeClient, accounts: Accounts
) -> None:
    server = serve(accounts.handle)
    client = make_client(server.url, token="not-a-known-token")

    with pytest.raises(microblog.AuthenticationError) as raised:
        client.users.get("dana", lazy=True).delete()

    assert raised.value.code == "unauthorized"
    assert "fresh login" not in str(raised.value)
