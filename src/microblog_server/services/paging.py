"""Turning a fetch of one row more than the page into a page with its neighbours' keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from microblog_server.domain import PageResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog_server.domain import Keyset, PageRequest

__all__ = ["to_page"]

T = TypeVar("T")
R = TypeVar("R")


def to_page(
    rows: list[R],
    page: PageRequest,
    key: Callable[[R], Keyset],
    present: Callable[[list[R]], list[T]],
) -> PageResult[T]:
    """Build a page from up to ``page.rows_to_fetch`` rows, with the keys of its neighbours.

    Forward (no ``before``) the extra row is the oldest and means there is a next page; the
    page has a previous one whenever it was reached by a cursor. Backward (``before``) the
    rows are the ``size + 1`` closest newer than ``before`` and the extra row is the newest:
    it means there is still a previous page, and the page always has a next one.

    Args:
        rows: Up to ``page.rows_to_fetch`` rows, newest first.
        page: The page asked for.
        key: The keyset of a row.
        present: Turns the page's rows into the items shown (e.g. adds counts in one go).

    Returns:
        The page's rows presented, with the next and previous keys.
    """
    size = page.size
    more = len(rows) > size
    if page.before is not None:
        kept = rows[len(rows) - size :] if more else rows
        next_key = key(kept[-1]) if kept else None
        previous_key = key(kept[0]) if more and kept else None
    else:
        kept = rows[:size]
        next_key = key(kept[-1]) if more and kept else None
        previous_key = (key(kept[0]) if kept else page.after) if page.after is not None else None
    return PageResult(present(kept), next_key, previous_key)
