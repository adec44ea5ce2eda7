"""Login, logout and the 401 of every protected endpoint."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from .support import PASSWORD, Api
from .test_errors import assert_problem


def test_login_with_a_form_returns_a_bearer_token_not_cached(client: TestClient, api: Api) -> None:
    api.sign_up("dana")

    response = client.post(
        "/api/v1/token",
        data={"grant_type": "password", "username": "dana", "password": PASSWORD},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert response.headers["cache-control"] == "no-store"


def test_login_accepts_json_too(client: TestClient, api: Api) -> None:
    api.sign_up("dana")

    response = client.post("/api/v1/token", json={"username": "dana", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["access_token"]


def test_a_wrong_password_is_400_invalid_grant(client: TestClient, api: Api) -> None:
    api.sign_up("dana")

    response = client.post("/api/v1/token", data={"username": "dana", "password": "wrong-pw!"})

    body = assert_problem(response, 400, "invalid_grant")
    assert body["error"] == "invalid_grant"


def test_an_unknown_user_is_the_same_400_invalid_grant(client: TestClient) -> None:
    response = client.post("/api/v1/token", data={"username": "nobody", "password": "whatever1"})

    assert_problem(response, 400, "invalid_grant")


def test_a_login_without_password_is_422_with_a_pointer(client: TestClient) -> None:
    response = client.post("/api/v1/token", data={"username": "dana"})

    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["pointer"] == "#/password"


def test_malformed_json_at_token_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/v1/token", content=b"{", headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 400, "bad_request")


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/users", "/api/v1/users/dana", "/api/v1/search?text=abc"]
)
def test_no_token_is_401_with_www_authenticate(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_forged_token_is_401_invalid_token(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"})

    assert_problem(response, 401, "unauthenticated")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_logout_revokes_the_presented_token(client: TestClient, dana: dict[str, str]) -> None:
    assert client.delete("/api/v1/token", headers=dana).status_code == 204

    assert_problem(client.get("/api/v1/me", headers=dana), 401, "unauthenticated")


def test_logout_without_a_token_is_401(client: TestClient) -> None:
    assert_problem(client.delete("/api/v1/token"), 401, "unauthenticated")


def test_passwords_are_never_in_responses_or_logs(
    client: TestClient, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        created = client.post(
            "/api/v1/users", json={"username": "dana", "password": "Very-Secret-9"}
        )
        token = client.post("/api/v1/token", data={"username": "dana", "password": "Very-Secret-9"})
        wrong = client.post("/api/v1/token", data={"username": "dana", "password": "Nope-Secret-9"})

    for response in (created, token, wrong):
        assert "Secret-9" not in response.text
        assert "password" not in response.json()
    assert "Secret-9" not in caplog.text


def _protected_operations() -> list[tuple[str, str]]:
    from microblog_server.bootstrap import create_app  # noqa: PLC0415
    from microblog_server.settings import Settings  # noqa: PLC0415

    app = create_app(Settings.for_tests())
    document = app.openapi()
    app.state.services.close()
    operations = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if operation.get("security"):
                concrete = path.replace("{micropost_id}", "1").replace("{followed}", "jaime")
                operations.append((method.upper(), concrete.replace("{username}", "dana")))
    return operations


@pytest.mark.parametrize(("method", "path"), _protected_operations())
def test_every_protected_operation_is_401_without_a_token(
    client: TestClient, api: Api, method: str, path: str
) -> None:
    api.sign_up("dana")
    body = {"text": "hi", "username": "jaime", "items": [{"text": "hi"}]}

    response = client.request(method, path, json=body if method != "GET" else None)

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")
