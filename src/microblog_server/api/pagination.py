"""Pages of lists: the ``size``/``cursor`` parameters, the envelope and the Link header.

Lists are keyset-paginated, newest first. ``next`` carries an ``after`` cursor at the page's
last item (older items); ``previous`` a ``before`` cursor at its first item (newer items),
null on the first page. Both links go in the ``Link`` header too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, TypeVar

import pydantic_core
from fastapi import Depends, Query, Request
from starlette.responses import Response

from microblog_server.api.conditional import JSON
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

    from pydantic import BaseModel

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
    """

    wanted: PageRequest
    request: Request = field(repr=False, compare=False)

    def envelope(self, page: PageResult[T], present: Callable[[T], BaseModel]) -> Response:
        """Answer ``{result, next, previous}`` for ``page``, with the RFC 8288 ``Link`` header.

        Args:
            page: The page the service returned.
            present: Turns one item into its representation.

        Returns:
            The response (the route's ``response_model`` documents it).
        """
        return envelope(self.request, page, self.wanted.size, present)


async def page_params(
    request: Request,
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
        return PageParams(PageRequest(size), request)
    try:
        position: Position = decode_cursor(cursor)
    except InvalidCursorError as error:
        raise ProblemError(400, "invalid_cursor", str(error)) from error
    if position.direction == "before":
        return PageParams(PageRequest(size, before=position.key), request)
    return PageParams(PageRequest(size, after=position.key), request)


PageQuery = Annotated[PageParams, Depends(page_params)]


def envelope(
    request: Request,
    page: PageResult[T],
    size: int,
    present: Callable[[T], BaseModel],
) -> Response:
    """Answer ``{result, next, previous}``, with the RFC 8288 ``Link`` header.

    The items are pydantic models already, valid by construction: the page is encoded
    once, in pydantic's core, and returned as a response, so that FastAPI does not
    validate it again against the route's ``response_model`` (in a second worker-thread
    hop, for a route that is a plain ``def``).

    Args:
        request: The request (its URL is the base of the links).
        page: The page the service returned.
        size: The page size (kept in the links).
        present: Turns one item into its representation.

    Returns:
        The response.
    """
    next_url = _link(request, page.next_key, "after", size)
    previous_url = _link(request, page.previous_key, "before", size)
    links = [
        f'<{url}>; rel="{rel}"'
        for url, rel in ((next_url, "next"), (previous_url, "prev"))
        if url is not None
    ]
    body = pydantic_core.to_json(
        {
            "result": [present(item) for item in page.items],
            "next": next_url,
            "previous": previous_url,
        }
    )
    headers = {"Link": ", ".join(links)} if links else None
    return Response(body, headers=headers, media_type=JSON)


def _link(request: Request, key: Keyset | None, direction: Direction, size: int) -> str | None:
    if key is None:
        return None
    return str(request.url.include_query_params(cursor=encode_cursor(key, direction), size=size))
