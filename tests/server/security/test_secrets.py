"""Passwords and their hashes are never in a response and never in a log record."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from httpx2 import Response

V1 = "/api/v1"
FIRST = "Zebra-Quartz-4417"  # test passwords, each easy to spot in text
SECOND = "Mango-Violet-9083"
WRONG = "Tiger-Amber-2256"
TOO_LONG = "Ocelot-Cobalt-" * 10  # 140 characters, over the 128 limit
HASH_PREFIX = "$argon2"


def full_scenario(client: TestClient) -> list[Response]:
    """Sign up, log in, change the password, use every kind of endpoint, fail some."""
    responses: list[Response] = []

    def call(method: str, path: str, **kwargs: Any) -> Response:
        response = client.request(method, V1 + path, **kwargs)
        responses.append(response)
        return response

    call("POST", "/users", json={"username": "dana", "password": FIRST, "bio": "hi"})
    call("POST", "/users", json={"username": "jaime", "password": FIRST})
    call("POST", "/users", json={"username": "dana", "password": FIRST})  # 409
    call("POST", "/users", json={"username": "kim", "password": TOO_LONG})  # 422
    call("POST", "/users", json={"username": "kim", "password": 12345678})  # 422
    call("POST", "/token", data={"username": "dana", "password": WRONG})  # 400
    call("POST", "/token", json={"username": "nobody", "password": FIRST})  # 400
    call("POST", "/token", json={"username": "dana", "password": FIRST, "grant_type": "x"})
    token = call("POST", "/token", data={"username": "dana", "password": FIRST})
    dana = {"Authorization": f"Bearer {token.json()['access_token']}"}
    jaime_token = call("POST", "/token", json={"username": "jaime", "password": FIRST})
    jaime = {"Authorization": f"Bearer {jaime_token.json()['access_token']}"}
    call("PATCH", "/users/dana", json={"password": SECOND, "current_password": FIRST}, headers=dana)
    call("PATCH", "/users/dana", json={"password": "short"}, headers=dana)  # 422
    call("PATCH", "/users/dana", json={"password": FIRST, "current_password": WRONG}, headers=dana)
    call("PATCH", "/users/jaime", json={"password": SECOND}, headers=dana)  # 403
    call("POST", "/token", data={"username": "dana", "password": FIRST})  # 400 now
    call("POST", "/token", data={"username": "dana", "password": SECOND})
    call("GET", "/me", headers=dana)
    call("GET", "/users", headers=dana)
    call("GET", "/users?q=da", headers=dana)
    call("GET", "/users/dana", headers=dana)
    call("POST", "/users/dana/collection", json={"text": f"hello @jaime {FIRST[:4]}"}, headers=dana)
    call("POST", "/users/dana/collection/batch", json={"items": [{"text": "x"}]}, headers=dana)
    call("POST", "/users/dana/following", json={"username": "jaime"}, headers=dana)
    call("POST", "/users/jaime/following", json={"username": "dana"}, headers=jaime)
    call("GET", "/users/dana/following", headers=dana)
    call("GET", "/users/dana/followers", headers=dana)
    call("GET", "/users/jaime/followers", headers=dana)
    call("GET", "/users/dana/collection", headers=dana)
    call("GET", "/users/jaime/timeline", headers=jaime)
    call("GET", "/search?text=hello", headers=dana)
    call("DELETE", "/token", headers=dana)
    call("GET", "/me", headers=dana)  # 401
    call("DELETE", "/users/jaime", headers=jaime)
    return responses


def test_no_response_carries_a_password_or_a_hash(client: TestClient) -> None:
    responses = full_scenario(client)

    assert len({r.status_code for r in responses}) >= 7  # successes and failures of all kinds
    for response in responses:
        text = response.text
        for secret in (FIRST, SECOND, WRONG, TOO_LONG, HASH_PREFIX):
            assert secret not in text, (response.request.url, text)
        for name, value in response.headers.items():
            assert FIRST not in value
            assert HASH_PREFIX not in value, name
        if response.headers.get("content-type", "").endswith("json"):
            assert "password" not in walk_keys(response.json())


def walk_keys(value: object) -> set[str]:
    """Every object key anywhere in a JSON value."""
    if isinstance(value, dict):
        keys = {str(key) for key in value}
        for item in value.values():
            keys |= walk_keys(item)
        return keys
    if isinstance(value, list):
        return set().union(*(walk_keys(item) for item in value)) if value else set()
    return set()


def test_no_log_record_carries_a_password_or_a_hash(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        full_scenario(client)

    assert caplog.records  # DEBUG really was on (the app or its libraries logged)
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + (record.exc_text or "")
        for secret in (FIRST, SECOND, WRONG, TOO_LONG, HASH_PREFIX):
            assert secret not in text, (record.name, text[:300])


def test_sql_logging_does_not_show_the_hashes_bound_to_statements(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # INFO on "sqlalchemy.engine" is what an operator turns on to see the SQL (echo=True).
    with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"):
        full_scenario(client)

    statements = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy")]
    assert any("INSERT INTO users" in text for text in statements)
    for text in statements:
        assert HASH_PREFIX not in text
        assert FIRST not in text
