"""Every way an attempt can fail, over real sockets: its error, and whether it is retried.

Only a connection that could not be made is "never sent" (retried whatever the method);
a timeout, reset or broken answer after the request went out is "maybe applied":
retried for a GET, sent once for a PATCH. Plus the same classification for the
exceptions a real socket cannot easily provoke (a connect timeout, TLS, a bad URL).
"""

from __future__ import annotations

import gzip
import socket
from typing import TYPE_CHECKING

import pytest
import requests
import urllib3

import microblog
from microblog._send import AttemptFailed, attempt_failed

if TYPE_CHECKING:
    from collections.abc import Callable

    from .conftest import MakeClient, Serve
    from .fake_server import Conn, Received

JSON = ("Content-Type", "application/json")


def _reset_before_answering(request: Received, conn: Conn) -> None:
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.drop()
    conn.sock.close()


def _short_body(request: Received, conn: Conn) -> None:
    conn.send(conn.head(200, [JSON, ("Content-Length", "100")]) + b'{"id": 5')
    conn.drop()


def _broken_chunk(request: Received, conn: Conn) -> None:
    conn.send(conn.head(200, [JSON, ("Transfer-Encoding", "chunked")]) + b"zz\r\n{}\r\n")
    conn.drop()


def _bad_gzip(request: Received, conn: Conn) -> None:
    body = b"this is not gzip at all"
    conn.send(
        conn.head(200, [JSON, ("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))])
        + body
    )


def _silence_after_head(request: Received, conn: Conn) -> None:
    conn.send(conn.head(200, [JSON, ("Content-Length", "100")]))
    conn.hang()


def _no_head(request: Received, conn: Conn) -> None:
    conn.hang()


def _too_many_headers(request: Received, conn: Conn) -> None:
    conn.send(conn.head(200, [(f"X-{n}", "y") for n in range(150)] + [("Content-Length", "0")]))


def _garbage_status_line(request: Received, conn: Conn) -> None:
    conn.send(b"HELLO THERE\r\n\r\n")
    conn.drop()


CASES: list[tuple[str, Callable[[Received, Conn], None], type[microblog.MicroblogError]]] = [
    ("reset", _reset_before_answering, microblog.APIConnectionError),
    ("short-body", _short_body, microblog.APIConnectionError),
    ("broken-chunk", _broken_chunk, microblog.APIConnectionError),
    ("silence-after-head", _silence_after_head, microblog.APITimeoutError),
    ("no-head", _no_head, microblog.APITimeoutError),
    ("too-many-headers", _too_many_headers, microblog.APIConnectionError),
    ("garbage-status-line", _garbage_status_line, microblog.APIConnectionError),
]


@pytest.mark.parametrize(("name", "answer", "error"), CASES, ids=[c[0] for c in CASES])
def test_a_failure_after_sending_is_retried_for_a_get_and_sent_once_for_a_patch(
    serve: Serve,
    make_client: MakeClient,
    name: str,
    answer: Callable[[Received, Conn], None],
    error: type[microblog.MicroblogError],
) -> None:
    server = serve(answer)
    client = make_client(server.url, timeout=microblog.Timeout(connect=2, read=0.2))

    with pytest.raises(error) as got:
        client._request("GET", "/api/v1/me")
    assert type(got.value) is error
    assert len(server.received) == 4  # retried: a GET is idempotent
    assert got.value.__cause__ is not None

    with pytest.raises(error):
        client._request("PATCH", "/api/v1/me", json={"bio": "x"})
    assert len(server.received) == 5  # maybe applied: sent once


def test_an_undecodable_body_is_a_decode_error_not_retried(
    serve: Serve, make_client: MakeClient
) -> None:
    server = serve(_bad_gzip)
    with pytest.raises(microblog.ResponseDecodeError):
        make_client(server.url)._request("GET", "/api/v1/me")
    assert len(server.received) == 1


def test_a_gzip_body_is_decoded_and_bounded_after_decoding(
    serve: Serve, make_client: MakeClient
) -> None:
    bomb = gzip.compress(b"[" + b" " * (4 * 2**20) + b"]")

    def answer(request: Received, conn: Conn) -> None:
        headers = [JSON, ("Content-Encoding", "gzip"), ("Content-Length", str(len(bomb)))]
        conn.send(conn.head(200, headers) + bomb)

    server = serve(answer)
    assert len(bomb) < 2**20
    assert make_client(server.url)._request("GET", "/api/v1/me").data == []
    with pytest.raises(microblog.ResponseTooLargeError):
        make_client(server.url, max_response_bytes=2**20)._request("GET", "/api/v1/me")


def test_a_refused_connection_is_never_sent_so_even_a_patch_is_retried(
    make_client: MakeClient,
) -> None:
    with socket.create_server(("127.0.0.2", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there now
    client = make_client(f"http://127.0.0.2:{port}")
    events: list[microblog.RetryEvent] = []
    client = make_client(f"http://127.0.0.2:{port}", hooks=microblog.Hooks(on_retry=events.append))

    with pytest.raises(microblog.APIConnectionError, match="connection failed") as got:
        client._request("PATCH", "/api/v1/me", json={"bio": "x"})

    assert not isinstance(got.value, microblog.APITimeoutError)
    assert len(events) == 3


pool = urllib3.HTTPConnectionPool("127.0.0.1", 1)


@pytest.mark.parametrize(
    ("exc", "failure", "sent"),
    [
        (requests.ConnectTimeout("connect"), "connect_timeout", False),
        (requests.ReadTimeout("read"), "timeout", True),
        (requests.exceptions.SSLError("tls"), "tls", False),
        (requests.exceptions.ProxyError("proxy"), "connect", False),
        (requests.exceptions.InvalidURL("url"), "invalid", False),
        (requests.exceptions.InvalidHeader("header"), "invalid", False),
        (requests.exceptions.InvalidSchema("schema"), "invalid", False),
        (
            requests.ConnectionError(
                urllib3.exceptions.MaxRetryError(
                    pool,
                    "/",
                    reason=urllib3.exceptions.NewConnectionError(None, "refused"),  # type: ignore[arg-type]
                )
            ),
            "connect",
            False,
        ),
        (
            requests.ConnectionError(urllib3.exceptions.ClosedPoolError(pool, "closed")),
            "connect",
            False,
        ),
        (requests.ConnectionError(urllib3.exceptions.ProtocolError("aborted")), "lost", True),
        (
            requests.ConnectionError(
                urllib3.exceptions.MaxRetryError(
                    pool, "/", reason=urllib3.exceptions.ProtocolError("x")
                )
            ),
            "lost",
            True,
        ),
        (requests.ConnectionError("no cause given"), "lost", True),
        (requests.exceptions.ChunkedEncodingError("cut"), "lost", True),
        (requests.exceptions.RetryError("retries"), "lost", True),
        (urllib3.exceptions.ProtocolError("raw"), "lost", True),
        (ConnectionResetError(104, "reset"), "lost", True),
    ],
)
def test_every_send_exception_is_classified(exc: Exception, failure: str, sent: bool) -> None:
    got = attempt_failed(exc, cut=False)
    assert isinstance(got, AttemptFailed)
    assert (got.failure, got.sent) == (failure, sent)


@pytest.mark.parametrize(
    ("exc", "sent"), [(requests.ConnectTimeout("c"), False), (requests.ReadTimeout("r"), True)]
)
def test_a_timeout_shortened_to_the_deadline_is_the_deadline(exc: Exception, sent: bool) -> None:
    got = attempt_failed(exc, cut=True)
    assert (got.failure, got.sent) == ("deadline", sent)
