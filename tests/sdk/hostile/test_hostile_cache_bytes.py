"""The ETag cache is bounded in bytes too (issue 18): 60 cached 8 MiB users held 512 MiB.

A fake service answers 60 different users, each with an 8 MiB body and an ETag, over
real HTTP on 127.0.0.1; the client's cache never holds more than ``cache_max_bytes``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

import microblog

if TYPE_CHECKING:
    from .conftest import MakeClient, Serve
    from .fake_server import Conn, Received

MIB = 2**20
BIG = "x" * (8 * MIB)


def _big_users(request: Received, conn: Conn) -> None:
    name = request.path.rsplit("/", 1)[-1]
    body = json.dumps({"username": name, "bio": BIG}).encode()
    conn.respond(200, body, {"Content-Type": "application/json", "ETag": f'"{name}"'})


def _held(client: microblog.Client) -> int:
    cache = client._transport.cache
    assert cache is not None
    return cache.nbytes


def test_sixty_8_mib_users_hold_no_more_than_the_bound(
    serve: Serve, make_client: MakeClient
) -> None:
    server = serve(_big_users)
    client = make_client(server.url, cache_max_bytes=16 * MIB)

    for number in range(60):
        assert len(client.users.get(f"u{number}").bio or "") == len(BIG)
        assert _held(client) <= 16 * MIB
    assert _held(client) > 8 * MIB  # the latest user is cached: bounded, not off


def test_the_default_byte_bound_is_16_mib_and_none_without_a_cache() -> None:
    assert microblog.Client("http://127.0.0.1:1").cache_max_bytes == 16 * MIB
    assert microblog.Client("http://127.0.0.1:1", cache=False).cache_max_bytes is None


def test_a_body_larger_than_the_bound_is_not_cached(serve: Serve, make_client: MakeClient) -> None:
    server = serve(_big_users)
    client = make_client(server.url, cache_max_bytes=4 * MIB)

    client.users.get("u1")
    client.users.get("u1")

    assert _held(client) == 0
    assert all(r.header("If-None-Match") is None for r in server.received)


@pytest.mark.parametrize("bad", [0, -1])
def test_a_cache_bound_below_one_byte_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="cache_max_bytes"):
        microblog.Client("http://127.0.0.1:1", cache_max_bytes=bad)


def test_a_cache_bound_that_is_not_an_int_is_refused() -> None:
    with pytest.raises(TypeError, match="cache_max_bytes"):
        microblog.Client("http://127.0.0.1:1", cache_max_bytes=1.5)  # type: ignore[arg-type]


def test_a_per_user_copy_never_revalidates_with_another_users_cached_etag(
    serve: Serve, make_client: MakeClient
) -> None:
    server = serve(lambda r, c: c.respond(200, {"username": "dana"}, {"ETag": '"seen-by-a"'}))
    as_a = make_client(server.url, token="token-a")
    as_b = as_a.with_options(token="token-b")

    as_a.users.get("dana")
    as_b.users.get("dana")
    as_a.users.get("dana")

    sent = [(r.header("Authorization"), r.header("If-None-Match")) for r in server.received]
    assert sent == [
        ("Bearer token-a", None),
        ("Bearer token-b", None),
        ("Bearer token-a", '"seen-by-a"'),
    ]
    assert as_b.session is as_a.session
    assert as_b.cache_max_bytes == as_a.cache_max_bytes
