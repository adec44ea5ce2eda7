"""``microblog-web``: one command serves the site, by default next to an embedded service."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from microblog_web.cli import parse_args


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[str]) -> None:
    """Wait until the site accepts connections (it binds right after printing its URL)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            assert process.poll() is None, "microblog-web exited"
            assert time.monotonic() < deadline, "the site did not start"
            time.sleep(0.05)  # waiting for the process to bind, not for a retry


def test_the_defaults_are_loopback_8080_and_the_embedded_service() -> None:
    args = parse_args([])

    assert (args.api, args.host, args.port) == (None, "127.0.0.1", 8080)
    assert parse_args(["--api", "http://lb:80", "--port", "9000"]).api == "http://lb:80"


def test_with_no_argument_it_serves_the_site_and_the_service_and_prints_both_urls() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROBLOG_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "microblog_web.cli", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        service = process.stdout.readline()
        site = process.stdout.readline()
        assert service.startswith("The reference service (embedded, throw-away database): http")
        assert site == f"The site: http://127.0.0.1:{port}\n"
        api_url = service.rsplit(" ", 1)[1].strip()
        with urllib.request.urlopen(f"{api_url}/health/live", timeout=10) as answer:
            assert answer.status == 200
        wait_for_port(port, process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
            page = answer.read().decode()
        assert "Log in" in page
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert "MICROBLOG_WEB_SECRET is not set: using a random one" in stderr
