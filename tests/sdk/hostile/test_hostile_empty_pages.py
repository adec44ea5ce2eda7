"""A server whose pages keep coming back empty, each with a fresh next link (issue 18).

Before 0.3 ``list(client.users.list(limit=5))`` never ended against it: ``limit=`` counts
items, and no item ever came. Now a few empty pages in a row end the walk with
``PaginationError``, ``limit=`` or not, after a handful of requests.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest

import microblog

if TYPE_CHECKING:
    from .conftest import MakeClient, Serve
    from .fake_server import Conn, Handler, Received


GIVE_UP = 50  # the fake ends the listing here, so an SDK without the guard fails, not hangs


def _empty_pages_for_ever() -> Handler:
    fresh = itertools.count()

    def handler(request: Received, conn: Conn) -> None:
        number = next(fresh)
        link = f"/api/v1/users?cursor=c{number}" if number < GIVE_UP else None
        conn.respond(200, {"result": [], "next": link, "previous": None})

    return handler


@pytest.mark.parametrize("limit", [5, None])
def test_empty_pages_with_fresh_next_links_end_in_a_pagination_error(
    serve: Serve, make_client: MakeClient, limit: int | None
) -> None:
    server = serve(_empty_pages_for_ever())
    client = make_client(server.url)

    with pytest.raises(microblog.PaginationError, match="empty pages") as raised:
        list(client.users.list(limit=limit))

    assert isinstance(raised.value, microblog.MicroblogError)
    assert len(server.received) <= 5


def test_empty_pages_end_the_pages_walk_too(serve: Serve, make_client: MakeClient) -> None:
    server = serve(_empty_pages_for_ever())
    client = make_client(server.url)

    with pytest.raises(microblog.PaginationError):
        for _ in client.users.list().pages():
            pass

    assert len(server.received) <= 5
