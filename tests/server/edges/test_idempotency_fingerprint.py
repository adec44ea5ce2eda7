"""A stored Idempotency-Key record cannot be used to test password guesses (real HTTP).

Issue 19, medium 5: the record of a keyed sign-up kept a plain SHA-256 of the request
for 24 hours, so whoever read the table could try one password guess per hash. The
fingerprint is now keyed with the service's secret (HMAC): without the key, knowing
the request does not give the fingerprint, and two services with two keys store two
different ones for the same request.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import TYPE_CHECKING

from .support import call, serving

if TYPE_CHECKING:
    from pathlib import Path

SIGN_UP = {"username": "guessme", "password": "a-password-to-guess"}


def stored_fingerprint(tmp_path: Path, secret: str) -> str:
    """Sign up with an Idempotency-Key on a fresh service; return the stored fingerprint."""
    tmp_path.mkdir()
    with serving(tmp_path, secret_key=secret) as served:
        answer = call(
            served.base,
            "POST",
            "/api/v1/users",
            json_body=SIGN_UP,
            headers={"Idempotency-Key": "signup-1"},
        )
        assert answer.status == 201, answer.body
    with sqlite3.connect(tmp_path / "edges.db") as database:
        (fingerprint,) = database.execute("SELECT fingerprint FROM idempotency_keys").fetchone()
    return str(fingerprint)


def plain_hash(password: str) -> str:
    """What the record held before: SHA-256 of method, path, query and canonical body."""
    digest = hashlib.sha256()
    for part in ("POST", "/api/v1/users", ""):
        digest.update(part.encode() + b"\0")
    body = {**SIGN_UP, "password": password}
    digest.update(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    return digest.hexdigest()


def test_the_stored_fingerprint_is_keyed_with_the_secret(tmp_path: Path) -> None:
    first = stored_fingerprint(tmp_path / "one", "first-secret-key-" + "kP3vX9qLr7Zt2mWn8sYb4c")
    second = stored_fingerprint(tmp_path / "two", "second-secret-key-" + "Hd6fJg1aQe5uTo0iRlMxNz")

    guesses = {plain_hash(guess) for guess in ("password", SIGN_UP["password"], "letmein1")}
    assert first not in guesses  # the right guess no longer matches
    assert first != second
