"""Application code serving many users from one client: login, per-user copies, busy answers.

A web app (``microblog_web``) keeps one ``Client`` (one pool) and acts for each request's
user through ``client.with_options(token=...)``; it logs people in with
``client.login(...)`` and tells them when to retry from ``retry_after``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import microblog

from .engine_support import BASE, MakeClient, problem

if TYPE_CHECKING:
    import responses

ME = f"{BASE}/api/v1/me"
TOKEN = f"{BASE}/api/v1/token"
USER = {"username": "dana"}


def test_login_returns_a_token_and_leaves_the_client_anonymous(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", TOKEN, json={"access_token": "dana-token", "token_type": "bearer"})
    mock.add("GET", ME, json=USER)
    client = make_client(token=None)

    token = client.login("dana", "her-password")
    client._request("GET", "/api/v1/me")

    assert token == "dana-token"
    assert mock.calls[0].request.body == "grant_type=password&username=dana&password=her-password"
    assert "Authorization" not in mock.calls[1].request.headers


def test_a_wrong_password_at_login_is_an_authentication_error(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", TOKEN, json=problem(400, "invalid_grant"), status=400)
    client = make_client(token=None)

    with pytest.raises(microblog.AuthenticationError):
        client.login("dana", "wrong")


def test_with_options_token_acts_as_that_user_on_the_same_pool(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json=USER)
    client = make_client(token=None)

    dana = client.with_options(token="dana-token")
    erin = client.with_options(token="erin-token")
    dana._request("GET", "/api/v1/me")
    erin._request("GET", "/api/v1/me")
    client._request("GET", "/api/v1/me")

    sent = [call.request.headers.get("Authorization") for call in mock.calls]
    assert sent == ["Bearer dana-token", "Bearer erin-token", None]
    assert dana.session is client.session
    assert repr(dana) == f"Client({BASE!r}, auth='token')"  # never the token itself


def test_with_options_token_refuses_a_token_that_cannot_be_a_header(
    make_client: MakeClient,
) -> None:
    client = make_client(token=None)

    with pytest.raises(ValueError, match="token"):
        client.with_options(token="two\nlines")


def test_logout_on_a_user_copy_revokes_that_token_only(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("DELETE", TOKEN, status=204)
    mock.add("GET", ME, json=USER)
    client = make_client()

    client.with_options(token="dana-token").logout()
    client._request("GET", "/api/v1/me")

    assert mock.calls[0].request.headers["Authorization"] == "Bearer dana-token"
    assert mock.calls[1].request.headers["Authorization"] != "Bearer dana-token"


def test_one_users_spent_quota_does_not_stop_another_user(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    spent = {"RateLimit-Policy": '"default";q=300;w=60', "RateLimit": '"default";r=0;t=30'}
    mock.add("GET", ME, json=USER, headers=spent)
    client = make_client(token=None, wait_on_rate_limit=False)
    dana = client.with_options(token="dana-token")
    erin = client.with_options(token="erin-token")

    dana._request("GET", "/api/v1/me")
    with pytest.raises(microblog.RateLimitError):
        dana._request("GET", "/api/v1/me")  # her own quota is spent: refused at once
    mock.replace("GET", ME, json=USER)
    erin._request("GET", "/api/v1/me")  # erin's is hers, and not spent

    assert erin.quota is None
    assert len(mock.calls) == 2


def test_a_503_carries_its_retry_after(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json=problem(503, "unavailable"), status=503, headers={"Retry-After": "7"})
    client = make_client(max_retries=0)

    with pytest.raises(microblog.ServerError) as caught:
        client._request("GET", "/api/v1/me")

    assert caught.value.retry_after == 7.0


def test_a_500_has_no_retry_after(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.add("GET", ME, json=problem(500, "internal_error"), status=500)
    client = make_client(max_retries=0)

    with pytest.raises(microblog.ServerError) as caught:
        client._request("GET", "/api/v1/me")

    assert caught.value.retry_after is None
