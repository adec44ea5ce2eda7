"""A stolen token can neither change the password nor delete the account (real HTTP).

A password change carries ``current_password``; deleting the account needs a token from
a password login within the last 10 minutes (RFC 9470 step-up). The checks cost no new
Argon2 hash when they refuse, and a token the service rejects is counted against the
anonymous per-address quota, at ``DELETE /api/v1/token`` too. An "old" login is a token
signed here with the server's key and an ``auth_time`` 11 minutes back: no clock waits.
"""

from __future__ import annotations

import time
from typing import Any

import argon2
import jwt
import pytest

from microblog.testing import LocalServer

from .support import PASSWORD, SECRET, bearer, call, sign_up, token

NEW_PASSWORD = "a-brand-new-passphrase"
STEP_UP = 'Bearer error="insufficient_user_authentication", max_age=600'


def problem(answer: Any) -> dict[str, Any]:
    """The problem details body of an answer."""
    assert answer.headers["content-type"] == "application/problem+json", answer.body
    body: dict[str, Any] = answer.json()
    return body


def resigned(access: str, **claims: object) -> str:
    """The token with some claims changed (``None`` drops one), signed with the server's key."""
    decoded = jwt.decode(access, SECRET, algorithms=["HS256"])
    decoded.update(claims)
    kept = {name: value for name, value in decoded.items() if value is not None}
    return jwt.encode(kept, SECRET, algorithm="HS256")


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Argon2 work the service does while the test runs: ``"hash"``/``"verify"``."""
    done: list[str] = []
    for name in ("hash", "verify"):
        original = getattr(argon2.PasswordHasher, name)

        def counted(*args: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
            done.append(_name)
            return _original(*args, **kw)

        monkeypatch.setattr(argon2.PasswordHasher, name, counted)
    return done


# --- a password change needs the current password ----------------------------------


def test_a_password_change_without_current_password_is_422_pointing_at_it(
    server: LocalServer,
) -> None:
    sign_up(server.url, "nocurrent")
    answer = call(
        server.url,
        "PATCH",
        "/api/v1/users/nocurrent",
        json_body={"password": NEW_PASSWORD},
        headers=bearer(token(server.url, "nocurrent")),
    )

    assert answer.status == 422, answer.body
    errors = problem(answer)["errors"]
    assert [error["pointer"] for error in errors] == ["#/current_password"]
    token(server.url, "nocurrent", PASSWORD)  # unchanged


def test_a_wrong_current_password_is_403_wrong_password_and_hashes_nothing_new(
    server: LocalServer, hashes: list[str]
) -> None:
    sign_up(server.url, "wrongcurrent")
    access = token(server.url, "wrongcurrent")
    hashes.clear()

    answer = call(
        server.url,
        "PATCH",
        "/api/v1/users/wrongcurrent",
        json_body={"password": NEW_PASSWORD, "current_password": "not-the-password"},
        headers=bearer(access),
    )

    assert answer.status == 403, answer.body
    assert problem(answer)["code"] == "wrong_password"
    assert hashes == ["verify"]  # the check, and no new hash
    token(server.url, "wrongcurrent", PASSWORD)  # unchanged
    assert call(server.url, "GET", "/api/v1/me", headers=bearer(access)).status == 200


def test_the_right_current_password_changes_it(server: LocalServer) -> None:
    sign_up(server.url, "rightcurrent")
    answer = call(
        server.url,
        "PATCH",
        "/api/v1/users/rightcurrent",
        json_body={"password": NEW_PASSWORD, "current_password": PASSWORD},
        headers=bearer(token(server.url, "rightcurrent")),
    )

    assert answer.status == 200, answer.body
    token(server.url, "rightcurrent", NEW_PASSWORD)


def test_another_users_password_is_403_before_any_argon2_work(
    server: LocalServer, hashes: list[str]
) -> None:
    sign_up(server.url, "attacker")
    sign_up(server.url, "bystander")
    access = token(server.url, "attacker")
    hashes.clear()

    for body in (
        {"password": NEW_PASSWORD},
        {"password": NEW_PASSWORD, "current_password": PASSWORD},
    ):
        answer = call(
            server.url, "PATCH", "/api/v1/users/bystander", json_body=body, headers=bearer(access)
        )
        assert answer.status == 403, answer.body
        assert problem(answer)["code"] == "forbidden"

    assert hashes == []


# --- deleting the account needs a recent login --------------------------------------


def test_deleting_the_account_with_a_fresh_login_is_204(server: LocalServer) -> None:
    sign_up(server.url, "freshlogin")
    answer = call(
        server.url,
        "DELETE",
        "/api/v1/users/freshlogin",
        headers=bearer(token(server.url, "freshlogin")),
    )

    assert answer.status == 204, answer.body


@pytest.mark.parametrize("auth_time", ["11 minutes ago", "missing"])
def test_deleting_the_account_with_an_old_login_asks_for_a_new_one(
    server: LocalServer, auth_time: str
) -> None:
    name = "old_" + auth_time.split(maxsplit=1)[0]
    sign_up(server.url, name)
    old = int(time.time()) - 11 * 60
    access = resigned(token(server.url, name), auth_time=old if auth_time != "missing" else None)
    assert call(server.url, "GET", "/api/v1/me", headers=bearer(access)).status == 200

    answer = call(server.url, "DELETE", f"/api/v1/users/{name}", headers=bearer(access))

    assert answer.status == 401, answer.body
    assert problem(answer)["code"] == "reauthentication_required"
    assert answer.headers["www-authenticate"] == STEP_UP
    assert call(server.url, "GET", f"/api/v1/users/{name}", headers=bearer(access)).status == 200


def test_a_login_carries_its_auth_time(server: LocalServer) -> None:
    sign_up(server.url, "authtime")
    before = int(time.time())

    claims = jwt.decode(token(server.url, "authtime"), SECRET, algorithms=["HS256"])

    assert before - 1 <= claims["auth_time"] <= time.time() + 1


# --- a rejected token is counted like no token --------------------------------------


def test_a_revoked_token_is_counted_against_the_anonymous_quota_at_logout() -> None:
    with LocalServer(secret_key=SECRET, rate_limit_anonymous="5/60") as server:
        sign_up(server.url, "revoked")
        access = token(server.url, "revoked")
        assert call(server.url, "DELETE", "/api/v1/token", headers=bearer(access)).status == 204

        statuses = [
            call(server.url, "DELETE", "/api/v1/token", headers=bearer(access)).status
            for _ in range(8)
        ]
        elsewhere = call(server.url, "GET", "/api/v1/me", headers=bearer(access)).status

    assert statuses == [401] * 4 + [429] * 4  # the sign-up spent the first of 5
    assert elsewhere == 429
