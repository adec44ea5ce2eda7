"""Following and followers of a user."""

from fastapi import APIRouter
from starlette.responses import Response as PlainResponse

from microblog_server.api.conditional import item_response
from microblog_server.api.deps import Authenticated
from microblog_server.api.openapi import problems
from microblog_server.api.pagination import PageQuery
from microblog_server.api.presenters import present_user
from microblog_server.api.schemas import FollowIn, UserOut, UserPage

__all__ = ["router"]

router = APIRouter(tags=["follows"])


@router.get(
    "/users/{username}/following",
    response_model=UserPage,
    summary="Whom a user follows",
    responses=problems(400, 404),
    operation_id="listFollowing",
)
def list_following(
    *,
    username: str,
    call: Authenticated,
    page: PageQuery,
) -> PlainResponse:
    """List the users ``username`` follows, most recent follow first."""
    result = call.services.follows.following(username, page=page.wanted)
    return page.envelope(result, lambda v: present_user(v, call.links))


@router.post(
    "/users/{username}/following",
    status_code=201,
    response_model=UserOut,
    summary="Follow a user",
    responses={
        200: {"description": "Already followed", "model": UserOut},
        **problems(403, 404),
    },
    operation_id="followUser",
)
def follow(
    *,
    username: str,
    body: FollowIn,
    call: Authenticated,
) -> PlainResponse:
    """Make the caller follow ``username`` of the body: 201, or 200 if they already did."""
    outcome = call.services.follows.follow(call.user, username, body.username)
    representation = present_user(outcome.followed, call.links)
    return item_response(
        representation,
        kind="user",
        id_=outcome.followed.user.id,
        version=outcome.followed.user.version,
        status_code=201 if outcome.created else 200,
        location=representation.href if outcome.created else None,
    )


@router.delete(
    "/users/{username}/following/{followed}",
    status_code=204,
    summary="Unfollow a user",
    responses=problems(403, 404),
    operation_id="unfollowUser",
)
def unfollow(*, username: str, followed: str, call: Authenticated) -> PlainResponse:
    """Make the caller stop following ``followed`` (204 also when they did not)."""
    call.services.follows.unfollow(call.user, username, followed)
    return PlainResponse(status_code=204)


@router.get(
    "/users/{username}/followers",
    response_model=UserPage,
    summary="Who follows a user",
    responses=problems(400, 404),
    operation_id="listFollowers",
)
def list_followers(
    *,
    username: str,
    call: Authenticated,
    page: PageQuery,
) -> PlainResponse:
    """List the users following ``username``, most recent follow first."""
    result = call.services.follows.followers(username, page=page.wanted)
    return page.envelope(result, lambda v: present_user(v, call.links))
