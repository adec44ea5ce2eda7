"""Middleware (``Client(middleware=[...])``) over real HTTP against the local service."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

import pytest

import microblog

from .conftest import PASSWORD, no_wait

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog.testing import LocalServer


class Recorder:
    """A middleware that records what it saw and passes everything on."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log
        self.requests: list[microblog.Request] = []
        self.headers: list[dict[str, str]] = []
        self.statuses: list[int] = []
        self.errors: list[BaseException] = []

    def __call__(
        self,
        request: microblog.Request,
        call_next: Callable[[microblog.Request], microblog.RawResponse],
    ) -> microblog.RawResponse:
        self.log.append(f"{self.name} in")
        self.requests.append(request)
        self.headers.append(dict(request.headers))
        try:
            response = call_next(request)
        except microblog.MicroblogError as error:
            self.errors.append(error)
            raise
        self.statuses.append(response.status_code)
        self.log.append(f"{self.name} out")
        return response


@pytest.fixture(autouse=True)
def no_faults_left(faults_cleared: None) -> None:
    """Every test here leaves no fault behind."""


@pytest.fixture
def user(server: LocalServer, new_username: Callable[[], str]) -> tuple[str, str]:
    return server.create_user(new_username(), password=PASSWORD)


@pytest.fixture
def token(server: LocalServer, user: tuple[str, str]) -> str:
    return server.token_for(*user)


def test_middleware_run_outermost_first_and_see_auth(server: LocalServer, token: str) -> None:
    log: list[str] = []
    outer, inner = Recorder("outer", log), Recorder("inner", log)
    with microblog.Client(server.url, token=token, middleware=[outer, inner]) as client:
        me = client.me()

    assert log == ["outer in", "inner in", "inner out", "outer out"]
    seen = inner.requests[0]
    assert seen.method == "GET"
    assert seen.url == f"{server.url}/api/v1/me"
    assert seen.content is None
    assert inner.headers[0]["Authorization"] == f"Bearer {token}"
    assert inner.headers[0]["X-Request-ID"]
    assert inner.statuses == [200]
    assert me.username


def test_middleware_sees_every_retry_with_the_same_keys(server: LocalServer, token: str) -> None:
    seen = Recorder("seen", [])
    server.inject(503, times=2, method="POST", path="/api/v1/users/")
    with microblog.Client(server.url, token=token, middleware=[seen], sleep=no_wait) as client:
        post = client.microposts.create("through the middleware")

    posts = [i for i, request in enumerate(seen.requests) if request.method == "POST"]
    assert [seen.statuses[i] for i in posts] == [503, 503, 201]
    assert len({seen.headers[i]["Idempotency-Key"] for i in posts}) == 1
    assert len({seen.headers[i]["X-Request-ID"] for i in posts}) == 1
    assert b"through the middleware" in (seen.requests[posts[0]].content or b"")
    assert post.text == "through the middleware"


def test_a_lost_answer_reaches_middleware_as_the_public_error(
    server: LocalServer, token: str
) -> None:
    watch = Recorder("watch", [])
    errors = watch.errors
    server.inject(drop="before", times=1, method="GET", path="/api/v1/me")
    with microblog.Client(server.url, token=token, middleware=[watch], sleep=no_wait) as client:
        client.me()  # retried: the GET was never answered

    assert len(errors) == 1
    assert isinstance(errors[0], microblog.APIConnectionError)


def test_the_last_unanswered_attempt_raises_the_error_the_middleware_saw(
    server: LocalServer, token: str
) -> None:
    watch = Recorder("watch", [])
    errors = watch.errors
    server.inject(drop="before", times=None, method="GET", path="/api/v1/me")
    with microblog.Client(
        server.url, token=token, middleware=[watch], sleep=no_wait, max_retries=1
    ) as client:
        with pytest.raises(microblog.APIConnectionError) as raised:
            client.me()

    assert len(errors) == 2
    assert raised.value is errors[-1]


def test_a_middleware_may_add_headers_the_service_receives(server: LocalServer, token: str) -> None:
    def tag(
        request: microblog.Request,
        call_next: Callable[[microblog.Request], microblog.RawResponse],
    ) -> microblog.RawResponse:
        request.headers["X-Request-ID"] = "chosen-by-the-app"
        return call_next(request)

    with microblog.Client(server.url, token=token, middleware=[tag]) as client:
        response = client._request("GET", "/api/v1/me")

    assert response.headers["X-Request-ID"] == "chosen-by-the-app"  # echoed by the service


def test_a_middleware_may_replace_the_body_and_the_header_list(
    server: LocalServer, token: str
) -> None:
    def rewrite(
        request: microblog.Request,
        call_next: Callable[[microblog.Request], microblog.RawResponse],
    ) -> microblog.RawResponse:
        if request.method == "POST":
            request.content = (request.content or b"").replace(b"draft", b"final version")
            request.headers = {**request.headers, "X-Extra": "1"}
        return call_next(request)

    with microblog.Client(server.url, token=token, middleware=[rewrite]) as client:
        post = client.microposts.create("draft")

    assert post.text == "final version"  # Content-Length followed the longer body


