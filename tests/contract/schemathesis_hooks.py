"""Schemathesis hooks for ``run_schemathesis.sh`` (the CLI run against the live service).

Loaded with ``SCHEMATHESIS_HOOKS=tests/contract/schemathesis_hooks.py``; pytest does not
collect it. Two things a schema cannot say:

- Authentication survives the run: generated calls revoke the presented token
  (``DELETE /api/v1/token``) or change the user's password, so the token is fetched by a
  provider that logs in again after any 401, and signs up a fresh user when the first one's
  password no longer works.
- Positive cases stay valid where validity depends on the data, not the shape: an
  ``If-Match`` only when it is the current ETag (else 412), ``referenced`` only when it
  names an existing user and a follow only of someone else (else 422). Positive cases drop
  generated ``If-Match`` values, reference a seeded user and follow one. (Cursors are
  declared with their pattern, and every cursor it admits is valid; ``Idempotency-Key`` is
  not a declared parameter, so generated cases do not send one.)
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

import schemathesis

_BASE = os.environ.get("MICROBLOG_ST_BASE_URL", "http://127.0.0.1:8000")
_PASSWORD = "microblog-demo"


def _post(path: str, data: bytes, content_type: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{_BASE}{path}", data=data, headers={"Content-Type": content_type}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body: dict[str, Any] = json.load(response)
    return body


def _login(username: str) -> str:
    form = {"grant_type": "password", "username": username, "password": _PASSWORD}
    body = urllib.parse.urlencode(form).encode()
    return str(_post("/api/v1/token", body, "application/x-www-form-urlencoded")["access_token"])


@schemathesis.auth(refresh_interval=60)
class LiveBearer:
    """Log in as the run's user; after a 401, log in again (or sign up a fresh user)."""

    username = os.environ.get("MICROBLOG_ST_USER", "whitfield")

    def get(self, case: Any, context: Any) -> str:
        """Return a valid access token."""
        try:
            return _login(self.username)
        except urllib.error.HTTPError:
            # The fuzzer changed this user's password or deleted the user.
            self.username = f"st_{uuid.uuid4().hex[:12]}"
            signup = {"username": self.username, "password": _PASSWORD}
            _post("/api/v1/users", json.dumps(signup).encode(), "application/json")
            return _login(self.username)

    def set(self, case: Any, data: str, context: Any) -> None:
        """Put the token in the ``Authorization`` header."""
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def _existing_user(avoid: object) -> str:
    return "grace" if avoid == "dana" else "dana"


def _reference_a_seeded_user(item: object) -> None:
    if isinstance(item, dict) and isinstance(item.get("referenced"), str):
        item["referenced"] = "dana"


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """Keep positive cases valid where the data, not the shape, decides (module docstring)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case
    for name in list(case.headers or {}):
        if name.lower() == "if-match":
            del case.headers[name]
    body = case.body
    if isinstance(body, dict):
        _reference_a_seeded_user(body)
        for item in body.get("items") or []:
            _reference_a_seeded_user(item)
        path_user = (case.path_parameters or {}).get("username")
        if case.path.endswith("/following") and body.get("username") == path_user:
            body["username"] = _existing_user(path_user)
    return case
