"""Input the database cannot store is a 4xx, never a 500 (over real HTTP).

A lone surrogate (``"\\ud800"`` in JSON) cannot be encoded as UTF-8, a NUL cannot be
stored in PostgreSQL text, and a number past 2**63-1 does not fit a 64-bit column: each
used to reach the driver and come back as a 500.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import jwt
import pytest

from .support import SECRET, bearer, call, sign_up, token

if TYPE_CHECKING:
    from microblog.testing import LocalServer

LONE = "\ud800"


@pytest.fixture(scope="module")
def dana(server: LocalServer) -> dict[str, str]:
    """Authorization of ``dana``, who has one micropost."""
    sign_up(server.url, "dana")
    return bearer(token(server.url, "dana"))


@pytest.fixture(scope="module")
def post_path(server: LocalServer, dana: dict[str, str]) -> str:
    """The path of dana's micropost."""
    created = call(
        server.url, "POST", "/api/v1/users/dana/collection", json_body={"text": "hi"}, headers=dana
    )
    assert created.status == 201
    return f"/api/v1/users/dana/collection/{created.json()['id']}"


def assert_422_at(answer: Any, pointer: str) -> None:
    assert answer.status == 422, answer.body
    assert answer.headers["content-type"] == "application/problem+json"
    assert pointer in [error.get("pointer") for error in answer.json()["errors"]]


def _with(body: object, value: str) -> object:
    if isinstance(body, dict):
        return {key: _with(item, value) for key, item in body.items()}
    if isinstance(body, list):
        return [_with(item, value) for item in body]
    return value if body == "{v}" else body


@pytest.mark.parametrize("value", [LONE, "a\udfff", "dana\x00"], ids=["high", "low", "nul"])
@pytest.mark.parametrize(
    ("method", "where", "body", "pointer"),
    [
        ("POST", "collection", {"text": "hi", "referenced": "{v}"}, "#/referenced"),
        ("POST", "batch", {"items": [{"text": "hi", "referenced": "{v}"}]}, "#/items/0/referenced"),
        ("PATCH", "post", {"referenced": "{v}"}, "#/referenced"),
        ("PUT", "post", {"text": "hi", "referenced": "{v}"}, "#/referenced"),
    ],
)
def test_an_unstorable_referenced_is_a_422_with_its_pointer(
    server: LocalServer,
    dana: dict[str, str],
    post_path: str,
    value: str,
    method: str,
    where: str,
    body: dict[str, Any],
    pointer: str,
) -> None:
    path = {
        "collection": "/api/v1/users/dana/collection",
        "batch": "/api/v1/users/dana/collection/batch",
        "post": post_path,
    }[where]

    # json.dumps writes a lone surrogate as the escape "\ud800", as an attacker would.
    answer = call(server.url, method, path, json_body=_with(body, value), headers=dana)

    assert_422_at(answer, pointer)


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        (
            "display_name",
            b'{"username": "eve01", "password": "long-enough", "display_name": "\\ud800"}',
        ),
        ("bio", b'{"username": "eve02", "password": "long-enough", "bio": "\\udc00"}'),
        ("password", b'{"username": "eve03", "password": "long-enough\\ud800"}'),
    ],
)
def test_a_lone_surrogate_in_a_sign_up_is_a_422(
    server: LocalServer, field: str, raw: bytes
) -> None:
    answer = call(
        server.url, "POST", "/api/v1/users", raw=raw, headers={"Content-Type": "application/json"}
    )

    assert_422_at(answer, f"#/{field}")


@pytest.mark.parametrize(
    "raw",
    [b'{"username": "\\ud800", "password": "x"}', b'{"username": "dana", "password": "\\ud800"}'],
)
def test_a_lone_surrogate_at_login_is_a_4xx(server: LocalServer, raw: bytes) -> None:
    answer = call(
        server.url, "POST", "/api/v1/token", raw=raw, headers={"Content-Type": "application/json"}
    )

    assert answer.status == 422, answer.body


def test_a_nul_in_a_login_name_is_invalid_grant_without_a_lookup(server: LocalServer) -> None:
    answer = call(
        server.url, "POST", "/api/v1/token", form={"username": "da\x00na", "password": "x" * 9}
    )

    assert answer.status == 400, answer.body
    assert answer.json()["code"] == "invalid_grant"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users?q=da%00",
        "/api/v1/search?text=abc%00def",
        "/api/v1/search?text=abc&username=da%00",
        "/api/v1/users/dana/collection?cursor=%00",
        "/api/v1/users/%ED%A0%80",
        "/api/v1/users/dana%00",
        "/api/v1/microposts/9223372036854775808",
        "/api/v1/users/dana/collection/99999999999999999999",
        "/api/v1/users/dana/collection?size=99999999999999999999",
    ],
)
def test_query_and_path_values_the_database_cannot_take_are_4xx(
    server: LocalServer, dana: dict[str, str], path: str
) -> None:
    answer = call(server.url, "GET", path, headers=dana)

    assert 400 <= answer.status < 500, answer.body
    assert answer.headers["content-type"] == "application/problem+json"


def signed(**claims: object) -> dict[str, str]:
    now = int(time.time())
    values: dict[str, object] = {"sub": "1", "iat": now, "exp": now + 600, "jti": "j1"}
    values.update(claims)
    return bearer(jwt.encode(values, SECRET, algorithm="HS256"))


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": str(2**63)},
        {"sub": str(2**64 + 5)},
        {"sub": "-1"},
        {"exp": 10**20},
        {"iat": 10**20},
        {"jti": LONE},
        {"jti": "j" * 65},
        {"jti": 7},
    ],
    ids=[
        "sub-2**63",
        "sub-2**64",
        "sub-negative",
        "exp-huge",
        "iat-huge",
        "jti-surrogate",
        "jti-long",
        "jti-number",
    ],
)
@pytest.mark.parametrize(("method", "path"), [("GET", "/api/v1/me"), ("DELETE", "/api/v1/token")])
def test_a_validly_signed_token_with_unstorable_claims_is_a_401(
    server: LocalServer, dana: dict[str, str], claims: dict[str, object], method: str, path: str
) -> None:
    answer = call(server.url, method, path, headers=signed(**claims))

    assert answer.status == 401, answer.body
    assert answer.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Idempotency-Key", "caf\xe9"),
        ("Idempotency-Key", "a\x7fb"),
        ("Idempotency-Key", "k" * 300),
        ("If-Match", '"caf\xe9"'),
        ("X-Request-ID", "id\xe9\x01"),
    ],
)
def test_header_values_the_database_cannot_take_are_4xx_or_ignored(
    server: LocalServer, dana: dict[str, str], name: str, value: str
) -> None:
    answer = call(
        server.url,
        "POST",
        "/api/v1/users/dana/collection",
        json_body={"text": "from a header test"},
        headers={**dana, name: value},
    )

    assert answer.status in {201, 400}, answer.body
    assert value not in answer.headers.get("x-request-id", "")
