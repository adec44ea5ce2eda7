"""The OpenAPI 3.1 document: every status a route can return, as problem+json.

Routes declare their own statuses with :func:`problems`; :func:`build_openapi` adds the
ones every route shares (400 for a ``Host`` not served; 429, 500 and 503 under ``/api``;
400, 413 and 415 with a body; 401 with a bearer token; 409 and 422 for Idempotency-Key on
``POST``) and replaces FastAPI's default 422 schema by
:class:`~microblog_server.api.schemas.Problem`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from microblog_server.api.problems import PROBLEM_MEDIA_TYPE, problem_body
from microblog_server.api.schemas import Problem, TokenIn

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["build_openapi", "problems"]

_EXAMPLE_ID = "3b241101-e2bb-4255-8caf-4136c566a962"
_CODES = {
    304: "",
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
_DESCRIPTIONS = {
    304: "Not modified (If-None-Match matched the whole ETag: the representation is unchanged)",
    400: "Malformed JSON, bad Idempotency-Key, invalid cursor, invalid grant, or a Host "
    "this service does not answer for",
    401: "Missing, expired, revoked or forged token",
    403: "Acting for another user",
    404: "Unknown user or micropost",
    409: "Conflict (username taken, or the same Idempotency-Key still running)",
    412: (
        "If-Match names no current version: the resource's own stored state changed "
        "(the version part of the ETag, before the '-', is compared; counts do not count)"
    ),
    413: "Body over the limit, or a batch over 100 items",
    415: "Body that is not JSON",
    422: "Validation error, or an Idempotency-Key reused with another payload",
    429: "Over the rate limit",
    500: "Internal error",
    503: "Database unreachable, or every password hashing slot busy (retry after Retry-After)",
}


#: Shared statuses a route may describe in its own words (``deleteUser``'s 401 for a login
#: too old); the others keep the shared description.
_ROUTE_DESCRIBED = {401}


def _problem_response(status: int) -> dict[str, Any]:
    if status == 304:
        return {"description": _DESCRIPTIONS[304]}
    example = problem_body(status, _CODES[status], "", _EXAMPLE_ID)
    if status == 422:
        example["errors"] = [{"detail": "at most 255 characters", "pointer": "#/text"}]
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": example,
            }
        },
    }
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    if status in {429, 503}:
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return response


def _header(description: str, *, required: bool = False) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": "string"}}


_EVERY_RESPONSE = {
    "X-Request-ID": _header("The request's id (the client's, when sane)", required=True),
}
_API_RESPONSE = {
    "RateLimit-Policy": _header('The quota, e.g. `"default";q=300;w=60` (when limits are on)'),
    "RateLimit": _header('What is left, e.g. `"default";r=299;t=42` (when limits are on)'),
}
_ITEMS = {"#/components/schemas/UserOut", "#/components/schemas/MicropostOut"}
_PAGES = {"#/components/schemas/UserPage", "#/components/schemas/MicropostPage"}


def _document_headers(path: str, method: str, status: str, response: dict[str, Any]) -> None:
    headers = response.setdefault("headers", {})
    headers.update(_EVERY_RESPONSE)
    if path.startswith("/api"):
        headers.update(_API_RESPONSE)
    if method == "post" and path != "/api/v1/token":
        headers["Idempotent-Replayed"] = _header("`true` on a replayed Idempotency-Key response")
    if not status.startswith("2"):
        return
    media: dict[str, Any] = next(iter(response.get("content", {}).values()), {})
    schema: dict[str, Any] = media.get("schema", {})
    if schema.get("$ref") in _ITEMS:
        headers["ETag"] = _header("Strong entity tag of this representation", required=True)
    if schema.get("$ref") in _PAGES:
        headers["Link"] = _header('`<next page URL>; rel="next"` unless this is the last page')
    if status == "201":
        headers["Location"] = _header("URL of what was created", required=True)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return a route's ``responses=`` entry for these problem statuses."""
    return {status: _problem_response(status) for status in statuses}


def _shared_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    statuses: set[int] = {400}  # a Host the service does not answer for, on every route
    if path.startswith("/api"):
        statuses |= {429, 500, 503}
    if "requestBody" in operation:
        statuses |= {400, 413, 415, 422}
    if operation.get("parameters"):
        statuses.add(422)
    if operation.get("security"):
        statuses.add(401)
    if method == "post" and path != "/api/v1/token":
        statuses |= {400, 409, 422}
    return statuses


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """Build (once) and return the app's OpenAPI document."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version="3.1.0",
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
        contact=app.contact,
    )
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in _shared_statuses(path, method, operation):
                declared = responses.get(str(status), {}).get("description")
                responses[str(status)] = _problem_response(status)
                if declared and status in _ROUTE_DESCRIBED:
                    responses[str(status)]["description"] = declared
            for status, response in responses.items():
                if (
                    path.startswith("/api")
                    and status.startswith(("4", "5"))
                    and status in {str(s) for s in _CODES}
                ):
                    responses[status] = _problem_response(int(status)) | {
                        "description": response.get("description", _DESCRIPTIONS[int(status)])
                    }
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                _document_headers(path, method, status, response)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    # Problem (every error) and TokenIn (the login form, read by hand) are no route's
    # pydantic parameter, so FastAPI does not add them.
    _, problem_schemas = models_json_schema(
        [(Problem, "serialization"), (TokenIn, "validation")],
        ref_template="#/components/schemas/{model}",
    )
    schemas.update(problem_schemas.get("$defs", {}))
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    app.openapi_schema = document
    return document
