"""Logout past the quota, Host, security headers and failed logins per account (real HTTP)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from microblog.testing import LocalServer

from .support import PASSWORD, call, sign_up, token
from .support import bearer as authorization

if TYPE_CHECKING:
    from collections.abc import Iterator


def test_logout_answers_204_with_the_quota_spent() -> None:
    with LocalServer(rate_limit="3/60") as server:
        sign_up(server.url, "dana")
        authorized = authorization(token(server.url, "dana"))
        while call(server.url, "GET", "/api/v1/me", headers=authorized).status != 429:
            pass  # spend the quota, as whoever stole the token would

        logout = call(server.url, "DELETE", "/api/v1/token", headers=authorized)
        after = call(server.url, "GET", "/api/v1/me", headers=authorized)

    assert logout.status == 204, logout.body
    assert after.status in {401, 429}  # revoked (or still limited), never served


# --- Host ----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example"])
def test_a_host_the_service_is_not_configured_for_is_a_400(server: LocalServer, host: str) -> None:
    answer = call(server.url, "GET", "/api/v1/users", headers={"Host": host})

    assert answer.status == 400, answer.body
    assert answer.headers["content-type"] == "application/problem+json"
    assert b"evil.example" not in answer.body


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:1234", "[::1]:80"])
def test_loopback_hosts_and_the_bound_address_are_accepted(server: LocalServer, host: str) -> None:
    sign_up(server.url, f"host_{abs(hash(host)) % 10**6}")
    answer = call(
        server.url,
        "POST",
        "/api/v1/token",
        headers={"Host": host},
        form={"username": f"host_{abs(hash(host)) % 10**6}", "password": PASSWORD},
    )

    assert answer.status == 200, answer.body


def test_links_name_the_host_that_was_accepted(server: LocalServer) -> None:
    sign_up(server.url, "linked")
    authorized = {**authorization(token(server.url, "linked")), "Host": "localhost:9"}

    me = call(server.url, "GET", "/api/v1/me", headers=authorized).json()

    assert me["href"] == "http://localhost:9/api/v1/users/linked"


def test_an_allowed_host_setting_adds_hosts() -> None:
    with LocalServer(allowed_hosts=["api.internal"]) as server:
        allowed = call(server.url, "GET", "/api/v1/users", headers={"Host": "api.internal:8000"})
        other = call(server.url, "GET", "/api/v1/users", headers={"Host": "other.internal"})

    assert allowed.status == 401  # past the Host check, to the missing token
    assert other.status == 400


def test_the_public_base_url_is_used_for_links_whatever_the_host() -> None:
    with LocalServer(public_base_url="https://blog.example") as server:
        sign_up(server.url, "dana")
        authorized = {**authorization(token(server.url, "dana")), "Host": "evil.example"}
        created = call(
            server.url,
            "POST",
            "/api/v1/users/dana/collection",
            json_body={"text": "hi"},
            headers=authorized,
        )
        page = call(server.url, "GET", "/api/v1/users/dana/collection?size=1", headers=authorized)
        call(
            server.url,
            "POST",
            "/api/v1/users/dana/collection",
            json_body={"text": "two"},
            headers=authorized,
        )
        second = call(server.url, "GET", "/api/v1/users/dana/collection?size=1", headers=authorized)

    assert created.status == 201
    assert created.headers["location"].startswith("https://blog.example/api/v1/users/dana/")
    assert created.json()["href"].startswith("https://blog.example/")
    assert page.json()["result"][0]["href"].startswith("https://blog.example/")
    assert second.json()["next"].startswith("https://blog.example/api/v1/users/dana/collection?")
    assert "evil.example" not in second.headers["link"]


# --- security headers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bearer(server: LocalServer) -> dict[str, str]:
    sign_up(server.url, "headers")
    return authorization(token(server.url, "headers"))


@pytest.mark.parametrize(
    "path",
    [
        "/health",
        "/health/live",
        "/api/version",
        "/api/v1/openapi.json",
        "/docs",
        "/api/v1/me",
        "/api/v1/nowhere",
        "/docs/assets/swagger-ui.css",
    ],
)
def test_every_response_says_nosniff(
    server: LocalServer, bearer: dict[str, str], path: str
) -> None:
    answer = call(server.url, "GET", path, headers=bearer)

    assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/users", "/api/v1/users/headers"])
def test_authenticated_responses_are_private_and_revalidated(
    server: LocalServer, bearer: dict[str, str], path: str
) -> None:
    answer = call(server.url, "GET", path, headers=bearer)

    assert answer.status == 200
    assert answer.headers["cache-control"] == "private, no-cache"


def test_a_304_is_private_too_and_the_etag_still_revalidates(
    server: LocalServer, bearer: dict[str, str]
) -> None:
    first = call(server.url, "GET", "/api/v1/users/headers", headers=bearer)

    again = call(
        server.url,
        "GET",
        "/api/v1/users/headers",
        headers={**bearer, "If-None-Match": first.headers["etag"]},
    )

    assert again.status == 304
    assert again.headers["cache-control"] == "private, no-cache"


def test_the_token_response_keeps_no_store(server: LocalServer) -> None:
    sign_up(server.url, "nostore")
    answer = call(
        server.url, "POST", "/api/v1/token", form={"username": "nostore", "password": PASSWORD}
    )

    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect"])
def test_the_docs_pages_carry_a_csp_and_refuse_framing(server: LocalServer, path: str) -> None:
    answer = call(server.url, "GET", path)

    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self' 'sha256-" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert answer.headers["x-frame-options"] == "DENY"


# --- failed logins per account ------------------------------------------------------


@pytest.fixture
def guarded() -> Iterator[LocalServer]:
    """3 failed logins per account a minute; per-address limits off."""
    with LocalServer(rate_limit_login_account="3/60") as server:
        sign_up(server.url, "dana")
        yield server


def login(server: LocalServer, password: str, source: str, username: str = "dana") -> int:
    form = {"username": username, "password": password}
    return call(server.url, "POST", "/api/v1/token", form=form, source=source).status


def test_failed_logins_from_many_addresses_exhaust_the_account_budget(
    guarded: LocalServer,
) -> None:
    failures = [login(guarded, f"guess-{n}-wrong", f"127.0.0.{n + 2}") for n in range(3)]

    next_guess = login(guarded, "guess-4-wrong", "127.0.0.9")
    right_from_elsewhere = login(guarded, PASSWORD, "127.0.0.10")

    assert failures == [400, 400, 400]
    assert next_guess == 429
    assert right_from_elsewhere == 429  # a new address cannot tell a right password either


def test_the_owner_from_an_address_that_logged_in_before_is_never_locked_out(
    guarded: LocalServer,
) -> None:
    assert login(guarded, PASSWORD, "127.0.0.1") == 200
    for n in range(5):
        login(guarded, f"guess-{n}-wrong", f"127.0.0.{n + 2}")

    assert login(guarded, PASSWORD, "127.0.0.1") == 200


def test_the_refusal_names_a_retry_after_and_unknown_accounts_are_refused_alike(
    guarded: LocalServer,
) -> None:
    for name in ("dana", "nobody_here"):
        for n in range(3):
            login(guarded, f"guess-{n}-wrong", "127.0.0.2", username=name)

    known = call(
        guarded.url,
        "POST",
        "/api/v1/token",
        source="127.0.0.3",
        form={"username": "dana", "password": "x" * 9},
    )
    unknown = call(
        guarded.url,
        "POST",
        "/api/v1/token",
        source="127.0.0.3",
        form={"username": "nobody_here", "password": "x" * 9},
    )

    assert (known.status, unknown.status) == (429, 429)
    assert 1 <= int(known.headers["retry-after"]) <= 60
    assert re.sub(r"\d+", "N", known.json()["detail"]) == re.sub(
        r"\d+", "N", unknown.json()["detail"]
    )


def test_successes_do_not_spend_the_account_budget(guarded: LocalServer) -> None:
    statuses = [login(guarded, PASSWORD, f"127.0.0.{n + 2}") for n in range(6)]

    assert statuses == [200] * 6
