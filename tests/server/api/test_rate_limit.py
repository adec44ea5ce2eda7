"""Rate limits: RateLimit headers on every /api response, 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microblog_server.api.limiter import FallbackLimiter
from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

from .support import Api
from .test_errors import assert_problem


@pytest.fixture
def limited() -> Iterator[TestClient]:
    settings = Settings.for_tests(
        rate_limit="3/60", rate_limit_anonymous="2/60", rate_limit_login="2/60"
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_every_api_response_carries_ratelimit_headers(limited: TestClient) -> None:
    response = limited.get("/api/v1/nowhere")

    assert response.headers["ratelimit-policy"] == '"default";q=2;w=60'
    remaining, reset = response.headers["ratelimit"].removeprefix('"default";').split(";")
    assert remaining == "r=1"
    assert 0 <= int(reset.removeprefix("t=")) <= 60


def test_anonymous_callers_get_429_with_retry_after_over_the_quota(limited: TestClient) -> None:
    for _ in range(2):
        limited.get("/api/v1/me")

    response = limited.get("/api/v1/me")

    assert_problem(response, 429, "rate_limited")
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert response.headers["ratelimit"].startswith('"default";r=0;')


def test_authenticated_users_have_their_own_quota(limited: TestClient) -> None:
    Api(limited).client.post("/api/v1/users", json={"username": "dana", "password": "password1"})
    token = limited.post("/api/v1/token", data={"username": "dana", "password": "password1"})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    statuses = [limited.get("/api/v1/me", headers=headers).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert limited.get("/api/v1/me", headers=headers).headers["ratelimit-policy"] == (
        '"default";q=3;w=60'
    )


def test_logins_are_limited_per_address(limited: TestClient) -> None:
    form = {"username": "nobody", "password": "whatever1"}
    statuses = [limited.post("/api/v1/token", data=form).status_code for _ in range(3)]

    assert statuses == [400, 400, 429]


def test_health_is_never_limited(limited: TestClient) -> None:
    responses = [limited.get("/health") for _ in range(5)]

    assert {response.status_code for response in responses} == {200}
    assert "ratelimit" not in responses[-1].headers


def test_with_limits_off_there_are_no_ratelimit_headers(client: TestClient) -> None:
    assert "ratelimit" not in client.get("/api/v1/nowhere").headers


def test_one_limiter_serves_every_quota_of_an_app(monkeypatch: pytest.MonkeyPatch) -> None:
    # One storage, one limiter: one Redis connection pool and one outage state per app,
    # shared by the request quotas and the failed-login budget.
    made: list[FallbackLimiter] = []
    init = FallbackLimiter.__init__

    def counted(self: FallbackLimiter, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(FallbackLimiter, "__init__", counted)
    settings = Settings.for_tests(rate_limit="3/60", rate_limit_login_account="5/60")
    with TestClient(create_app(settings)) as client:
        client.get("/api/v1/nowhere")  # builds the middleware stack

    assert len(made) == 1
