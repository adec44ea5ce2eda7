"""What the revocation listener does with each message on its channel (no Redis needed)."""

from __future__ import annotations

import hashlib

import pytest

from microblog_server.persistence.redis_revocations import RedisRevocations

DIGEST = hashlib.sha256(b"a token").hexdigest()


def _heard(*messages: object) -> tuple[list[str], list[int]]:
    listener = RedisRevocations("redis://127.0.0.1:1/0")  # never connects here
    tokens: list[str] = []
    users: list[int] = []
    try:
        for message in messages:
            listener._dispatch(message, tokens.append, users.append)  # the thread's step
    finally:
        listener.close()
    return tokens, users


def test_the_services_own_messages_are_acted_on() -> None:
    assert _heard(f"token:{DIGEST}".encode(), b"user:42") == ([DIGEST], [42])


def test_anything_else_is_ignored_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    forged = [b"\xff\xfe", b"token:xyz", b"user:-1", b"user:0", b"token:" + b"a" * 65, "text"]

    assert _heard(*forged) == ([], [])
    warnings = [r for r in caplog.records if "did not write" in r.getMessage()]
    assert len(warnings) == 1
