"""What only a real ``microblog-server`` process shows: its log, its socket, its errors."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from .support import cheap_env, serving

if TYPE_CHECKING:
    from pathlib import Path

#: How every line of the serve log starts (uvicorn's format, and ours on the same handler).
LINE = re.compile(rb"^(INFO|WARNING|ERROR|DEBUG|CRITICAL):? ")


def raw_request(port: int, request: bytes) -> bytes:
    """Send raw bytes and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def wait_for(log: Path, needle: bytes, timeout: float = 15) -> bytes:
    """Return the log once it holds ``needle`` (the access line is written after the answer)."""
    deadline = time.monotonic() + timeout
    while needle not in (text := log.read_bytes()):
        assert time.monotonic() < deadline, text
        time.sleep(0.05)  # polling a file another process writes, not waiting for a retry
    return text


def test_a_newline_or_nul_in_the_path_cannot_forge_a_log_line(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        forged = b"/api/v1/users/x%0AINFO:%20forged%20200%0D%00%1B[31m%E2%80%A8end"
        raw_request(
            served.port,
            b"GET " + forged + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Connection: close\r\nX-Request-ID: marker-1\r\n\r\n",
        )
        log = wait_for(served.log, b"request_id=marker-1")

    assert b"\x00" not in log
    assert b"\x1b" not in log
    assert "\u2028".encode() not in log
    for line in log.splitlines():
        assert LINE.match(line), line
    access = next(line for line in log.splitlines() if b"marker-1" in line)
    assert b"/api/v1/users/x\\x0aINFO: forged 200\\x0d\\x00\\x1b[31m\\u2028end" in access
    assert not any(line.startswith(b"INFO: forged") for line in log.splitlines())


def test_serve_announces_no_server_banner_and_says_nosniff(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        answer = raw_request(
            served.port,
            b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )

    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 200")
    assert b"\r\nserver:" not in head
    assert b"uvicorn" not in head
    assert b"x-content-type-options: nosniff" in head


def closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed ``sock`` (fails past ``seconds``)."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(1024):
            pass
    except TimeoutError:
        pytest.fail(f"still open after {seconds} s")
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def test_a_connection_that_sends_nothing_is_closed(tmp_path: Path) -> None:
    with serving(tmp_path, server_timeout="1") as served:
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as silent:
            assert closed_within(silent, 15) < 15


def trickle_until_closed(slow: socket.socket, seconds: float = 15) -> bool:
    """Send a header a byte at a time; return whether the server closed the connection."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            slow.sendall(b"X")  # one byte of a header that never ends
            slow.settimeout(0.25)
            if slow.recv(1024) == b"":
                return True
        except TimeoutError:
            continue  # nothing yet: the server is still reading
        except (BrokenPipeError, ConnectionResetError):
            return True
    return False


def test_a_connection_that_trickles_its_headers_is_closed(tmp_path: Path) -> None:
    with serving(tmp_path, server_timeout="1") as served:
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as slow:
            slow.sendall(b"GET /health/live HTTP/1.1\r\n")
            assert trickle_until_closed(slow)


def test_a_keep_alive_connection_that_trickles_its_next_headers_is_closed(
    tmp_path: Path,
) -> None:
    # The clock restarts at the first byte after a response (uvicorn's idle timer stops
    # there), so a connection cannot earn unbounded time by answering one request first.
    with serving(tmp_path, server_timeout="1") as served:
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as slow:
            slow.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert slow.recv(1024).startswith(b"HTTP/1.1 200")
            slow.sendall(b"GET /health/live HTTP/1.1\r\n")
            assert trickle_until_closed(slow)


def test_a_keep_alive_connection_still_serves_its_next_request(tmp_path: Path) -> None:
    with serving(tmp_path, server_timeout="2") as served:
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        try:
            for _ in range(2):
                connection.request("GET", "/health/live")
                response = connection.getresponse()
                assert response.status == 200
                response.read()
                assert not response.will_close
        finally:
            connection.close()


SECRET = "hunter2-is-my-secret-key"


@pytest.mark.parametrize("command", ["serve", "migrate", "seed"])
@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"secret_key": SECRET}, "MICROBLOG_SECRET_KEY must have at least 32 characters"),
        ({"secret_key": SECRET, "token_ttl": "-5"}, "MICROBLOG_TOKEN_TTL: Input should be greater"),
        ({"secret_key": SECRET * 2, "rate_limit": SECRET}, "MICROBLOG_RATE_LIMIT: Value error"),
        ({"secret_key": SECRET * 2, "public_base_url": SECRET}, "MICROBLOG_PUBLIC_BASE_URL"),
    ],
    ids=["short-secret", "bad-ttl", "bad-rate", "bad-base-url"],
)
def test_an_invalid_setting_names_the_field_and_rule_never_the_secret(
    tmp_path: Path, command: str, settings: dict[str, str], expected: str
) -> None:
    env = cheap_env(tmp_path, **settings)

    done = subprocess.run(
        [sys.executable, "-m", "microblog_server", command],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )

    errors = done.stderr.decode()
    assert done.returncode == 2, errors
    assert expected in errors
    assert SECRET[:6] not in errors
    assert "input_value" not in errors
    assert "-5" not in errors
    assert "Traceback" not in errors


def first_answer(port: int, wanted: bytes, timeout: float = 15) -> bytes:
    """GET /health/live until the answer starts with ``wanted`` (or the time is up)."""
    deadline = time.monotonic() + timeout
    request = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    while not (answer := raw_request(port, request)).startswith(wanted):
        if time.monotonic() > deadline:
            return answer
        time.sleep(0.05)  # the server has not accepted (or noticed closing) the others yet
    return answer


def test_past_the_concurrency_limit_serve_answers_503_at_once(tmp_path: Path) -> None:
    with serving(tmp_path, server_limit_concurrency="3", server_timeout="30") as served:
        idle = [socket.create_connection(("127.0.0.1", served.port), timeout=10) for _ in range(3)]
        try:
            over = first_answer(served.port, b"HTTP/1.1 503")
        finally:
            for sock in idle:
                sock.close()
        under = first_answer(served.port, b"HTTP/1.1 200")

    assert over.startswith(b"HTTP/1.1 503")
    assert under.startswith(b"HTTP/1.1 200")


def test_content_length_with_transfer_encoding_is_400_and_the_connection_closes(
    tmp_path: Path,
) -> None:
    # RFC 9112 6.1: a message with both may be a smuggling attempt; the server must close
    # the connection after answering. A second request pipelined behind it is never read.
    ambiguous = (
        b"POST /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 4\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    )
    smuggled = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with serving(tmp_path) as served:
        answer = raw_request(served.port, ambiguous + smuggled)

    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert answer.count(b"HTTP/1.1 ") == 1, answer  # the pipelined request got no answer
    assert b"connection: close" in answer.split(b"\r\n\r\n", 1)[0].lower()
