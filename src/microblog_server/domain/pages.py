"""Keyset pagination values shared by every list use case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from microblog_server.domain.errors import FieldError, InvalidInput

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "FIRST_PAGE",
    "MAX_PAGE_SIZE",
    "Keyset",
    "PageRequest",
    "PageResult",
]

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Keyset:
    """The sort key of an item at a page's edge; a page starts strictly after or before it.

    Every list is ordered newest first on ``(at, id)``: for microposts the creation time and
    micropost id, for user lists the sign-up time and user id, for following/followers the
    time the follow began and the other user's id.

    Attributes:
        at: The timestamp part of the key (timezone-aware UTC).
        id: The tie-breaking integer id.
    """

    at: datetime
    id: int


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page of a list to read: its size and where it starts, checked once, here.

    Attributes:
        size: Items per page, 1-100.
        after: The page holds the items strictly older than this key (the previous
            page's ``next_key``), if any.
        before: The page holds the ``size`` items strictly newer than this key and closest
            to it (the next page's ``previous_key``: paging back), if any.

    Raises:
        InvalidInput: ``size`` out of range (parameter ``size``).
        ValueError: Both ``after`` and ``before`` given (a bug of the caller, not input).
    """

    size: int = DEFAULT_PAGE_SIZE
    after: Keyset | None = None
    before: Keyset | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise InvalidInput([FieldError(f"1-{MAX_PAGE_SIZE}", parameter="size")])
        if self.after is not None and self.before is not None:
            msg = "a page starts after a key or ends before one, not both"
            raise ValueError(msg)

    @property
    def rows_to_fetch(self) -> int:
        """How many rows a repository returns for it: one more than the page.

        The extra row tells whether another page follows (or, paging back, precedes).
        """
        return self.size + 1


FIRST_PAGE = PageRequest()
"""The first page of the default size."""


@dataclass(frozen=True, slots=True)
class PageResult(Generic[T]):
    """One page of a list.

    Attributes:
        items: The page, newest first.
        next_key: Where the next (older) page starts, or ``None`` on the last page.
        previous_key: Where the previous (newer) page ends, or ``None`` on the first page.
    """

    items: list[T]
    next_key: Keyset | None
    previous_key: Keyset | None = None
