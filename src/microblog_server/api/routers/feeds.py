"""The timeline of a user and the search over microposts."""

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response as PlainResponse

from microblog_server.api.deps import Authenticated
from microblog_server.api.openapi import problems
from microblog_server.api.pagination import PageQuery
from microblog_server.api.presenters import present_micropost
from microblog_server.api.schemas import NO_NUL, SEARCH_TEXT, MicropostPage

__all__ = ["router"]

router = APIRouter(tags=["microposts"])


@router.get(
    "/users/{username}/timeline",
    response_model=MicropostPage,
    summary="A user's timeline",
    responses=problems(400, 404),
    operation_id="getTimeline",
)
def timeline(
    *,
    username: str,
    call: Authenticated,
    page: PageQuery,
) -> PlainResponse:
    """List, newest first, microposts of the users ``username`` follows and those naming them."""
    result = call.services.feeds.timeline(username, page=page.wanted)
    return page.envelope(result, lambda p: present_micropost(p, call.links))


@router.get(
    "/search",
    response_model=MicropostPage,
    summary="Search microposts",
    responses=problems(400),
    operation_id="searchMicroposts",
)
def search(
    *,
    call: Authenticated,
    page: PageQuery,
    text: Annotated[
        str,
        Query(min_length=3, max_length=255, pattern=SEARCH_TEXT, description="3+ characters"),
    ],
    username: Annotated[
        str | None, Query(max_length=30, pattern=NO_NUL, description="author prefix")
    ] = None,
) -> PlainResponse:
    """Find microposts containing ``text`` (case-insensitive), optionally by author prefix."""
    result = call.services.feeds.search(text, username=username, page=page.wanted)
    return page.envelope(result, lambda p: present_micropost(p, call.links))
