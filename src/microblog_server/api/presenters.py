"""From domain entities to API representations, with absolute links."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request as StarletteRequest

from microblog_server.api.schemas import MicropostOut, UserOut

if TYPE_CHECKING:
    from starlette.requests import Request

    from microblog_server.domain import Micropost, UserView

__all__ = ["Links", "present_micropost", "present_user"]


class Links:
    """Absolute URLs of the API's resources, rooted at the request's base URL.

    Args:
        request: The request being answered (its scheme, host and root path count).
    """

    def __init__(self, request: Request) -> None:
        scope = request.scope
        host = next((value for key, value in scope["headers"] if key == b"host"), None)
        root_path = scope.get("app_root_path", scope.get("root_path", ""))
        server = scope.get("server")  # a list from some servers: the key must be hashable
        self.root = _api_root(
            scope.get("scheme", "http"), None if server is None else tuple(server), host, root_path
        )

    def user(self, username: str) -> str:
        """Return the URL of a user."""
        return f"{self.root}/users/{quote(username, safe='')}"

    def micropost(self, username: str, micropost_id: int) -> str:
        """Return the canonical URL of a micropost."""
        return f"{self.user(username)}/collection/{micropost_id}"


def present_user(view: UserView, links: Links) -> UserOut:
    """Return the representation of a user with counts."""
    user = view.user
    href = links.user(user.username)
    return UserOut(
        username=user.username,
        display_name=user.display_name,
        bio=user.bio,
        created_at=user.created_at,
        followers_count=view.followers_count,
        following_count=view.following_count,
        microposts_count=view.microposts_count,
        href=href,
        collection=f"{href}/collection",
        timeline=f"{href}/timeline",
        following=f"{href}/following",
        followers=f"{href}/followers",
    )


def present_micropost(post: Micropost, links: Links) -> MicropostOut:
    """Return the representation of a micropost."""
    return MicropostOut(
        id=post.id,
        href=links.micropost(post.author, post.id),
        user=post.author,
        text=post.text,
        referenced=post.referenced,
        mentions=list(post.mentions),
        timestamp=post.timestamp,
        updated_at=post.updated_at,
    )


@lru_cache(maxsize=64)
def _api_root(
    scheme: str, server: tuple[str, int | None] | None, host: bytes | None, root_path: str
) -> str:
    """The API's root URL for one origin: what ``request.base_url`` gives, built once.

    Keyed by everything Starlette builds the base URL from, so a root is only ever shared
    by requests that would build the same one; the ``Host`` was admitted by
    :mod:`~microblog_server.api.hosts` (the few names the service answers for), and the
    cache is bounded anyway.
    """
    scope = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "root_path": root_path,
        "path": "/",
        "query_string": b"",
        "headers": [] if host is None else [(b"host", host)],
    }
    return str(StarletteRequest(scope).base_url).rstrip("/") + "/api/v1"
