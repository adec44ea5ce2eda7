"""Read-side use cases across collections: the timeline and search."""

from __future__ import annotations

from typing import TYPE_CHECKING

from microblog_server.domain import (
    FIRST_PAGE,
    FieldError,
    InvalidInput,
    Micropost,
    PageRequest,
    PageResult,
)
from microblog_server.services.microposts import micropost_key
from microblog_server.services.paging import to_page
from microblog_server.services.users import require_user

if TYPE_CHECKING:
    from microblog_server.services.ports import UnitOfWorkFactory

__all__ = ["SEARCH_MIN_CHARS", "FeedService"]

SEARCH_MIN_CHARS = 3


class FeedService:
    """The timeline of a user and the search over every micropost.

    Args:
        uow_factory: Opens a unit of work per use case.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def timeline(
        self,
        username: str,
        *,
        page: PageRequest = FIRST_PAGE,
    ) -> PageResult[Micropost]:
        """List, newest first and once each, the microposts that concern ``username``.

        Those are the microposts of the users ``username`` follows, plus the microposts
        that reference or mention ``username``.

        Raises:
            NotFound: No such user.
        """
        with self._uow_factory(read_only=True) as uow:
            rows = uow.microposts.timeline(username, page)
            if not rows:
                # Only an empty page needs to know whether the user exists (404). A page
                # with items is one statement: the timeline query names the user itself.
                require_user(uow, username)
            return to_page(rows, page, micropost_key, list)

    def search(
        self,
        text: str,
        *,
        username: str | None = None,
        page: PageRequest = FIRST_PAGE,
    ) -> PageResult[Micropost]:
        """Find microposts whose text contains ``text``, ignoring case, newest first.

        Args:
            text: At least 3 characters.
            username: Only authors whose username starts with this (case-insensitive).
            page: Which page.

        Raises:
            InvalidInput: ``text`` shorter than 3 characters (parameter ``text``).
        """
        if len(text.strip()) < SEARCH_MIN_CHARS:
            raise InvalidInput(
                [FieldError(f"at least {SEARCH_MIN_CHARS} characters", parameter="text")]
            )
        with self._uow_factory(read_only=True) as uow:
            rows = uow.microposts.search(text, page, username_prefix=username or None)
            return to_page(rows, page, micropost_key, list)
