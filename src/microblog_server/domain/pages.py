"""Keyset pagination values shared by every list use case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["Keyset", "PageResult"]

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
