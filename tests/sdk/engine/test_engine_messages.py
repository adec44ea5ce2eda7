"""Failure messages that say what happened and what to do, and carry no secret."""

from __future__ import annotations

import http.server
import logging
import shutil
import socket
import ssl
import subprocess
import threading
import time
import traceback
from typing import TYPE_CHECKING

import pytest

import microblog

from .engine_support import BASE, CANARY_PASSWORD, CANARY_TOKEN, MakeClient, problem

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import responses

ME = f"{BASE}/api/v1/me"


@pytest.mark.parametrize("status", [404, 501])
def test_another_http_servers_answer_says_so_and_asks_about_the_url(
    mock: responses.RequestsMock, make_client: MakeClient, status: int
) -> None:
    mock.add(
        "GET", ME, status=status, body="<html><h1>Not Found</h1></html>", content_type="text/html"
    )

    with pytest.raises(microblog.APIError) as raised:
        make_client(max_retries=0)._request("GET", "/api/v1/me")

    message = str(raised.value)
    assert "not a microblog problem document" in message
    assert f"is {BASE} the microblog service's URL?" in message


def test_a_microblog_problem_says_only_what_the_service_said(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, status=404, json=problem(404, "not_found", "no such user"))

    with pytest.raises(microblog.NotFoundError) as raised:
        make_client()._request("GET", "/api/v1/me")

    assert "problem document" not in str(raised.value)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections, reads the request, never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def test_a_timeout_names_the_limit_it_hit_and_the_attempts(silent_server: str) -> None:
    waits: list[float] = []
    started = time.monotonic()
    with (
        microblog.Client(silent_server, token="t", timeout=0.2, sleep=waits.append) as client,
        pytest.raises(microblog.APITimeoutError) as raised,
    ):
        client.me()

    message = str(raised.value)
    assert "read limit of 0.2 s" in message
    assert "4 attempts" in message
    assert time.monotonic() - started < 5  # four reads of 0.2 s, waits not slept


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 whose certificate no CA signed."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the self-signed certificate; it is not installed")
    folder: Path = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_tls_failure_names_the_verification_reason(self_signed: str) -> None:
    with (
        microblog.Client(self_signed, token="t") as client,
        pytest.raises(microblog.APIConnectionError) as raised,
    ):
        client.me()

    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)


def test_the_last_traceback_line_is_the_callers_call_not_a_lint_comment(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("GET", ME, status=404, json=problem(404, "not_found"))

    with pytest.raises(microblog.NotFoundError) as raised:
        make_client()._request("GET", "/api/v1/me")

    lines = traceback.format_exception(raised.value)
    source = [line for line in lines if line.startswith("  File")][-1]
    assert "noqa" not in "".join(lines)
    assert "microblog" in source


def test_an_errors_response_carries_no_token_or_password(
    mock: responses.RequestsMock, make_client: MakeClient
) -> None:
    mock.add("POST", f"{BASE}/api/v1/token", status=400, json=problem(400, "invalid_grant"))
    mock.add("GET", ME, status=404, json=problem(404, "not_found"))

    with pytest.raises(microblog.AuthenticationError) as login:
        make_client(token=None, username="dana", password=CANARY_PASSWORD).me()
    with pytest.raises(microblog.NotFoundError) as other:
        make_client()._request("GET", "/api/v1/me")

    for error in (login.value, other.value):
        assert error.response is not None
        request = error.response.request
        seen = f"{request.headers!r} {request.body!r} {request.url}"
        assert CANARY_PASSWORD not in seen
        assert CANARY_TOKEN not in seen
        assert "Authorization" not in request.headers


def test_a_debug_line_names_the_query_parameters_not_their_values(
    mock: responses.RequestsMock, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    mock.add("GET", f"{BASE}/api/v1/search", json={"items": []})

    with caplog.at_level(logging.DEBUG, logger="microblog"):
        make_client()._request("GET", "/api/v1/search", params={"text": "my secret search"})

    lines = [record.getMessage() for record in caplog.records]
    assert any("/api/v1/search?text=REDACTED" in line for line in lines), lines
    assert not any("secret" in line for line in lines)
