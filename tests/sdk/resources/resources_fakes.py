"""A fake client implementing the ``_request`` seam, and sample JSON, for resource tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from microblog._resources import MicropostManager, UserManager

if TYPE_CHECKING:
    from collections.abc import Mapping

BASE = "http://127.0.0.1:8000"
API = f"{BASE}/api/v1"


@dataclass(frozen=True)
class FakeResponse:
    """What ``Client._request`` returns, reduced to what resources read."""

    data: Any = None
    etag: str | None = None
    status_code: int = 200
    request_id: str = "req-1"


@dataclass(frozen=True)
class Call:
    """One recorded ``_request`` call."""

    method: str
    path: str
    params: dict[str, str | int]
    json: Any
    if_match: str | None


@dataclass
class FakeClient:
    """Answers ``_request`` from queued replies per (method, path) and records every call."""

    username: str | None = "dana"
    calls: list[Call] = field(default_factory=list)
    replies: dict[tuple[str, str], list[FakeResponse | Exception]] = field(default_factory=dict)
    password_changes: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.users = UserManager(self)
        self.microposts = MicropostManager(self)

    @property
    def _username(self) -> str | None:
        return self.username

    def _caller(self) -> str:
        return self.users._caller()

    def _password_changed(self, username: str, password: str) -> None:
        self.password_changes.append((username, password))

    def reply(self, method: str, path: str, *replies: FakeResponse | Exception) -> None:
        """Queue replies; the last one is repeated once the others are used."""
        self.replies[(method, path)] = list(replies)

    def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str | int | None] | None = None,
        json: Any = None,
        if_match: str | None = None,
        template: str | None = None,
    ) -> FakeResponse:
        kept = {k: v for k, v in (params or {}).items() if v is not None}
        self.calls.append(Call(method, path_or_url, kept, json, if_match))
        queue = self.replies.get((method, path_or_url))
        if not queue:
            raise AssertionError(f"unexpected request {method} {path_or_url}")
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        return reply


def user_json(username: str = "dana", **changes: Any) -> dict[str, Any]:
    """A User representation as the service sends it."""
    href = f"{API}/users/{username}"
    return {
        "username": username,
        "display_name": username.title(),
        "bio": "",
        "created_at": "2026-11-01T09:00:00Z",
        "followers_count": 2,
        "following_count": 1,
        "microposts_count": 7,
        "href": href,
        "collection": f"{href}/collection",
        "timeline": f"{href}/timeline",
        "following": f"{href}/following",
        "followers": f"{href}/followers",
        **changes,
    }


def post_json(ident: int = 5, user: str = "jaime", **changes: Any) -> dict[str, Any]:
    """A Micropost representation as the service sends it."""
    return {
        "id": ident,
        "href": f"{API}/users/{user}/collection/{ident}",
        "user": user,
        "text": "A referenced micropost for @dana",
        "referenced": "dana",
        "mentions": ["dana"],
        "timestamp": "2026-11-01T09:00:00Z",
        "updated_at": None,
        **changes,
    }


def page_json(items: list[Any], next_link: str | None = None) -> dict[str, Any]:
    """A page envelope."""
    return {"result": items, "next": next_link, "previous": None}
