"""``microblog-web``: one command serves the site, by default next to an embedded service."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

from microblog_web.cli import parse_args
from tests.processes import free_port, wait_until_serving


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
        wait_until_serving(process, port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
            page = answer.read().decode()
        assert "Log in" in page
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert "MICROBLOG_WEB_SECRET is not set: using a random one" in stderr
