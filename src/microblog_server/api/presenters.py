"""From domain entities to API representations, with absolute links."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

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
        self.root = str(request.base_url).rstrip("/") + "/api/v1"

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
