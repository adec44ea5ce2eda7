"""Item responses with a strong ETag (304 when ``If-None-Match`` matches), encoded once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import Response

from microblog_server.api.etags import compute_etag, if_none_match_hits

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["JSON", "item_response", "json_bytes"]

JSON = "application/json"


def json_bytes(representation: BaseModel) -> bytes:
    """Encode a response model as JSON in pydantic's core (no Python dict in between).

    The same bytes as ``JSONResponse(model.model_dump(mode="json"))``: compact, UTF-8,
    ISO 8601 times.
    """
    return representation.__pydantic_serializer__.to_json(representation)


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

    The body is encoded once, and the ETag is the digest of those bytes.

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
    body = json_bytes(representation)
    etag = compute_etag(kind, id_, version, body)
    if if_none_match_hits(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    headers = {"ETag": etag}
    if location is not None:
        headers["Location"] = location
    return Response(body, status_code=status_code, headers=headers, media_type=JSON)
