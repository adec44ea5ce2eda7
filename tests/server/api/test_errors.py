"""Every error is RFC 9457 problem details, whoever raised it."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from microblog_server.bootstrap import STORAGE_UNAVAILABLE, build_services, create_app
from microblog_server.settings import Settings

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == "/problems/" + code.replace("_", "-")
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["instance"] == f"urn:uuid:{body['request_id']}"
    assert "Traceback" not in response.text
    return body


def test_unknown_path_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_a_405_problem_with_allow(client: TestClient) -> None:
    response = client.put("/api/v1/token", json={})

    assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["allow"]


def test_allow_lists_every_method_of_the_path(client: TestClient) -> None:
    response = client.post("/api/v1/users/dana/collection/1", json={"text": "x"})

    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "DELETE, GET, PATCH, PUT"


def test_batch_is_not_mistaken_for_a_micropost_id(client: TestClient) -> None:
    response = client.put("/api/v1/users/dana/collection/batch", json={"text": "x"})

    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


def test_malformed_json_is_400_bad_request(client: TestClient) -> None:
    response = client.post(
        "/api/v1/users", content=b'{"username": ', headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 400, "bad_request")


@pytest.mark.parametrize("path", ["/api/v1/token", "/api/v1/users"])
def test_json_nested_too_deep_is_400_even_with_an_idempotency_key(
    client: TestClient, path: str
) -> None:
    response = client.post(
        path,
        content=b"[" * 30000,
        headers={"Content-Type": "application/json", "Idempotency-Key": "deep"},
    )

    assert_problem(response, 400, "bad_request")


def test_a_form_body_outside_token_is_415(client: TestClient) -> None:
    response = client.post("/api/v1/users", data={"username": "dana", "password": "x" * 10})

    assert_problem(response, 415, "unsupported_media_type")


def test_a_body_without_content_type_is_415(client: TestClient) -> None:
    response = client.post("/api/v1/users", content=b"{}", headers={"Content-Type": ""})

    assert_problem(response, 415, "unsupported_media_type")


def test_a_declared_body_over_64_kib_is_413_before_reading_it(client: TestClient) -> None:
    response = client.post(
        "/api/v1/users",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(64 * 1024 + 1)},
    )

    assert_problem(response, 413, "payload_too_large")


def test_a_streamed_body_over_64_kib_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(70):
            yield b" " * 1024

    response = client.post(
        "/api/v1/users", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 413, "payload_too_large")


def test_validation_errors_point_into_the_body(client: TestClient) -> None:
    response = client.post("/api/v1/users", json={"username": "x", "password": "short"})

    body = assert_problem(response, 422, "validation_error")
    pointers = {error["pointer"] for error in body["errors"]}
    assert pointers == {"#/username", "#/password"}
    assert body["detail"] == "2 fields are invalid"


def test_query_validation_errors_name_the_parameter(
    client: TestClient, dana: dict[str, str]
) -> None:
    response = client.get("/api/v1/users?size=0", headers=dana)

    body = assert_problem(response, 422, "validation_error")
    assert body["errors"] == [{"detail": body["errors"][0]["detail"], "parameter": "size"}]


def test_a_sane_client_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": "abc-123"})

    assert response.headers["x-request-id"] == "abc-123"


def test_each_request_is_logged_with_its_id_and_no_secrets(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="microblog_server.access"):
        client.post(
            "/api/v1/token?password=in-the-query",
            data={"username": "dana", "password": "Secret-Pass-1"},
            headers={"X-Request-ID": "find-me"},
        )

    (line,) = [r.getMessage() for r in caplog.records if r.name == "microblog_server.access"]
    assert line.startswith("POST /api/v1/token 400 ")
    assert line.endswith("request_id=find-me")
    assert "Secret" not in caplog.text
    assert "in-the-query" not in caplog.text


def test_an_insane_client_request_id_is_replaced_by_a_uuid(client: TestClient) -> None:
    response = client.get("/api/v1/nowhere", headers={"X-Request-ID": "bad id\twith spaces"})

    assert uuid.UUID(response.headers["x-request-id"])
    assert response.json()["request_id"] == response.headers["x-request-id"]


class _Exploding:
    """Users service whose ``get`` has a bug; everything else works."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get(self, username: str) -> None:
        raise RuntimeError("secret internals")


def test_a_bug_is_a_500_that_says_nothing_and_is_logged_with_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings.for_tests()
    services = build_services(settings)
    broken = dataclasses.replace(services, users=cast("Any", _Exploding(services.users)))
    app = create_app(settings, services=broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = _login(client)
        with caplog.at_level(logging.ERROR):
            response = client.get(
                "/api/v1/users/dana", headers={**headers, "X-Request-ID": "req-500"}
            )
    services.close()

    body = assert_problem(response, 500, "internal_error")
    assert "secret internals" not in response.text
    assert body["request_id"] == "req-500"
    assert any("req-500" in record.getMessage() for record in caplog.records)


def _login(client: TestClient) -> dict[str, str]:
    client.post("/api/v1/users", json={"username": "dana", "password": "password123"})
    token = client.post("/api/v1/token", data={"username": "dana", "password": "password123"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


class _Unreachable:
    """Users service whose database does not answer (with ``error``)."""

    def __init__(self, inner: object, error: Exception) -> None:
        self._inner = inner
        self._error = error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get(self, username: str) -> None:
        raise self._error


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT 1", {}, Exception("unable to open database file")),
        PoolTimeoutError("QueuePool limit of size 40 overflow 0 reached, unable to open"),
    ],
    ids=["unreachable", "pool-exhausted"],
)
def test_an_unreachable_database_is_503_with_retry_after(error: Exception) -> None:
    settings = Settings.for_tests()
    services = build_services(settings)
    broken = dataclasses.replace(services, users=cast("Any", _Unreachable(services.users, error)))
    with TestClient(create_app(settings, services=broken)) as client:
        response = client.get("/api/v1/users/dana", headers=_login(client))
    services.close()

    body = assert_problem(response, 503, "unavailable")
    assert "unable to open" not in body["detail"]
    assert response.headers["retry-after"] == "5"


def test_an_unreachable_database_has_one_503_path(client: TestClient) -> None:
    # The edge answers the storage's "unreachable" errors wherever they are raised; an
    # exception handler for them too would be a second path, with its own headers and log.
    handled = set(cast("FastAPI", client.app).exception_handlers)

    assert not handled & set(STORAGE_UNAVAILABLE)
