"""``Sender.send`` does what ``requests.Session.send`` does with the same session.

The same prepared request goes out both ways to one fake server, through one recording
adapter mounted on the session; what the adapter is handed (timeout, proxies, verify,
cert), what the server reads (headers, body), what the session's response hooks see and
what lands in the cookie jar must match. The differences are on purpose and listed in
``_send.py``: the adapter is asked to stream (the SDK reads the body itself, bounded),
and redirects are left to the pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests

from microblog._send import ClientAdapter, Sender

if TYPE_CHECKING:
    from pathlib import Path

    from .conftest import Serve
    from .fake_server import Conn, Received


class RecordingAdapter(ClientAdapter):
    """Records what each send is handed, then sends it for real."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)
        self.sent: list[dict[str, Any]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(kwargs)
        return super().send(request, **kwargs)


def _answer(request: Received, conn: Conn) -> None:
    conn.respond(200, {"ok": True}, {"Set-Cookie": f"seen={request.path.strip('/')}; Path=/"})


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> requests.Session:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # in the proxies handed over
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    session = requests.Session()
    session.mount("http://", RecordingAdapter())
    session.headers["X-Session"] = "yes"
    session.proxies["ftp"] = "http://127.0.0.1:8"
    session.verify = False
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    cert.write_text("not used for http")
    key.write_text("not used for http")
    session.cert = (str(cert), str(key))
    session.cookies.set("jar", "1")
    return session


def test_sender_matches_session_send(serve: Serve, session: requests.Session) -> None:
    server = serve(_answer)
    adapter = session.get_adapter(server.url)
    assert isinstance(adapter, RecordingAdapter)
    hooked: list[tuple[int, dict[str, Any]]] = []
    session.hooks["response"].append(lambda r, **kw: hooked.append((r.status_code, kw)))
    timeout = (2.0, 3.0)

    def prepared(path: str) -> requests.PreparedRequest:
        request = requests.Request("POST", f"{server.url}/{path}", json={"n": 1})
        return session.prepare_request(request)

    theirs_request, ours_request = prepared("theirs"), prepared("ours")
    settings = session.merge_environment_settings(theirs_request.url, {}, None, None, None)
    theirs = session.send(theirs_request, timeout=timeout, **settings)
    ours = Sender(session, server.url, clock=lambda: 0.0).send(
        ours_request, timeout, max_bytes=2**20, deadline_at=None
    )

    theirs_sent, ours_sent = adapter.sent
    assert ours_sent.pop("stream") is True  # the SDK reads the body itself, bounded
    assert theirs_sent.pop("stream") is False
    assert ours_sent == theirs_sent
    assert ours_sent["proxies"] == {"https": "http://127.0.0.1:9", "ftp": "http://127.0.0.1:8"}

    theirs_got, ours_got = server.received
    assert ours_got.headers == theirs_got.headers
    assert ours_got.body == theirs_got.body
    assert ours_got.header("X-Session") == "yes"
    assert "jar=1" in (ours_got.header("Cookie") or "")

    assert [status for status, _ in hooked] == [200, 200]
    assert hooked[0][1] == hooked[1][1]

    assert (ours.status_code, ours.content) == (theirs.status_code, theirs.content)
    assert ours.json() == {"ok": True}
    assert session.cookies.get("seen", path="/") is not None
    assert {c.value for c in session.cookies if c.name == "seen"} >= {"ours"}


def test_a_ca_bundle_from_the_environment_is_used_for_https_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/bundle.pem")
    session = requests.Session()
    assert Sender(session, "https://127.0.0.1:1", clock=lambda: 0.0)._env_bundle == (
        "/etc/ssl/bundle.pem"
    )
    assert Sender(session, "http://127.0.0.1:1", clock=lambda: 0.0)._env_bundle is None
