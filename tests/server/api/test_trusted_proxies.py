"""``X-Forwarded-For`` is believed from ``MICROBLOG_TRUSTED_PROXIES`` only (the quota sees it)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

PROXY = ("10.0.0.1", 40000)


def _limited(trusted: str, client: tuple[str, int], forwarded: list[str]) -> list[bool]:
    """Call anonymously once per forwarded address (quota 2 a minute); say which got 429."""
    settings = Settings.for_tests(rate_limit_anonymous="2/60", trusted_proxies=trusted)
    with TestClient(create_app(settings), client=client) as http:
        return [
            http.get("/api/v1/me", headers={"X-Forwarded-For": address}).status_code == 429
            for address in forwarded
        ]


def test_each_forwarded_address_has_its_own_quota_behind_a_trusted_proxy() -> None:
    addresses = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.1", "203.0.113.1"]

    assert _limited("10.0.0.0/24", PROXY, addresses) == [False, False, False, False, True]


def test_the_last_untrusted_address_counts_not_what_the_client_claimed_first() -> None:
    # A client that sends its own header, appended to by the proxy: the proxy's entry wins.
    chains = [f"198.51.100.{n}, 203.0.113.7" for n in range(3)]

    assert _limited("10.0.0.0/24", PROXY, chains) == [False, False, True]


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored() -> None:
    addresses = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]

    assert _limited("10.0.0.0/24", ("192.0.2.50", 40000), addresses) == [False, False, True]
    assert _limited("", PROXY, addresses) == [False, False, True]
