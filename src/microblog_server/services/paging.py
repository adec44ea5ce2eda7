"""Turning a ``limit + 1`` fetch into a page with the key of the next one."""

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
    rows: list[R], size: int, key: Callable[[R], Keyset], present: Callable[[list[R]], list[T]]
) -> PageResult[T]:
    """Build a page from ``size + 1`` fetched rows.

    Args:
        rows: Up to ``size + 1`` rows, newest first.
        size: The page size asked for.
        key: The keyset of a row.
        present: Turns the page's rows into the items shown (e.g. adds counts in one go).

    Returns:
        The first ``size`` rows presented, with the next key when a row was left over.
    """
    page = rows[:size]
    next_key = key(page[-1]) if len(rows) > size and page else None
    return PageResult(present(page), next_key)
