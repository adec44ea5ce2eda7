"""Log records carry their fields as attributes (for JSON formatters), over real HTTP."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import pytest

import microblog

from .conftest import PASSWORD, no_wait

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from microblog.testing import LocalServer

FIELDS = ("method", "url_template", "status", "elapsed_ms", "attempt", "request_id")
# Every route of design/api.md the SDK calls, as its template.
TEMPLATES = {
    "/api/v1/token",
    "/api/v1/me",
    "/api/v1/users",
    "/api/v1/users/{username}",
    "/api/v1/users/{username}/collection",
    "/api/v1/users/{username}/collection/batch",
    "/api/v1/users/{username}/collection/{id}",
    "/api/v1/users/{username}/timeline",
    "/api/v1/users/{username}/following",
    "/api/v1/users/{username}/following/{followed}",
    "/api/v1/users/{username}/followers",
    "/api/v1/microposts/{id}",
    "/api/v1/search",
}


@pytest.fixture(autouse=True)
def no_faults_left(faults_cleared: None) -> None:
    """Every test here leaves no fault behind."""


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG, logger="microblog"):
        yield caplog


def attempts(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.levelno == logging.DEBUG and r.name == "microblog"]


def test_an_attempt_record_carries_its_fields(
    server: LocalServer,
    make_client: Callable[[], microblog.Client],
    logs: pytest.LogCaptureFixture,
) -> None:
    client = make_client()
    post = client.microposts.create("logged")
    logs.clear()

    client.microposts.get(post.id)

    (record,) = attempts(logs.records)
    assert record.method == "GET"  # type: ignore[attr-defined]
    assert record.url_template == "/api/v1/microposts/{id}"  # type: ignore[attr-defined]
    assert record.status == 200  # type: ignore[attr-defined]
    assert isinstance(record.elapsed_ms, float)  # type: ignore[attr-defined]
    assert record.attempt == 1  # type: ignore[attr-defined]
    assert re.fullmatch(r"[0-9a-f-]{36}", record.request_id)  # type: ignore[attr-defined]


def test_a_retry_record_and_each_attempt_carry_the_fields(
    server: LocalServer, logs: pytest.LogCaptureFixture, new_username: Callable[[], str]
) -> None:
    username, password = server.create_user(new_username(), password=PASSWORD)
    token = server.token_for(username, password)
    server.inject(503, times=1, method="GET", path=f"/api/v1/users/{username}")
    with microblog.Client(server.url, token=token, sleep=no_wait) as client:
        client.users.get(username)

    tries = attempts(logs.records)
    assert [(r.status, r.attempt) for r in tries] == [(503, 1), (200, 2)]  # type: ignore[attr-defined]
    (retry,) = [r for r in logs.records if r.levelno == logging.INFO]
    for name in FIELDS:
        assert hasattr(retry, name), name
    assert retry.url_template == "/api/v1/users/{username}"  # type: ignore[attr-defined]
    assert retry.status == 503  # type: ignore[attr-defined]
    assert retry.attempt == 1  # type: ignore[attr-defined]
    assert retry.request_id == tries[0].request_id == tries[1].request_id  # type: ignore[attr-defined]


def test_an_unanswered_attempt_has_no_status_and_says_why(
    server: LocalServer, logs: pytest.LogCaptureFixture, new_username: Callable[[], str]
) -> None:
    token = server.token_for(*server.create_user(new_username(), password=PASSWORD))
    server.inject(drop="before", times=1, method="GET", path="/api/v1/me")

    with microblog.Client(server.url, token=token, sleep=no_wait) as client:
        client.me()

    first = attempts(logs.records)[0]
    assert first.status is None  # type: ignore[attr-defined]
    assert first.failure in {"lost", "connect"}  # type: ignore[attr-defined]
    assert first.url_template == "/api/v1/me"  # type: ignore[attr-defined]


def test_every_call_of_the_sdk_names_a_template_never_a_raw_path_nor_a_secret(
    server: LocalServer, logs: pytest.LogCaptureFixture, new_username: Callable[[], str]
) -> None:
    username, password = server.create_user(new_username(), password=PASSWORD)
    other, _ = server.create_user(new_username(), password=PASSWORD)
    tokens: list[str] = []
    hooks = microblog.Hooks(on_new_token=tokens.append)
    with microblog.Client(server.url, username=username, password=password, hooks=hooks) as client:
        me = client.me()
        post = client.microposts.create("every route")
        client.microposts.create_many(["one", "two"])
        client.microposts.get(post.id).refresh()
        post.text = "edited"
        post.save()
        list(client.microposts.list(limit=1))
        list(client.microposts.search("every"))
        list(client.timeline(limit=1))
        client.users.get(other).follow()
        list(me.following())
        list(me.followers())
        list(client.users.list(limit=1))
        me.unfollow(other)
        post.delete()
        client.logout()

    templates = {r.url_template for r in attempts(logs.records)}  # type: ignore[attr-defined]
    assert templates <= TEMPLATES
    assert len(templates) >= 12
    secrets = {password, *tokens}
    assert tokens
    for record in logs.records:
        for value in vars(record).values():
            assert not any(s and s in str(value) for s in secrets)
