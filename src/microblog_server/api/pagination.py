"""Pages of lists: the ``size``/``cursor`` parameters, the envelope and the Link header.

Lists are keyset-paginated, newest first. ``next`` carries an ``after`` cursor at the page's
last item (older items); ``previous`` a ``before`` cursor at its first item (newer items),
null on the first page. Both links go in the ``Link`` header too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response

from microblog_server.api.cursors import (
    CURSOR_PATTERN,
    InvalidCursorError,
    decode_cursor,
    encode_cursor,
)
from microblog_server.api.problems import ProblemError
from microblog_server.domain import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog_server.api.cursors import Direction, Position
    from microblog_server.domain import Keyset, PageResult

__all__ = ["PageParams", "PageQuery", "envelope"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageParams:
    """The page asked for, and the request it answers (for its links).

    Attributes:
        wanted: The page, as the services take it (size, and the cursor's key).
        request: The request (its URL is the base of the links).
        response: The response whose headers get the ``Link``.
    """

    wanted: PageRequest
    request: Request = field(repr=False, compare=False)
    response: Response = field(repr=False, compare=False)

    def envelope(self, page: PageResult[T], present: Callable[[T], Any]) -> dict[str, Any]:
        """Build ``{result, next, previous}`` for ``page`` and set the RFC 8288 ``Link`` header.

        Args:
            page: The page the service returned.
            present: Turns one item into its representation.

        Returns:
            The envelope.
        """
        return envelope(self.request, self.response, page, self.wanted.size, present)


async def page_params(
    request: Request,
    response: Response,
    size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="items per page")
    ] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None,
        Query(
            max_length=512,
            description="a position in the list, from a page's next or previous link: "
            "`after` or `before`, the key's time in microseconds since the Unix epoch and "
            "its id; any value the pattern admits is a real position (the page there may "
            "be empty), any other is 400 invalid_cursor",
            # Documentation only: the decoder answers a mismatch with 400 invalid_cursor,
            # not the 422 a validated query parameter would get.
            json_schema_extra={"pattern": CURSOR_PATTERN},
            examples=["after.1764547200000000.42"],
        ),
    ] = None,
) -> PageParams:
    """Read ``size`` and ``cursor``; a string that is not a cursor is 400 ``invalid_cursor``.

    ``async`` for the reason given in :mod:`microblog_server.api.deps`.
    """
    if cursor is None:
        return PageParams(PageRequest(size), request, response)
    try:
        position: Position = decode_cursor(cursor)
    except InvalidCursorError as error:
        raise ProblemError(400, "invalid_cursor", str(error)) from error
    if position.direction == "before":
        return PageParams(PageRequest(size, before=position.key), request, response)
    return PageParams(PageRequest(size, after=position.key), request, response)


PageQuery = Annotated[PageParams, Depends(page_params)]


def envelope(
    request: Request,
    response: Response,
    page: PageResult[T],
    size: int,
    present: Callable[[T], Any],
) -> dict[str, Any]:
    """Build ``{result, next, previous}`` and set the RFC 8288 ``Link`` header.

    Args:
        request: The request (its URL is the base of the links).
        response: The response whose headers get the ``Link``.
        page: The page the service returned.
        size: The page size (kept in the links).
        present: Turns one item into its representation.

    Returns:
        The envelope.
    """
    next_url = _link(request, page.next_key, "after", size)
    previous_url = _link(request, page.previous_key, "before", size)
    links = [
        f'<{url}>; rel="{rel}"'
        for url, rel in ((next_url, "next"), (previous_url, "prev"))
        if url is not None
    ]
    if links:
        response.headers["Link"] = ", ".join(links)
    return {
        "result": [present(item) for item in page.items],
        "next": next_url,
        "previous": previous_url,
    }


def _link(request: Request, key: Keyset | None, direction: Direction, size: int) -> str | None:
    if key is None:
        return None
    return str(request.url.include_query_params(cursor=encode_cursor(key, direction), size=size))
