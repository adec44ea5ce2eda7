"""How the site reads forms: small bodies only, and back-links that stay on the site."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from microblog_web import build_app
from microblog_web.site import _small_body, safe_next

from .web_support import SECRET

if TYPE_CHECKING:
    from starlette.types import Message


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "/\\evil.example", "/\t/evil.example", "https://evil.example/", "", "x"],
)
def test_a_back_link_that_could_leave_the_site_is_replaced(target: str) -> None:
    assert safe_next(target, "/users/dana") == "/users/dana"


@pytest.mark.parametrize("target", ["/", "/users/dana", "/users/dana_2/followers"])
def test_a_back_link_to_one_of_the_sites_pages_is_kept(target: str) -> None:
    assert safe_next(target, "/elsewhere") == target


def test_a_form_body_larger_than_any_form_is_refused_unread() -> None:
    with TestClient(build_app("http://127.0.0.1:9", secret=SECRET)) as client:
        client.get("/login")
        answer = client.post("/login", content=b"a=" + b"x" * 70_000)

    assert answer.status_code == 413


def test_a_content_length_of_digits_outside_ascii_is_read_as_no_length() -> None:
    # "²" (latin-1 0xB2) is a digit to str.isdigit() but not to int(): the body is read,
    # bounded, as without a length, never a 500 from int().
    async def receive() -> Message:
        return {"type": "http.request", "body": b"a=" + b"x" * 70_000, "more_body": False}

    scope = {"type": "http", "method": "POST", "headers": [(b"content-length", b"\xb2")]}

    with ThreadPoolExecutor(1) as thread:  # its own event loop, whatever runs in this one
        body = thread.submit(asyncio.run, _small_body(Request(scope, receive))).result()

    assert body is None
