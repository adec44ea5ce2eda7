"""The middleware chain, without HTTP: order, answers of its own, what it returns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from requests.structures import CaseInsensitiveDict

import microblog
from microblog._middleware import chain


def request() -> microblog.Request:
    return microblog.Request("GET", "http://svc/api/v1/me", CaseInsensitiveDict(), None)


def answer(status: int = 200) -> microblog.RawResponse:
    return microblog.RawResponse(status, {}, b"{}", timedelta(0))


def test_the_first_middleware_is_outermost() -> None:
    seen: list[str] = []

    def named(name: str) -> microblog.Middleware:
        def mw(req: microblog.Request, call_next: microblog.CallNext) -> microblog.RawResponse:
            seen.append(f"{name} in")
            got = call_next(req)
            seen.append(f"{name} out")
            return got

        return mw

    def send(req: microblog.Request) -> microblog.RawResponse:
        seen.append("send")
        return answer()

    chain([named("a"), named("b")], send)(request())

    assert seen == ["a in", "b in", "send", "b out", "a out"]


def test_a_middleware_may_answer_without_sending() -> None:
    def cached(req: microblog.Request, call_next: microblog.CallNext) -> microblog.RawResponse:
        return answer(304)

    def send(req: microblog.Request) -> microblog.RawResponse:
        raise AssertionError("not sent")

    assert chain([cached], send)(request()).status_code == 304


def test_a_middleware_that_returns_something_else_is_named() -> None:
    def broken(req: microblog.Request, call_next: microblog.CallNext) -> microblog.RawResponse:
        return "oops"  # type: ignore[return-value]

    with pytest.raises(TypeError, match=r"not a microblog\.RawResponse"):
        chain([broken], lambda req: answer())(request())


def test_changed_headers_reach_the_sender() -> None:
    def tag(req: microblog.Request, call_next: microblog.CallNext) -> microblog.RawResponse:
        req.headers["X-Tag"] = "1"
        return call_next(req)

    sent: list[str] = []

    def send(req: microblog.Request) -> microblog.RawResponse:
        sent.append(req.headers["X-Tag"])
        return answer()

    chain([tag], send)(request())
    assert sent == ["1"]
