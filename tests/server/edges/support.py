"""Real HTTP for the edge tests: calls from a chosen source address, a ``serve`` process.

Calls go through :mod:`http.client` so a test can pick the client's address
(``127.0.0.2`` ...) and send any ``Host``; :func:`serving` runs ``microblog-server serve``
as a child process with its log written to a file the test reads.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from tests.processes import free_port, wait_until_serving

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = [
    "PASSWORD",
    "Answer",
    "Served",
    "bearer",
    "call",
    "free_port",
    "serving",
    "sign_up",
    "token",
]

PASSWORD = "Tr0ub4dor-and-3"
SECRET = "edges-test-secret-key-0123456789-abcdefghij"


@dataclass
class Answer:
    """A response: status, headers (lower-case names; the last of each) and body."""

    status: int
    headers: dict[str, str]
    body: bytes
    all_headers: list[tuple[str, str]] = field(default_factory=list)

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


def call(
    base: str,
    method: str,
    path: str,
    *,
    json_body: object = None,
    raw: bytes | None = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    source: str | None = None,
    timeout: float = 30,
) -> Answer:
    """Send one request to ``base`` (``http://127.0.0.1:port``) and read the answer."""
    parts = urlsplit(base)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(
        parts.hostname,
        parts.port,
        timeout=timeout,
        source_address=(source, 0) if source else None,
    )
    sent = dict(headers or {})
    body = raw
    if json_body is not None:
        body = json.dumps(json_body).encode()
        sent.setdefault("Content-Type", "application/json")
    if form is not None:
        body = urlencode(form).encode()
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        pairs = [(k.lower(), v) for k, v in response.getheaders()]
        return Answer(response.status, dict(pairs), data, pairs)
    finally:
        connection.close()


def sign_up(base: str, username: str, password: str = PASSWORD) -> None:
    """Create a user (expecting 201)."""
    created = call(
        base, "POST", "/api/v1/users", json_body={"username": username, "password": password}
    )
    assert created.status == 201, created.body


def token(base: str, username: str, password: str = PASSWORD, source: str | None = None) -> str:
    """Log in (expecting 200) and return the access token."""
    answer = call(
        base,
        "POST",
        "/api/v1/token",
        form={"username": username, "password": password},
        source=source,
    )
    assert answer.status == 200, answer.body
    access: str = answer.json()["access_token"]
    return access


def bearer(access: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {access}"}


@dataclass
class Served:
    """A running ``serve`` process."""

    base: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]


def cheap_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a ``microblog-server`` child: a fresh database, cheap hashing."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MICROBLOG_")}
    env.update(
        {
            "MICROBLOG_DATABASE_URL": f"sqlite:///{tmp_path / 'edges.db'}",
            "MICROBLOG_SECRET_KEY": SECRET,
            "MICROBLOG_PASSWORD_HASH_MEMORY_COST": "8",
            "MICROBLOG_PASSWORD_HASH_PARALLELISM": "1",
            "MICROBLOG_PASSWORD_HASH_TIME_COST": "1",
        }
    )
    env.update({f"MICROBLOG_{name.upper()}": value for name, value in settings.items()})
    return env


@contextmanager
def serving(tmp_path: Path, *options: str, **settings: str) -> Iterator[Served]:
    """Run ``microblog-server serve`` on a free port; its log goes to ``tmp_path/serve.log``."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "microblog_server", "serve", "--port", str(port), *options],
            env=cheap_env(tmp_path, **settings),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, port, log=log)
        yield Served(base, port, log, process)
    finally:
        process.terminate()
        process.wait(timeout=15)
