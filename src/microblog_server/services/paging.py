"""Turning a ``limit + 1`` fetch into a page with the keys of the next and previous ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from microblog_server.domain import FieldError, InvalidInput, PageResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog_server.domain import Keyset

__all__ = ["MAX_PAGE_SIZE", "check_size", "to_page"]

MAX_PAGE_SIZE = 100

T = TypeVar("T")
R = TypeVar("R")


def check_size(size: int) -> None:
    """Refuse a page size outside 1-100 with ``InvalidInput`` on the ``size`` parameter."""
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput([FieldError(f"1-{MAX_PAGE_SIZE}", parameter="size")])


def to_page(
    rows: list[R],
    size: int,
    key: Callable[[R], Keyset],
    present: Callable[[list[R]], list[T]],
    *,
    after: Keyset | None = None,
    before: Keyset | None = None,
) -> PageResult[T]:
    """Build a page from up to ``size + 1`` fetched rows, with the keys of its neighbours.

    Forward (no ``before``) the extra row is the oldest and means there is a next page; the
    page has a previous one whenever it was reached by a cursor. Backward (``before``) the
    rows are the ``size + 1`` closest newer than ``before`` and the extra row is the newest:
    it means there is still a previous page, and the page always has a next one.

    Args:
        rows: Up to ``size + 1`` rows, newest first.
        size: The page size asked for.
        key: The keyset of a row.
        present: Turns the page's rows into the items shown (e.g. adds counts in one go).
        after: The key the rows were fetched after, if any.
        before: The key the rows were fetched before, if any (a backward page).

    Returns:
        The page's rows presented, with the next and previous keys.
    """
    more = len(rows) > size
    if before is not None:
        page = rows[len(rows) - size :] if more else rows
        next_key = key(page[-1]) if page else None
        previous_key = key(page[0]) if more and page else None
    else:
        page = rows[:size]
        next_key = key(page[-1]) if more and page else None
        previous_key = (key(page[0]) if page else after) if after is not None else None
    return PageResult(present(page), next_key, previous_key)
