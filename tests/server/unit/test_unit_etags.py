"""The two parts of an ETag: If-Match reads the version, If-None-Match the whole tag."""

from __future__ import annotations

import pytest

from microblog_server.api.etags import compute_etag, expected_versions, if_none_match_hits


def test_an_etag_carries_the_version_and_moves_with_the_representation() -> None:
    first = compute_etag("user", 1, 3, b'{"followers_count":0}')
    second = compute_etag("user", 1, 3, b'{"followers_count":1}')

    assert first.startswith('"3-')
    assert second.startswith('"3-')
    assert first != second


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        (None, None),
        ("*", None),
        ('"3-abc"', {3}),
        ('"3-abc", "4-def"', {3, 4}),
        ('W/"3-abc"', set()),  # If-Match compares strongly: a weak tag matches nothing
        ('"0123456789abcdef"', set()),  # a tag without a version part (0.1's format)
        ("garbage", set()),
    ],
)
def test_if_match_is_read_as_the_versions_the_client_accepts(
    header: str | None, versions: set[int] | None
) -> None:
    assert expected_versions(header) == versions


def test_if_none_match_compares_the_whole_tag() -> None:
    etag = compute_etag("user", 1, 3, b'{"followers_count":1}')
    stale = compute_etag("user", 1, 3, b'{"followers_count":0}')

    assert if_none_match_hits(f"W/{etag}", etag)
    assert not if_none_match_hits(stale, etag)
