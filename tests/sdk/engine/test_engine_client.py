"""The client: configuration, environment, session and pool, copies, closing, repr."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import requests

import microblog

from .engine_support import BASE, MakeClient, sent_kwargs

if TYPE_CHECKING:
    import responses

ME = f"{BASE}/api/v1/me"


def test_the_base_url_and_token_come_from_the_environment(
    mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROBLOG_URL", BASE + "/")
    monkeypatch.setenv("MICROBLOG_TOKEN", "from-env")
    mock.add("GET", ME, json={})

    with microblog.Client() as client:
        client._request("GET", "/api/v1/me")

    assert client.base_url == BASE
    assert mock.calls[0].request.headers["Authorization"] == "Bearer from-env"


def test_arguments_win_over_the_environment(
    mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROBLOG_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("MICROBLOG_TOKEN", "from-env")
    mock.add("GET", ME, json={})

    with microblog.Client(BASE, token="explicit") as client:
        client._request("GET", "/api/v1/me")

    assert mock.calls[0].request.headers["Authorization"] == "Bearer explicit"


def test_no_base_url_anywhere_is_a_clear_value_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROBLOG_URL", raising=False)
    with pytest.raises(ValueError, match="MICROBLOG_URL"):
        microblog.Client()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_url": "127.0.0.1:8000"}, "http"),
        ({"username": "dana"}, "together"),
        ({"password": "x"}, "together"),
        ({"username": "dana", "password": "x", "token": "t"}, "not both"),
    ],
)
def test_inconsistent_configuration_is_refused(
    options: dict[str, str], message: str, make_client: MakeClient
) -> None:
    if "username" in options or "password" in options:
        options.setdefault("token", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        make_client(**options)


def test_timeout_none_is_refused(make_client: MakeClient) -> None:
    with pytest.raises(TypeError, match="hang forever"):
        make_client(timeout=None)
    with pytest.raises(TypeError, match="hang forever"):
        make_client().with_options(timeout=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "5", True])
def test_nonsense_timeouts_are_refused(bad: object, make_client: MakeClient) -> None:
    with pytest.raises((TypeError, ValueError)):
        make_client(timeout=bad)


def test_a_number_is_both_timeouts_and_reaches_requests(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})
    client = make_client(timeout=2.5)

    client.with_options(timeout=microblog.Timeout(connect=1, read=9))._request("GET", "/api/v1/me")

    assert client.timeout == microblog.Timeout(connect=2.5, read=2.5)
    assert sent_kwargs(mock)["timeout"] == (1, 9)


def test_default_timeouts_are_finite(make_client: MakeClient) -> None:
    assert make_client().timeout == microblog.Timeout(connect=5, read=30)


def test_requests_carry_the_user_agent_and_accept_json(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})
    make_client()._request("GET", "/api/v1/me")
    headers = mock.calls[0].request.headers
    assert headers["User-Agent"] == f"microblog-python/{microblog.__version__}"
    assert headers["Accept"] == "application/json"


def test_the_session_is_pooled_without_adapter_retries(make_client: MakeClient) -> None:
    session = make_client(pool_size=7).session
    adapter = session.get_adapter(BASE)
    assert isinstance(adapter, requests.adapters.HTTPAdapter)
    assert adapter._pool_maxsize == 7  # type: ignore[attr-defined]
    assert adapter.max_retries.total == 0


def test_with_options_shares_the_pool_and_does_not_close_it(make_client: MakeClient) -> None:
    client = make_client()
    closed: list[bool] = []
    client.session.close = lambda: closed.append(True)  # type: ignore[method-assign]

    with client.with_options(timeout=1) as copy:
        assert copy.session is client.session
        assert copy.microposts._client is copy
    assert closed == []

    client.close()
    assert closed == [True]


def test_an_injected_session_is_used_and_left_open(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})
    session = requests.Session()
    session.headers["X-Trace"] = "app"
    closed: list[bool] = []
    session.close = lambda: closed.append(True)  # type: ignore[method-assign]

    with make_client(session=session) as client:
        client._request("GET", "/api/v1/me")

    assert client.session is session
    assert mock.calls[0].request.headers["X-Trace"] == "app"
    assert closed == []


def test_proxies_from_the_environment_are_resolved_once_and_honoured(
    mock: responses.RequestsMock, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/tmp/ca.pem")
    mock.add("GET", ME, json={})
    client = make_client()
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9999")  # too late: read at build

    client._request("GET", "/api/v1/me")

    sent = sent_kwargs(mock)
    assert sent["proxies"]["http"] == "http://127.0.0.1:3128"
    assert sent["verify"] is True  # a CA bundle is for https origins only


def test_the_environment_ca_bundle_is_used_for_an_https_origin(
    mock: responses.RequestsMock, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/tmp/ca.pem")
    mock.add("GET", "https://127.0.0.1:8443/api/v1/me", json={})
    client = make_client(base_url="https://127.0.0.1:8443")

    client._request("GET", "/api/v1/me")

    assert sent_kwargs(mock)["verify"] == "/tmp/ca.pem"


def test_session_settings_win_over_the_environment(
    mock: responses.RequestsMock, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "")
    mock.add("GET", ME, json={})
    client = make_client()
    client.session.proxies = {"http": "http://127.0.0.1:8888"}
    client.session.verify = False

    client._request("GET", "/api/v1/me")

    sent = sent_kwargs(mock)
    assert sent["proxies"]["http"] == "http://127.0.0.1:8888"
    assert sent["verify"] is False


def test_a_session_that_distrusts_the_environment_ignores_it(
    mock: responses.RequestsMock, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    mock.add("GET", ME, json={})
    session = requests.Session()
    session.trust_env = False

    make_client(session=session)._request("GET", "/api/v1/me")

    assert sent_kwargs(mock)["proxies"] == {}


def test_the_environment_is_not_merged_on_every_call(
    mock: responses.RequestsMock, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock.add("GET", ME, json={})
    client = make_client()

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("merge_environment_settings called per call")

    monkeypatch.setattr(client.session, "merge_environment_settings", fail)
    monkeypatch.setattr("requests.sessions.get_netrc_auth", fail)
    monkeypatch.setattr("requests.sessions.resolve_proxies", fail)

    client._request("GET", "/api/v1/me")


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1:9/api/v1/me", "https://127.0.0.1:8000/api/v1/me", "api/v1/me"],
)
def test_urls_off_the_origin_and_relative_paths_are_refused(
    mock: responses.RequestsMock, make_client: MakeClient, target: str
) -> None:
    with pytest.raises(microblog.PaginationError, match="origin"):
        make_client()._request("GET", target)
    assert len(mock.calls) == 0


def test_an_absolute_link_on_the_origin_is_followed(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", f"{BASE}/api/v1/users", json={"result": []})
    response = make_client()._request("GET", f"{BASE}/api/v1/users?cursor=abc&size=2")
    assert mock.calls[0].request.url == f"{BASE}/api/v1/users?cursor=abc&size=2"
    assert response.url == mock.calls[0].request.url


def test_repr_is_short_and_useful(make_client: MakeClient) -> None:
    assert repr(make_client()) == f"Client({BASE!r}, auth='token')"
    password_client = make_client(token=None, username="dana", password="pw")
    assert repr(password_client) == f"Client({BASE!r}, auth='password', username='dana')"


def test_me_returns_the_caller_as_a_user(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={"username": "dana", "display_name": "Dana"}, headers={"ETag": '"1"'})

    me = make_client().me()

    assert isinstance(me, microblog.User)
    assert me.username == "dana"


def test_timeline_returns_a_lazy_pager(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    pager = make_client(token=None, username="dana", password="pw").timeline(size=5)
    assert isinstance(pager, microblog.Pager)
    assert len(mock.calls) == 0
