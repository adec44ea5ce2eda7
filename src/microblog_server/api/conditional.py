"""Item responses with a strong ETag (304 when ``If-None-Match`` matches)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.responses import JSONResponse
from starlette.responses import Response

from microblog_server.api.etags import compute_etag, if_none_match_hits

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["item_response"]


def item_response(
    representation: BaseModel,
    *,
    kind: str,
    id_: int | str,
    version: int,
    if_none_match: str | None = None,
    status_code: int = 200,
    location: str | None = None,
) -> Response:
    """Answer with one resource and its ETag (304 when ``If-None-Match`` matches).

    Args:
        representation: The body.
        kind: The resource kind, part of the ETag.
        id_: The resource id, part of the ETag.
        version: The stored version, part of the ETag.
        if_none_match: The request's ``If-None-Match`` header (GET only).
        status_code: 200, or 201 for a creation.
        location: The ``Location`` of a created resource.

    Returns:
        The response.
    """
    body = representation.model_dump(mode="json")
    etag = compute_etag(kind, id_, version, body)
    if if_none_match_hits(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    headers = {"ETag": etag}
    if location is not None:
        headers["Location"] = location
    return JSONResponse(body, status_code=status_code, headers=headers)
