"""Idempotency-Key on POST: replay, in progress, reused with another payload."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from fastapi.testclient import TestClient

from microblog_server.api.idempotency import fingerprint, fingerprint_key
from microblog_server.bootstrap import build_services, create_app
from microblog_server.settings import Settings

from .test_errors import assert_problem

COLLECTION = "/api/v1/users/dana/collection"


def test_a_retry_with_the_same_key_replays_the_first_response(
    client: TestClient, dana: dict[str, str]
) -> None:
    headers = {**dana, "Idempotency-Key": "key-1"}
    first = client.post(COLLECTION, json={"text": "once"}, headers=headers)

    again = client.post(COLLECTION, json={"text": "once"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert len(client.get(COLLECTION, headers=dana).json()["result"]) == 1


def test_a_quoted_key_is_the_same_key(client: TestClient, dana: dict[str, str]) -> None:
    client.post(COLLECTION, json={"text": "once"}, headers={**dana, "Idempotency-Key": "k"})

    again = client.post(
        COLLECTION, json={"text": "once"}, headers={**dana, "Idempotency-Key": '"k"'}
    )

    assert again.headers["idempotent-replayed"] == "true"


def test_the_same_key_with_another_payload_is_422(client: TestClient, dana: dict[str, str]) -> None:
    headers = {**dana, "Idempotency-Key": "key-1"}
    client.post(COLLECTION, json={"text": "once"}, headers=headers)

    response = client.post(COLLECTION, json={"text": "other"}, headers=headers)

    assert_problem(response, 422, "idempotency_key_reused")


def test_the_same_key_while_the_first_runs_is_409(client: TestClient, dana: dict[str, str]) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    request = {"method": "POST", "path": COLLECTION, "query_string": b""}
    # dana is the first user of a fresh database: her scope is user:1
    key = fingerprint_key(Settings.for_tests().resolved_secret_key())  # the client's app's
    services.idempotency.begin("user:1", "running", fingerprint(request, b'{"text":"once"}', key))

    response = client.post(
        COLLECTION, json={"text": "once"}, headers={**dana, "Idempotency-Key": "running"}
    )

    assert_problem(response, 409, "idempotency_in_progress")
    assert response.headers["Retry-After"] == "1"


def test_keys_are_scoped_per_caller(
    client: TestClient, dana: dict[str, str], jaime: dict[str, str]
) -> None:
    client.post(COLLECTION, json={"text": "hi"}, headers={**dana, "Idempotency-Key": "same"})

    theirs = client.post(
        "/api/v1/users/jaime/collection",
        json={"text": "hi"},
        headers={**jaime, "Idempotency-Key": "same"},
    )

    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers


def test_a_4xx_is_stored_and_replayed_too(client: TestClient, dana: dict[str, str]) -> None:
    headers = {**dana, "Idempotency-Key": "k4"}
    first = client.post("/api/v1/users/nobody/collection", json={"text": "x"}, headers=headers)

    again = client.post("/api/v1/users/nobody/collection", json={"text": "x"}, headers=headers)

    assert first.status_code == again.status_code == 404
    assert again.headers["idempotent-replayed"] == "true"


def test_an_invalid_key_is_400(client: TestClient, dana: dict[str, str]) -> None:
    response = client.post(
        COLLECTION, json={"text": "x"}, headers={**dana, "Idempotency-Key": "x" * 256}
    )

    assert_problem(response, 400, "bad_request")


def test_token_requests_are_never_replayed(client: TestClient, dana: dict[str, str]) -> None:
    form = {"username": "dana", "password": "wrong-password"}
    client.post("/api/v1/token", data=form, headers={"Idempotency-Key": "t"})

    response = client.post(
        "/api/v1/token",
        data={"username": "dana", "password": "correct horse battery"},
        headers={"Idempotency-Key": "t"},
    )

    assert response.status_code == 200


class _FailingOnce:
    """Microposts service whose first ``create`` fails with a bug."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def create(self, *args: Any, **kwargs: Any) -> Any:
        if not self.failed:
            self.failed = True
            raise RuntimeError("first attempt breaks")
        return self._inner.create(*args, **kwargs)  # type: ignore[attr-defined]


def test_a_5xx_is_not_stored_so_a_retry_runs_again() -> None:
    settings = Settings.for_tests()
    services = build_services(settings)
    flaky = _FailingOnce(services.microposts)
    app = create_app(
        settings, services=dataclasses.replace(services, microposts=cast("Any", flaky))
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        client.post("/api/v1/users", json={"username": "dana", "password": "password1"})
        token = client.post("/api/v1/token", data={"username": "dana", "password": "password1"})
        headers = {
            "Authorization": f"Bearer {token.json()['access_token']}",
            "Idempotency-Key": "retry-me",
        }

        first = client.post(COLLECTION, json={"text": "hi"}, headers=headers)
        second = client.post(COLLECTION, json={"text": "hi"}, headers=headers)
    services.close()

    assert first.status_code == 500
    assert second.status_code == 201
    assert "idempotent-replayed" not in second.headers


class _WritesThenFails:
    """Stores the micropost, then fails the request (the first time only)."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.failed = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def create(self, *args: object, **kwargs: object) -> object:
        post = self._inner.create(*args, **kwargs)  # type: ignore[attr-defined]
        if not self.failed:
            self.failed = True
            raise RuntimeError("fails after the write")
        return post


def test_a_5xx_after_the_write_keeps_no_write_so_the_retry_stores_it_once() -> None:
    settings = Settings.for_tests()
    services = build_services(settings)
    flaky = _WritesThenFails(services.microposts)
    app = create_app(
        settings, services=dataclasses.replace(services, microposts=cast("Any", flaky))
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        client.post("/api/v1/users", json={"username": "dana", "password": "password1"})
        token = client.post("/api/v1/token", data={"username": "dana", "password": "password1"})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        headers = {**auth, "Idempotency-Key": "write-then-fail"}

        first = client.post(COLLECTION, json={"text": "hi"}, headers=headers)
        second = client.post(COLLECTION, json={"text": "hi"}, headers=headers)
        stored = client.get(COLLECTION, headers=auth).json()["result"]
    services.close()

    assert (first.status_code, second.status_code) == (500, 201)
    assert [post["text"] for post in stored] == ["hi"]
