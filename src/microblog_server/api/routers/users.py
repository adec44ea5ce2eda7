"""Users: sign-up, the list, ``/me``, one user, profile edits and account deletion."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response as PlainResponse

from microblog_server.api.caller import caller_of
from microblog_server.api.conditional import item_response
from microblog_server.api.deps import (
    Authenticated,
    IfMatch,
    IfNoneMatch,
    LinksDep,
    ServicesDep,
)
from microblog_server.api.etags import expected_versions
from microblog_server.api.openapi import problems
from microblog_server.api.pagination import PageQuery
from microblog_server.api.presenters import Links, present_user
from microblog_server.api.schemas import NO_NUL, SignUpIn, UserOut, UserPage, UserPatchIn
from microblog_server.domain import UNSET, UserView

__all__ = ["router"]

router = APIRouter(tags=["users"])


def _item(
    view: UserView, links: Links, if_none_match: str | None = None, status_code: int = 200
) -> PlainResponse:
    representation = present_user(view, links)
    return item_response(
        representation,
        kind="user",
        id_=view.user.id,
        version=view.user.version,
        if_none_match=if_none_match,
        status_code=status_code,
        location=representation.href if status_code == 201 else None,
    )


@router.post(
    "/users",
    status_code=201,
    response_model=UserOut,
    summary="Sign up",
    responses=problems(409),
    operation_id="createUser",
)
def sign_up(
    *,
    body: SignUpIn,
    services: ServicesDep,
    links: LinksDep,
) -> PlainResponse:
    """Create a user; the response's ``Location`` is the new user's URL."""
    view = services.users.register(
        body.username, body.password, display_name=body.display_name, bio=body.bio
    )
    return _item(view, links, status_code=201)


@router.get(
    "/users",
    response_model=UserPage,
    summary="List users",
    responses=problems(400),
    operation_id="listUsers",
)
def list_users(
    *,
    call: Authenticated,
    page: PageQuery,
    q: Annotated[
        str | None, Query(max_length=30, pattern=NO_NUL, description="username prefix")
    ] = None,
) -> PlainResponse:
    """List users, newest first, optionally those whose username starts with ``q``."""
    result = call.services.users.list(q=q, page=page.wanted)
    return page.envelope(result, lambda v: present_user(v, call.links))


@router.get(
    "/me",
    response_model=UserOut,
    summary="The caller",
    responses=problems(304),
    operation_id="getMe",
)
def me(
    *,
    call: Authenticated,
    if_none_match: IfNoneMatch = None,
) -> PlainResponse:
    """Return the authenticated user."""
    return _item(call.services.users.get_by_id(call.user.id), call.links, if_none_match)


@router.get(
    "/users/{username}",
    response_model=UserOut,
    summary="One user",
    responses=problems(304, 404),
    operation_id="getUser",
)
def get_user(
    *,
    username: str,
    call: Authenticated,
    if_none_match: IfNoneMatch = None,
) -> PlainResponse:
    """Return a user with counts and links."""
    return _item(call.services.users.get(username), call.links, if_none_match)


@router.patch(
    "/users/{username}",
    response_model=UserOut,
    summary="Edit one's profile",
    responses=problems(403, 404, 412)
    | {
        403: {
            "description": "Acting for another user; or, code `wrong_password`, a wrong "
            "`current_password` with a new `password`"
        }
    },
    operation_id="updateUser",
)
def edit_user(
    *,
    request: Request,
    username: str,
    body: UserPatchIn,
    call: Authenticated,
    if_match: IfMatch = None,
) -> PlainResponse:
    """Change the caller's ``display_name``, ``bio`` or ``password`` (only those sent).

    A new ``password`` needs the ``current_password`` too (missing: 422; wrong: 403
    ``wrong_password``). A password change revokes every other token of the caller; this
    request's keeps working.
    """
    view = call.services.users.update(
        call.user,
        username,
        display_name=UNSET if body.display_name is None else body.display_name,
        bio=UNSET if body.bio is None else body.bio,
        password=UNSET if body.password is None else body.password,
        current_password=UNSET if body.current_password is None else body.current_password,
        expected_versions=expected_versions(if_match),
        keep_token=caller_of(request.scope).token,
    )
    return _item(view, call.links)


@router.delete(
    "/users/{username}",
    status_code=204,
    summary="Delete one's account",
    responses=problems(403, 404, 412)
    | {
        401: {
            "description": "Missing, expired, revoked or forged token; or, code "
            "`reauthentication_required`, a login older than 10 minutes: log in again and "
            'repeat (`WWW-Authenticate: Bearer error="insufficient_user_authentication", '
            "max_age=600`, RFC 9470)"
        }
    },
    operation_id="deleteUser",
)
def delete_user(
    *,
    request: Request,
    username: str,
    call: Authenticated,
    if_match: IfMatch = None,
) -> PlainResponse:
    """Delete the caller's account, microposts and follows; their tokens stop working.

    The token must come from a password login within the last 10 minutes: a stolen
    token alone cannot delete the account.
    """
    token = caller_of(request.scope).token
    assert token is not None  # Authenticated found a user, so a token was sent
    call.services.auth.require_recent_login(token)
    call.services.users.delete(call.user, username, expected_versions=expected_versions(if_match))
    return PlainResponse(status_code=204)
