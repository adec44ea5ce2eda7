"""The ETag cache: revalidation with If-None-Match, 304 served from memory, bounded LRU."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from microblog._cache import CachedResponse, ETagCache

from .engine_support import BASE, MakeClient

if TYPE_CHECKING:
    import responses

URL = f"{BASE}/api/v1/users/dana"


def test_a_304_is_served_from_the_cache(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={"username": "dana"}, headers={"ETag": '"v1"'})
    mock.add("GET", URL, status=304, headers={"ETag": '"v1"'})
    client = make_client()

    first = client._request("GET", "/api/v1/users/dana")
    second = client._request("GET", "/api/v1/users/dana")

    assert "If-None-Match" not in mock.calls[0].request.headers
    assert mock.calls[1].request.headers["If-None-Match"] == '"v1"'
    assert (second.status_code, second.data, second.etag) == (200, {"username": "dana"}, '"v1"')
    assert second.request_id != first.request_id


def test_a_changed_resource_replaces_the_cached_copy(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={"bio": "old"}, headers={"ETag": '"v1"'})
    mock.add("GET", URL, json={"bio": "new"}, headers={"ETag": '"v2"'})
    mock.add("GET", URL, status=304)
    client = make_client()

    client._request("GET", "/api/v1/users/dana")
    assert client._request("GET", "/api/v1/users/dana").data == {"bio": "new"}
    assert client._request("GET", "/api/v1/users/dana").data == {"bio": "new"}
    assert mock.calls[2].request.headers["If-None-Match"] == '"v2"'


def test_mutating_a_decoded_body_cannot_corrupt_the_cache(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={"bio": "kept"}, headers={"ETag": '"v1"'})
    mock.add("GET", URL, status=304)
    client = make_client()

    client._request("GET", "/api/v1/users/dana").data["bio"] = "scribbled"

    assert client._request("GET", "/api/v1/users/dana").data == {"bio": "kept"}


def test_a_write_to_the_url_drops_its_entry(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={}, headers={"ETag": '"v1"'})
    mock.add("PATCH", URL, json={}, headers={"ETag": '"v2"'})
    client = make_client()

    client._request("GET", "/api/v1/users/dana")
    client._request("PATCH", "/api/v1/users/dana", json={"bio": "x"}, if_match='"v1"')
    client._request("GET", "/api/v1/users/dana")

    assert mock.calls[1].request.headers["If-Match"] == '"v1"'
    assert "If-None-Match" not in mock.calls[2].request.headers


def test_a_200_without_etag_drops_the_entry(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={}, headers={"ETag": '"v1"'})
    mock.add("GET", URL, json={})
    client = make_client()

    for _ in range(3):
        client._request("GET", "/api/v1/users/dana")

    assert "If-None-Match" not in mock.calls[2].request.headers


def test_cache_false_never_revalidates(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={}, headers={"ETag": '"v1"'})
    client = make_client(cache=False)

    client._request("GET", "/api/v1/users/dana")
    client._request("GET", "/api/v1/users/dana")

    assert "If-None-Match" not in mock.calls[1].request.headers


def test_query_strings_are_part_of_the_key(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", f"{BASE}/api/v1/users", json={}, headers={"ETag": '"p"'})
    client = make_client()

    client._request("GET", "/api/v1/users", params={"q": "bo", "cursor": None})
    client._request("GET", "/api/v1/users", params={"q": "da"})

    assert mock.calls[0].request.url == f"{BASE}/api/v1/users?q=bo"
    assert "If-None-Match" not in mock.calls[1].request.headers


def test_the_lru_keeps_only_the_most_recently_used() -> None:
    cache = ETagCache(max_entries=2)
    entry = CachedResponse('"e"', b"{}", {})
    cache.put("a", entry)
    cache.put("b", entry)
    assert cache.get("a") is entry  # "a" is now the most recent

    cache.put("c", entry)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (entry, None, entry)
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0


def test_an_empty_cache_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ETagCache(max_entries=0)


def test_the_cache_evicts_the_least_recently_used_past_its_byte_bound() -> None:
    cache = ETagCache(max_entries=100, max_bytes=1000)
    body = b"x" * 400
    for key in "abc":
        cache.put(key, CachedResponse('"e"', body, {}))

    assert cache.get("a") is None
    assert cache.get("b") is not None
    assert cache.get("c") is not None
    assert 800 <= cache.nbytes <= 1000


def test_an_entry_larger_than_the_byte_bound_is_dropped_not_kept() -> None:
    cache = ETagCache(max_bytes=100)
    cache.put("a", CachedResponse('"1"', b"{}", {}))

    cache.put("a", CachedResponse('"2"', b"y" * 200, {}))

    assert cache.get("a") is None
    assert cache.nbytes == 0


def test_replacing_and_discarding_entries_keeps_the_byte_count_exact() -> None:
    cache = ETagCache(max_bytes=10_000)
    cache.put("a", CachedResponse('"1"', b"x" * 100, {"ETag": '"1"'}))
    first = cache.nbytes
    cache.put("a", CachedResponse('"2"', b"x" * 300, {"ETag": '"2"'}))
    assert cache.nbytes == first + 200

    cache.discard("a")
    assert cache.nbytes == 0
    cache.put("b", CachedResponse('"1"', b"x", {}))
    cache.clear()
    assert cache.nbytes == 0


def test_an_empty_byte_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one byte"):
        ETagCache(max_bytes=0)
