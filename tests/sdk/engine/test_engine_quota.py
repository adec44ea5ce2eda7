"""``client.quota``: the service's last announced rate limit, as a value."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

import microblog

from .engine_support import BASE, FakeTime, MakeClient, problem

if TYPE_CHECKING:
    import responses

URL = f"{BASE}/api/v1/me"
POLICY = {"RateLimit-Policy": '"default";q=300;w=60', "RateLimit": '"default";r=12;t=41'}


def test_there_is_no_quota_before_a_response_announced_one(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={})
    client = make_client()
    assert client.quota is None

    client._request("GET", "/api/v1/me")

    assert client.quota is None


def test_the_quota_is_what_the_last_response_announced(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={}, headers=POLICY)
    mock.add("GET", URL, json={}, headers={**POLICY, "RateLimit": '"default";r=11;t=40'})
    client = make_client()

    client._request("GET", "/api/v1/me")
    first = client.quota
    client._request("GET", "/api/v1/me")

    assert first == microblog.Quota(
        limit=300, remaining=12, resets_in=41.0, window=60.0, policy="default"
    )
    assert client.quota == microblog.Quota(300, 11, 40.0, 60.0, "default")


def test_resets_in_counts_down_with_the_clock_and_stops_at_zero(
    mock: responses.RequestsMock, make_client: MakeClient, fake_time: FakeTime
) -> None:
    mock.add("GET", URL, json={}, headers=POLICY)
    client = make_client()
    client._request("GET", "/api/v1/me")

    fake_time.now += 40.5
    soon = client.quota
    fake_time.now += 10
    passed = client.quota

    assert soon is not None
    assert soon.resets_in == pytest.approx(0.5)
    assert passed is not None
    assert passed.resets_in == 0.0
    assert passed.remaining == 12  # as announced: the service sends fresh numbers next


def test_an_error_response_announces_too(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    headers = {**POLICY, "RateLimit": '"default";r=0;t=30', "Retry-After": "30"}
    mock.add("GET", URL, json=problem(429, "rate_limited"), status=429, headers=headers)
    client = make_client(wait_on_rate_limit=False)

    with pytest.raises(microblog.RateLimitError):
        client._request("GET", "/api/v1/me")

    assert client.quota == microblog.Quota(300, 0, 30.0, 60.0, "default")


def test_with_several_policies_the_most_constraining_one_with_its_own_limit(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    headers = {
        "RateLimit-Policy": '"day";q=1000;w=86400, "burst";q=10;w=1',
        "RateLimit": '"day";r=900;t=3600, "burst";r=2;t=1',
    }
    mock.add("GET", URL, json={}, headers=headers)
    client = make_client()

    client._request("GET", "/api/v1/me")

    assert client.quota == microblog.Quota(10, 2, 1.0, 1.0, "burst")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {"RateLimit-Limit": "60", "RateLimit-Remaining": "59", "RateLimit-Reset": "7"},
            microblog.Quota(60, 59, 7.0, None, None),
        ),
        (
            {"RateLimit-Policy": "10;w=1", "RateLimit-Remaining": "3", "RateLimit-Reset": "1"},
            microblog.Quota(10, 3, 1.0, 1.0, None),
        ),
        ({"RateLimit-Remaining": "5"}, microblog.Quota(None, 5, None, None, None)),
        (
            {"RateLimit": '"default";r=4;t=2'},
            microblog.Quota(None, 4, 2.0, None, "default"),
        ),
        (
            {"RateLimit-Policy": '"a";q=5;w=1, "b";q=9;w=2', "RateLimit": '"c";r=1;t=1'},
            microblog.Quota(None, 1, 1.0, None, "c"),
        ),
        (
            {"RateLimit-Policy": '"other";q=5;w=9', "RateLimit": '"default";r=1;t=1'},
            microblog.Quota(5, 1, 1.0, 9.0, "default"),
        ),
    ],
    ids=["older-headers", "older-policy", "remaining-only", "no-policy", "unknown", "single"],
)
def test_what_each_header_form_announces(
    mock: responses.RequestsMock,
    make_client: MakeClient,
    headers: dict[str, str],
    expected: microblog.Quota,
) -> None:
    mock.add("GET", URL, json={}, headers=headers)
    client = make_client()

    client._request("GET", "/api/v1/me")

    assert client.quota == expected


def test_an_unreadable_announcement_keeps_the_last_quota(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", URL, json={}, headers=POLICY)
    mock.add("GET", URL, json={}, headers={"RateLimit": '"default";r=lots;t=soon'})
    client = make_client()

    client._request("GET", "/api/v1/me")
    client._request("GET", "/api/v1/me")

    assert client.quota == microblog.Quota(300, 12, 41.0, 60.0, "default")


def test_copies_share_the_quota(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.add("GET", URL, json={}, headers=POLICY)
    client = make_client()
    copy = client.with_options(max_retries=0)

    copy._request("GET", "/api/v1/me")

    assert client.quota == copy.quota
    assert client.quota is not None


def test_a_quota_is_a_frozen_value(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.add("GET", URL, json={}, headers=POLICY)
    client = make_client()
    client._request("GET", "/api/v1/me")
    quota = client.quota
    assert quota is not None

    with pytest.raises(dataclasses.FrozenInstanceError):
        quota.remaining = 1000  # type: ignore[misc]
    assert repr(quota) == (
        "Quota(limit=300, remaining=12, resets_in=41.0, window=60.0, policy='default')"
    )
