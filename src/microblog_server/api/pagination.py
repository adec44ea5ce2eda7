"""Pages of lists: the ``size``/``cursor`` parameters, the envelope and the Link header.

Lists are keyset-paginated, newest first, forward only: ``next`` leads on, ``previous`` is
always null (a keyset cursor only knows where the next page starts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Query, Request

from microblog_server.api.cursors import InvalidCursorError
from microblog_server.api.problems import ProblemError

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import Response

    from microblog_server.domain import Keyset, PageResult

__all__ = ["PageParams", "PageQuery", "envelope"]

T = TypeVar("T")


def list_scope(request: Request) -> str:
    """Name the list a request reads: its path and filters, without ``cursor``/``size``."""
    filters = sorted(
        (k, v) for k, v in request.query_params.multi_items() if k not in {"cursor", "size"}
    )
    return request.url.path + "?" + "&".join(f"{k}={v}" for k, v in filters)


@dataclass(frozen=True, slots=True)
class PageParams:
    """The page asked for.

    Attributes:
        size: Items per page, 1-100.
        after: Where the page starts (decoded from the cursor), or ``None`` for the first.
    """

    size: int
    after: Keyset | None


def page_params(
    request: Request,
    size: Annotated[int, Query(ge=1, le=100, description="items per page")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=512, description="opaque, from a previous page's next link")
    ] = None,
) -> PageParams:
    """Read ``size`` and ``cursor``; a cursor that does not verify is 400 ``invalid_cursor``."""
    if cursor is None:
        return PageParams(size, None)
    try:
        after = request.app.state.cursors.decode(cursor, list_scope(request))
    except InvalidCursorError as error:
        raise ProblemError(400, "invalid_cursor", str(error)) from error
    return PageParams(size, after)


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
        size: The page size (kept in the next link).
        present: Turns one item into its representation.

    Returns:
        The envelope.
    """
    next_url = None
    if page.next_key is not None:
        cursor = request.app.state.cursors.encode(page.next_key, list_scope(request))
        next_url = str(request.url.include_query_params(cursor=cursor, size=size))
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return {"result": [present(item) for item in page.items], "next": next_url, "previous": None}
