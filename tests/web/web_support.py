"""Shared helpers of the web app's tests: the site served on 127.0.0.1, the browser, users.

The site runs in-process, next to a :class:`~microblog.testing.LocalServer`, under a
uvicorn server on a free port in a background thread (one per test module); the browser
is the system's Chromium, driven by Playwright without downloading one.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uvicorn

from microblog.testing import LocalServer
from microblog_web import build_app

if TYPE_CHECKING:
    from playwright.sync_api import Page

SECRET = "web-tests-secret-not-for-production"
PASSWORD = "correct-horse-battery"
_names = itertools.count()


def new_name(prefix: str = "user") -> str:
    """A username no other test uses (3-30 characters of [A-Za-z0-9_])."""
    return f"{prefix}_{next(_names)}"


@dataclass
class RunningSite:
    """The site under test and the service behind it."""

    url: str
    api: LocalServer

    def user(self, prefix: str = "user", *, display_name: str | None = None) -> str:
        """Sign a new user up at the service (faster than the form); return the username."""
        username = new_name(prefix)
        self.api.create_user(username, PASSWORD, display_name=display_name)
        return username


@contextmanager
def serving(**options: object) -> Iterator[RunningSite]:
    """Run the reference service and the site on free loopback ports until the block ends."""
    with LocalServer(**options) as api:  # type: ignore[arg-type]
        app = build_app(api.url, secret=SECRET)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while not server.started:
                assert thread.is_alive(), "the site's server thread died"
                assert time.monotonic() < deadline, "the site did not start"
                time.sleep(0.005)  # waiting for the thread to bind, not for a retry
            yield RunningSite(f"http://127.0.0.1:{port}", api)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the form and wait for the home page."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


def post(page: Page, text: str) -> None:
    """Post from the home page through the form, and wait for the author's page."""
    page.goto("/")
    page.get_by_label("What's happening?").fill(text)
    page.get_by_role("button", name="Post").click()
    page.wait_for_url("**/users/*")
