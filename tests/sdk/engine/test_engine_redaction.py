"""Secrets never leak: a planted canary password and token stay out of logs, reprs, errors."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
import requests

import microblog

from .engine_support import BASE, CANARY_PASSWORD, CANARY_TOKEN, MakeClient, problem

if TYPE_CHECKING:
    import responses

ME = f"{BASE}/api/v1/me"
TOKEN = f"{BASE}/api/v1/token"


def test_the_canaries_appear_nowhere(
    mock: responses.RequestsMock, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    mock.add("POST", TOKEN, json={"access_token": CANARY_TOKEN})
    mock.add("GET", ME, status=401, json=problem(401, "unauthenticated"))
    mock.add("GET", f"{BASE}/api/v1/users/x", status=503, json=problem(503, "unavailable"))
    mock.add("GET", f"{BASE}/api/v1/users/y", body=requests.ConnectionError(CANARY_TOKEN))
    mock.add("GET", f"{BASE}/api/v1/users/z", body=b"not json")
    client = make_client(token=None, username="dana", password=CANARY_PASSWORD)
    seen: list[object] = [client, client.with_options(timeout=1), client._transport.auth]

    with caplog.at_level(logging.DEBUG, logger="microblog"):
        for path in ["/api/v1/me", "/api/v1/users/x", "/api/v1/users/y", "/api/v1/users/z"]:
            with pytest.raises(microblog.MicroblogError) as caught:
                client._request("GET", path)
            seen.append(caught.value)

    assert len(caplog.records) > 8
    rendered = caplog.text + "".join(f"{obj!r}{obj!s}" for obj in seen)
    assert CANARY_PASSWORD not in rendered
    assert CANARY_TOKEN not in rendered
    assert "Authorization" not in rendered


def test_a_static_token_is_not_in_the_repr(make_client: MakeClient) -> None:
    client = make_client(token=CANARY_TOKEN)
    assert CANARY_TOKEN not in repr(client)
    assert CANARY_TOKEN not in repr(client._transport.auth)
    assert "token" in repr(client._transport.auth)
