"""A busy service says when to come back: ``ServerError.retry_after`` (issue 18).

What a web app on the SDK needs for "The service is busy: try again in N seconds"
(design/web.md) once the client's own retries are spent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import microblog

if TYPE_CHECKING:
    from .conftest import MakeClient, Serve


def _problem(status: int, code: str, detail: str) -> dict[str, object]:
    return {"type": "about:blank", "title": code, "status": status, "code": code, "detail": detail}


def test_a_503_with_retry_after_says_when_to_retry(serve: Serve, make_client: MakeClient) -> None:
    server = serve(
        lambda r, c: c.respond(503, _problem(503, "unavailable", "busy"), {"Retry-After": "7"})
    )
    client = make_client(server.url, max_retries=0)

    with pytest.raises(microblog.ServerError) as raised:
        client.users.get("dana")

    assert raised.value.retry_after == 7.0


def test_a_500_without_retry_after_has_none(serve: Serve, make_client: MakeClient) -> None:
    server = serve(lambda r, c: c.respond(500, _problem(500, "internal_error", "oops")))
    client = make_client(server.url, max_retries=0)

    with pytest.raises(microblog.ServerError) as raised:
        client.users.get("dana")

    assert raised.value.retry_after is None
