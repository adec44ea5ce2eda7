"""Microposts: a user's collection, one micropost, batches, and look-up by id."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from starlette.responses import Response as PlainResponse

from microblog_server.api.conditional import item_response
from microblog_server.api.deps import (
    Authenticated,
    Call,
    IfMatch,
    IfNoneMatch,
)
from microblog_server.api.etags import expected_versions
from microblog_server.api.openapi import problems
from microblog_server.api.pagination import PageQuery
from microblog_server.api.presenters import Links, present_micropost
from microblog_server.api.problems import ProblemError
from microblog_server.api.schemas import (
    BatchIn,
    BatchOut,
    MicropostIn,
    MicropostOut,
    MicropostPage,
    MicropostPatchIn,
    MicropostPutIn,
)
from microblog_server.domain import UNSET, Micropost, MicropostDraft
from microblog_server.services.microposts import MAX_BATCH

__all__ = ["router"]

router = APIRouter(tags=["microposts"])

COLLECTION = "/users/{username}/collection"
ITEM = COLLECTION + "/{micropost_id:int}"  # ":int" so ".../batch" is not an id

MicropostId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _item(
    post: Micropost, links: Links, if_none_match: str | None = None, status_code: int = 200
) -> PlainResponse:
    representation = present_micropost(post, links)
    return item_response(
        representation,
        kind="micropost",
        id_=post.id,
        version=post.version,
        if_none_match=if_none_match,
        status_code=status_code,
        location=representation.href if status_code == 201 else None,
    )


# The hottest route first: a request is matched against the routes in order.
@router.get(
    "/microposts/{micropost_id:int}",
    response_model=MicropostOut,
    summary="A micropost by id",
    responses=problems(304, 404),
    operation_id="getMicropostById",
)
def get_micropost_by_id(
    *,
    micropost_id: MicropostId,
    call: Authenticated,
    if_none_match: IfNoneMatch = None,
) -> PlainResponse:
    """Return a micropost by id alone; its ``href`` names the canonical path."""
    return _item(call.services.microposts.get_by_id(micropost_id), call.links, if_none_match)


@router.get(
    COLLECTION,
    response_model=MicropostPage,
    summary="A user's microposts",
    responses=problems(400, 404),
    operation_id="listUserMicroposts",
)
def list_collection(
    *,
    username: str,
    call: Authenticated,
    page: PageQuery,
) -> PlainResponse:
    """List a user's microposts, newest first."""
    result = call.services.microposts.list_collection(username, page=page.wanted)
    return page.envelope(result, lambda p: present_micropost(p, call.links))


@router.post(
    COLLECTION,
    status_code=201,
    response_model=MicropostOut,
    summary="Post a micropost",
    responses=problems(403, 404),
    operation_id="createMicropost",
)
def create_micropost(
    *,
    username: str,
    body: MicropostIn,
    call: Authenticated,
) -> PlainResponse:
    """Post to the caller's own collection; ``Location`` is the new micropost's URL."""
    post = call.services.microposts.create(call.user, username, body.text, body.referenced)
    return _item(post, call.links, status_code=201)


@router.post(
    COLLECTION + "/batch",
    status_code=201,
    response_model=BatchOut,
    summary="Post 1-100 microposts at once",
    responses=problems(403, 404),
    operation_id="createMicropostBatch",
)
def create_batch(
    *,
    username: str,
    body: BatchIn,
    call: Authenticated,
) -> JSONResponse:
    """Post several microposts: all are stored or none; errors point at ``#/items/N/...``."""
    if len(body.items) > MAX_BATCH:
        raise ProblemError(413, "payload_too_large", f"at most {MAX_BATCH} items per batch")
    drafts = [MicropostDraft(item.text, item.referenced) for item in body.items]
    posts = call.services.microposts.create_batch(call.user, username, drafts)
    result = BatchOut(result=[present_micropost(post, call.links) for post in posts])
    return JSONResponse(
        result.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"{call.links.user(username)}/collection"},
    )


@router.get(
    ITEM,
    response_model=MicropostOut,
    summary="One micropost",
    responses=problems(304, 404),
    operation_id="getMicropost",
)
def get_micropost(
    *,
    username: str,
    micropost_id: MicropostId,
    call: Authenticated,
    if_none_match: IfNoneMatch = None,
) -> PlainResponse:
    """Return a micropost of a user's collection."""
    return _item(call.services.microposts.get(username, micropost_id), call.links, if_none_match)


def _edit(
    body: MicropostPutIn | MicropostPatchIn,
    *,
    username: str,
    micropost_id: int,
    call: Call,
    if_match: str | None,
) -> PlainResponse:
    """The one handler of PUT and PATCH.

    A PUT is a PATCH that sets every field: a ``referenced`` it leaves out is cleared.
    """
    sets_referenced = isinstance(body, MicropostPutIn) or "referenced" in body.model_fields_set
    post = call.services.microposts.update(
        call.user,
        username,
        micropost_id,
        text=UNSET if body.text is None else body.text,
        referenced=body.referenced if sets_referenced else UNSET,
        expected_versions=expected_versions(if_match),
    )
    return _item(post, call.links)


@router.put(
    ITEM,
    response_model=MicropostOut,
    summary="Replace a micropost",
    responses=problems(403, 404, 412),
    operation_id="replaceMicropost",
)
def replace_micropost(
    *,
    username: str,
    micropost_id: MicropostId,
    body: MicropostPutIn,
    call: Authenticated,
    if_match: IfMatch = None,
) -> PlainResponse:
    """Replace the text and addressee of one's own micropost (both are required)."""
    return _edit(body, username=username, micropost_id=micropost_id, call=call, if_match=if_match)


@router.patch(
    ITEM,
    response_model=MicropostOut,
    summary="Edit a micropost",
    responses=problems(403, 404, 412),
    operation_id="updateMicropost",
)
def edit_micropost(
    *,
    username: str,
    micropost_id: MicropostId,
    body: MicropostPatchIn,
    call: Authenticated,
    if_match: IfMatch = None,
) -> PlainResponse:
    """Change the text or addressee of one's own micropost (only the fields sent)."""
    return _edit(body, username=username, micropost_id=micropost_id, call=call, if_match=if_match)


@router.delete(
    ITEM,
    status_code=204,
    summary="Delete a micropost",
    responses=problems(403, 404, 412),
    operation_id="deleteMicropost",
)
def delete_micropost(
    *,
    username: str,
    micropost_id: MicropostId,
    call: Authenticated,
    if_match: IfMatch = None,
) -> PlainResponse:
    """Delete one's own micropost."""
    call.services.microposts.delete(
        call.user, username, micropost_id, expected_versions=expected_versions(if_match)
    )
    return PlainResponse(status_code=204)
