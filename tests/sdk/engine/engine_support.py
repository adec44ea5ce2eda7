"""Shared helpers of the engine's tests: constants, a fake clock, problem bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import microblog

BASE = "http://127.0.0.1:8000"
CANARY_PASSWORD = "canary-password-7f3a9c"  # planted to prove it never leaks
CANARY_TOKEN = "canary-token-b81d42"

MakeClient = Callable[..., microblog.Client]


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def problem(status: int, code: str, detail: str = "it failed", **extra: Any) -> dict[str, Any]:
    """A problem-details body as the service sends it."""
    return {
        "type": f"/problems/{code}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": "rid-from-server",
        **extra,
    }


def sent_kwargs(mock: Any, index: int = 0) -> dict[str, Any]:
    """The keyword arguments (timeout, proxies, verify...) a mocked call was sent with."""
    request: Any = mock.calls[index].request
    return dict(request.req_kwargs)
