"""Authentication: a static token, lazy password login, one re-login on 401, logout."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import pytest
import responses

import microblog

from .engine_support import BASE, CANARY_PASSWORD, MakeClient, problem

if TYPE_CHECKING:
    from requests import PreparedRequest

ME = f"{BASE}/api/v1/me"
TOKEN = f"{BASE}/api/v1/token"


def token_response(token: str) -> dict[str, Any]:
    return {"access_token": token, "token_type": "bearer", "expires_in": 3600}


def test_a_static_token_is_sent_as_a_bearer(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})
    make_client(token="abc")._request("GET", "/api/v1/me")
    assert mock.calls[0].request.headers["Authorization"] == "Bearer abc"


def test_no_credentials_send_no_authorization(
    mock: responses.RequestsMock, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICROBLOG_TOKEN", raising=False)
    mock.add("GET", ME, json={})
    make_client(token=None)._request("GET", "/api/v1/me")
    assert "Authorization" not in mock.calls[0].request.headers


def test_a_password_logs_in_lazily_once_and_reports_the_token(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", TOKEN, json=token_response("t1"))
    mock.add("GET", ME, json={})
    tokens: list[str] = []
    client = make_client(
        token=None,
        username="dana",
        password=CANARY_PASSWORD,
        hooks=microblog.Hooks(on_new_token=tokens.append),
    )
    assert len(mock.calls) == 0

    client._request("GET", "/api/v1/me")
    client._request("GET", "/api/v1/me")

    login = mock.calls[0].request
    assert login.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in login.headers
    assert parse_qs(str(login.body)) == {
        "grant_type": ["password"],
        "username": ["dana"],
        "password": [CANARY_PASSWORD],
    }
    assert [c.request.headers.get("Authorization") for c in mock.calls[1:]] == ["Bearer t1"] * 2
    assert tokens == ["t1"]
    assert client._username == "dana"


def test_a_wrong_password_is_an_authentication_error(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", TOKEN, status=400, json=problem(400, "invalid_grant", "bad credentials"))
    client = make_client(token=None, username="dana", password=CANARY_PASSWORD)

    with pytest.raises(microblog.AuthenticationError) as caught:
        client._request("GET", "/api/v1/me")
    assert caught.value.status_code == 400
    assert len(mock.calls) == 1


def test_a_token_response_without_a_token_is_a_decode_error(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", TOKEN, json={"token_type": "bearer"})
    client = make_client(token=None, username="dana", password=CANARY_PASSWORD)

    with pytest.raises(microblog.ResponseDecodeError, match="access_token"):
        client._request("GET", "/api/v1/me")


def test_an_expired_token_is_replaced_once_and_the_call_sent_again(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", TOKEN, json=token_response("t1"))
    mock.add("POST", TOKEN, json=token_response("t2"))
    mock.add("GET", ME, json={})
    mock.add("GET", ME, status=401, json=problem(401, "unauthenticated"))
    mock.add("GET", ME, json={"again": True})
    client = make_client(token=None, username="dana", password=CANARY_PASSWORD)
    client._request("GET", "/api/v1/me")

    response = client._request("GET", "/api/v1/me")

    assert response.data == {"again": True}
    sent = [(c.request.method, c.request.headers.get("Authorization")) for c in mock.calls]
    assert sent == [
        ("POST", None),
        ("GET", "Bearer t1"),
        ("GET", "Bearer t1"),
        ("POST", None),
        ("GET", "Bearer t2"),
    ]
    assert mock.calls[2].request.headers["X-Request-ID"] == response.request_id
    assert mock.calls[4].request.headers["X-Request-ID"] == response.request_id


def test_a_second_401_is_raised_not_looped(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", TOKEN, json=token_response("t"))
    mock.add("GET", ME, status=401, json=problem(401, "unauthenticated"))
    client = make_client(token=None, username="dana", password=CANARY_PASSWORD)

    with pytest.raises(microblog.AuthenticationError):
        client._request("GET", "/api/v1/me")
    assert [c.request.method for c in mock.calls] == ["POST", "GET", "POST", "GET"]


def test_a_static_token_cannot_log_in_again(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, status=401, json=problem(401, "unauthenticated"))

    with pytest.raises(microblog.AuthenticationError):
        make_client(token="revoked")._request("GET", "/api/v1/me")
    assert len(mock.calls) == 1


def test_many_threads_hit_by_401_at_once_log_in_once(make_client: MakeClient) -> None:
    threads_count = 8
    logins: list[str] = []
    stale_barrier = threading.Barrier(threads_count, timeout=5)
    lock = threading.Lock()

    def login(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        with lock:
            logins.append("x")
            token = f"t{len(logins)}"
        return 200, {}, json.dumps(token_response(token))

    def me(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        if request.headers["Authorization"] == "Bearer t1":
            stale_barrier.wait()  # every thread holds the stale token at the same time
            return 401, {}, json.dumps(problem(401, "unauthenticated"))
        return 200, {}, "{}"

    with responses.RequestsMock() as mock:
        mock.add_callback("POST", TOKEN, callback=login)
        mock.add_callback("GET", ME, callback=me)
        client = make_client(token=None, username="dana", password=CANARY_PASSWORD)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                client._request("GET", "/api/v1/me")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert len(logins) == 2  # the lazy first login, then exactly one re-login


def test_logout_revokes_and_forgets_the_token(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", TOKEN, json=token_response("t1"))
    mock.add("POST", TOKEN, json=token_response("t2"))
    mock.add("GET", ME, json={})
    mock.add("DELETE", TOKEN, status=204)
    client = make_client(token=None, username="dana", password=CANARY_PASSWORD)
    client.logout()  # nothing held yet: no request
    assert len(mock.calls) == 0
    client._request("GET", "/api/v1/me")

    client.logout()
    client._request("GET", "/api/v1/me")

    revoke = mock.calls[2].request
    assert (revoke.method, revoke.headers["Authorization"]) == ("DELETE", "Bearer t1")
    assert mock.calls[4].request.headers["Authorization"] == "Bearer t2"


def test_logout_of_an_already_rejected_token_is_quiet(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("DELETE", TOKEN, status=401, json=problem(401, "unauthenticated"))
    mock.add("GET", ME, json={})
    client = make_client(token="old")

    client.logout()
    client._request("GET", "/api/v1/me")

    assert "Authorization" not in mock.calls[1].request.headers