def test_a_middleware_may_answer_without_sending(server: LocalServer, token: str) -> None:
    seen = Recorder("seen", [])

    def fake(
        request: microblog.Request,
        call_next: Callable[[microblog.Request], microblog.RawResponse],
    ) -> microblog.RawResponse:
        if request.url.endswith("/api/v1/microposts/424242"):
            body = b'{"id": 424242, "user": "nobody", "text": "made up"}'
            return microblog.RawResponse(
                200, {"Content-Type": "application/json"}, body, datetime.timedelta(0)
            )
        return call_next(request)

    with microblog.Client(server.url, token=token, middleware=[fake, seen]) as client:
        post = client.microposts.get(424242)
        with pytest.raises(microblog.NotFoundError):
            client.microposts.get(424243)

    assert post.text == "made up"
    assert [r.url.rsplit("/", 1)[-1] for r in seen.requests] == ["424243"]


def test_a_made_up_error_answer_is_mapped_like_the_services(
    server: LocalServer, token: str
) -> None:
    def refuse(
        request: microblog.Request,
        call_next: Callable[[microblog.Request], microblog.RawResponse],
    ) -> microblog.RawResponse:
        return microblog.RawResponse(403, {}, b"", datetime.timedelta(0))

    with microblog.Client(server.url, token=token, middleware=[refuse]) as client:
        with pytest.raises(microblog.PermissionDeniedError) as raised:
            client.me()

    assert raised.value.status_code == 403


def test_what_a_middleware_raises_reaches_the_caller_unchanged(
    server: LocalServer, token: str
) -> None:
    class RefusedError(Exception):
        pass

    calls: list[int] = []

    def boom(
        request: microblog.Request,
        call_next: Callable[[microblog.Request], microblog.RawResponse],
    ) -> microblog.RawResponse:
        calls.append(1)
        raise RefusedError("no")

    with microblog.Client(server.url, token=token, middleware=[boom], sleep=no_wait) as client:
        with pytest.raises(RefusedError):
            client.me()
        with pytest.raises(microblog.APIConnectionError, match="mine"):
            client.with_options(
                middleware=[
                    lambda request, call_next: (_ for _ in ()).throw(
                        microblog.APIConnectionError("mine")
                    )
                ]
            ).me()

    assert calls == [1]  # not retried


def test_a_middleware_returning_something_else_is_a_type_error(
    server: LocalServer, token: str
) -> None:
    with microblog.Client(
        server.url,
        token=token,
        middleware=[lambda request, call_next: None],  # type: ignore[list-item]
    ) as client:
        with pytest.raises(TypeError, match="RawResponse"):
            client.me()


def test_with_options_replaces_the_middleware_and_the_original_keeps_its_own(
    server: LocalServer, token: str
) -> None:
    log: list[str] = []
    first, second = Recorder("first", log), Recorder("second", log)
    with microblog.Client(server.url, token=token, middleware=[first]) as client:
        client.with_options(middleware=[second]).me()
        client.with_options(middleware=[]).me()
        client.with_options(timeout=5).me()
        client.me()

    assert log == ["second in", "second out", "first in", "first out", "first in", "first out"]


def test_middleware_must_be_a_list_of_callables(server: LocalServer) -> None:
    with pytest.raises(TypeError, match="list"):
        microblog.Client(server.url, token="t", middleware=Recorder("x", []))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="callables"):
        microblog.Client(server.url, token="t", middleware=["nope"])  # type: ignore[list-item]


def test_a_login_goes_through_the_middleware_too_and_reprs_hide_secrets(
    server: LocalServer, user: tuple[str, str]
) -> None:
    seen = Recorder("seen", [])
    username, password = user
    with microblog.Client(
        server.url, username=username, password=password, middleware=[seen]
    ) as client:
        client.me()

    login, me = seen.requests
    assert login.url.endswith("/api/v1/token")
    assert password not in repr(login)
    assert "Authorization" in repr(me)
    assert seen.headers[1]["Authorization"] not in repr(me)
    assert "bytes" in repr(microblog.RawResponse(200, {}, b"{}", datetime.timedelta(0)))


def test_a_raising_hook_still_does_not_break_a_call_with_middleware(
    server: LocalServer, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_: object) -> None:
        raise RuntimeError("hook bug")

    server.inject(503, times=1, method="GET", path="/api/v1/me")
    with (
        caplog.at_level(logging.WARNING, logger="microblog"),
        microblog.Client(
            server.url,
            token=token,
            middleware=[Recorder("seen", [])],
            hooks=microblog.Hooks(on_retry=broken),
            sleep=no_wait,
        ) as client,
    ):
        assert client.me().username

    assert "hook" in caplog.text
