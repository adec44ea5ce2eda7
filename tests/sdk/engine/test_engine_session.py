"""What a user sets on ``client.session`` is honoured: headers, params, hooks, proxies,
verify, cert, mounted adapters, cookies and redirects. Requests are prepared by the
pipeline (``Session.prepare_request`` would merge the environment per call) and every
one is sent through ``Session.send``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests
import requests.sessions
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from microblog._transport import _merged_headers

from .engine_support import BASE, CANARY_TOKEN, MakeClient, sent_kwargs

if TYPE_CHECKING:
    import responses

ME = f"{BASE}/api/v1/me"


def test_session_headers_are_sent_and_the_sdk_headers_win_case_insensitively(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})
    client = make_client()
    client.session.headers["X-Trace"] = "app"
    client.session.headers["user-agent"] = "not-the-sdk"

    client._request("GET", "/api/v1/me")

    sent = mock.calls[0].request.headers
    assert sent["X-Trace"] == "app"
    assert sent["User-Agent"].startswith("microblog-python/")
    assert sent["Authorization"] == f"Bearer {CANARY_TOKEN}"


def test_a_session_header_set_to_none_is_not_sent(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})
    client = make_client()
    client.session.headers["Accept-Encoding"] = None  # type: ignore[assignment]

    client._request("GET", "/api/v1/me")

    assert "Accept-Encoding" not in mock.calls[0].request.headers


def test_session_params_are_merged_under_the_call_params(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})
    mock.add("GET", ME, json={})
    client = make_client()
    client.session.params = {"tenant": "blue", "size": "1", "dropped": None}

    client._request("GET", "/api/v1/me")
    client._request("GET", "/api/v1/me", params={"size": 5})

    assert mock.calls[0].request.url == f"{ME}?tenant=blue&size=1"
    assert mock.calls[1].request.url == f"{ME}?tenant=blue&size=5"


def test_session_params_that_are_not_a_mapping_give_way_to_the_call_params(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})
    client = make_client()
    client.session.params = [("tenant", "blue")]

    client._request("GET", "/api/v1/me", params={"size": 5})

    assert mock.calls[0].request.url == f"{ME}?size=5"


def test_a_response_hook_on_the_session_fires_with_the_send_settings(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={"seen": False})
    client = make_client()
    seen: list[tuple[int, dict[str, Any]]] = []

    def hook(response: requests.Response, **kwargs: Any) -> None:
        seen.append((response.status_code, kwargs))

    client.session.hooks["response"].append(hook)

    client._request("GET", "/api/v1/me")

    assert len(seen) == 1
    status, kwargs = seen[0]
    assert status == 200
    assert kwargs["stream"] is True  # Session.send's own: the SDK reads the body after
    assert kwargs["timeout"] is not None


def test_a_response_hook_can_replace_the_response(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={"original": True})
    mock.add("GET", f"{BASE}/api/v1/other", json={"replaced": True})
    client = make_client()

    def hook(response: requests.Response, **kwargs: Any) -> requests.Response:
        return requests.get(f"{BASE}/api/v1/other", timeout=1)

    client.session.hooks["response"] = [hook]

    assert client._request("GET", "/api/v1/me").data == {"replaced": True}


def test_session_proxies_verify_and_cert_are_sent(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})
    client = make_client()
    client.session.proxies = {"http": "http://127.0.0.1:8888"}
    client.session.verify = "/tmp/internal-ca.pem"
    client.session.cert = ("/tmp/client.pem", "/tmp/client.key")

    client._request("GET", "/api/v1/me")

    sent = sent_kwargs(mock)
    assert sent["proxies"]["http"] == "http://127.0.0.1:8888"
    assert sent["verify"] == "/tmp/internal-ca.pem"
    assert sent["cert"] == ("/tmp/client.pem", "/tmp/client.key")


class _Recording(HTTPAdapter):
    def __init__(self) -> None:
        super().__init__(max_retries=0)
        self.sent: list[str] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.sent.append(request.url or "")
        return super().send(request, *args, **kwargs)


def test_an_adapter_mounted_on_the_session_sends_the_request(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})
    client = make_client()
    adapter = _Recording()
    client.session.mount(BASE, adapter)

    client._request("GET", "/api/v1/me")

    assert adapter.sent == [ME]


def test_session_cookies_are_sent_and_set_cookie_is_stored(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={}, headers={"Set-Cookie": "sticky=b2; Path=/"})
    mock.add("GET", ME, json={})
    session = requests.Session()
    session.cookies.set("gateway", "a1")
    client = make_client(session=session)

    client._request("GET", "/api/v1/me")
    client._request("GET", "/api/v1/me")

    assert mock.calls[0].request.headers["Cookie"] == "gateway=a1"
    assert session.cookies.get("sticky") == "b2"
    assert "sticky=b2" in mock.calls[1].request.headers["Cookie"]


def test_a_cookie_set_into_an_empty_jar_is_sent_on_the_next_call(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    # The cookie step is skipped while the jar is empty: it must run again once it is not.
    mock.add("GET", ME, json={}, headers={"Set-Cookie": "sticky=b2; Path=/"})
    mock.add("GET", ME, json={})
    client = make_client()

    client._request("GET", "/api/v1/me")
    client._request("GET", "/api/v1/me")

    assert "Cookie" not in mock.calls[0].request.headers
    assert mock.calls[1].request.headers["Cookie"] == "sticky=b2"


def test_without_cookies_no_cookie_header_is_sent(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, json={})

    make_client()._request("GET", "/api/v1/me")

    assert "Cookie" not in mock.calls[0].request.headers


def test_a_redirect_is_followed_as_the_session_would(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", f"{BASE}/api/v1/old", status=307, headers={"Location": "/api/v1/me"})
    mock.add("GET", ME, json={"name": "dana"})

    response = make_client()._request("GET", "/api/v1/old")

    assert response.data == {"name": "dana"}
    assert response.url == ME
    assert mock.calls[1].request.headers["Authorization"] == f"Bearer {CANARY_TOKEN}"


def test_every_attempt_and_redirect_hop_goes_through_session_send(
    mock: responses.RequestsMock, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock.add("GET", ME, status=503, json={})
    mock.add("GET", ME, status=302, headers={"Location": f"{BASE}/api/v1/me2"})
    mock.add("GET", f"{BASE}/api/v1/me2", json={"ok": True})
    sent: list[dict[str, Any]] = []
    real_send = requests.Session.send

    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        sent.append(kwargs)
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", send)

    assert make_client()._request("GET", "/api/v1/me").data == {"ok": True}

    assert len(sent) == 3  # two attempts, the second one redirected once
    assert all(kwargs["allow_redirects"] is False for kwargs in sent)  # the SDK's rule
    assert all("proxies" in kwargs for kwargs in sent)  # resolved once, passed in


def test_session_send_is_never_left_to_resolve_proxies_from_the_environment(
    mock: responses.RequestsMock, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock.add("GET", ME, json={})
    client = make_client()

    def resolve(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("resolve_proxies called per call")

    monkeypatch.setattr(requests.sessions, "resolve_proxies", resolve)

    client._request("GET", "/api/v1/me")


@pytest.mark.parametrize(
    "session_headers",
    [
        {"user-agent": "not-the-sdk", "X-Trace": "app", "Accept-Encoding": None},
        {"A": "1", "ACCEPT": "text/plain", "Dropped": None},
        {},
    ],
)
def test_headers_merge_in_the_order_and_case_requests_merges_them(
    session_headers: dict[str, str | None],
) -> None:
    # The pipeline merges headers itself (a plain dict, no lookup per key): the result
    # must be what requests' own merge_setting gives, names, values and order.
    session = requests.Session()
    session.headers.update(session_headers)  # type: ignore[arg-type]  # None unsets one
    call = {"User-Agent": "sdk", "Accept": "application/json", "X-Request-ID": "r"}
    for headers in (session.headers, session_headers):
        merge: Any = requests.sessions.merge_setting
        expected = merge(call, headers, dict_class=CaseInsensitiveDict)
        assert list(_merged_headers(call, headers).items()) == list(expected.items())
