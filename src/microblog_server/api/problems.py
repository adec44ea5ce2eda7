"""RFC 9457 problem details: the one shape of every 4xx and 5xx body.

:class:`ProblemError` is what the API layer raises on purpose; :func:`problem_response`
renders any problem. The handlers that turn FastAPI's, Starlette's and the domain's own
errors into problems live in :mod:`microblog_server.api.handlers`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "TITLES",
    "ProblemError",
    "problem_body",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: Each stable problem ``code`` and its human title.
TITLES: dict[str, str] = {
    "bad_request": "Bad request",
    "invalid_cursor": "Invalid cursor",
    "invalid_grant": "Invalid grant",
    "unauthenticated": "Unauthenticated",
    "reauthentication_required": "Reauthentication required",
    "forbidden": "Forbidden",
    "wrong_password": "Wrong password",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "not_acceptable": "Not acceptable",
    "conflict": "Conflict",
    "idempotency_in_progress": "Idempotency key in progress",
    "precondition_failed": "Precondition failed",
    "payload_too_large": "Payload too large",
    "unsupported_media_type": "Unsupported media type",
    "validation_error": "Validation error",
    "idempotency_key_reused": "Idempotency key reused",
    "rate_limited": "Too many requests",
    "internal_error": "Internal server error",
    "unavailable": "Service unavailable",
}


@dataclass(eq=False)
class ProblemError(Exception):
    """An error the API answers with a problem details body.

    Attributes:
        status: The HTTP status code.
        code: The stable machine word (a key of :data:`TITLES`).
        detail: A sentence for humans about this occurrence.
        errors: For 422 only: ``{"detail", "pointer"|"parameter"}`` items.
        headers: Extra response headers (``WWW-Authenticate``, ``Retry-After``, ...).
    """

    status: int
    code: str
    detail: str = ""
    errors: tuple[dict[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()


def problem_body(
    status: int,
    code: str,
    detail: str,
    request_id: str,
    errors: tuple[dict[str, str], ...] | list[dict[str, str]] = (),
) -> dict[str, Any]:
    """Build the JSON object of a problem.

    Args:
        status: The HTTP status code.
        code: The stable machine word.
        detail: The human explanation of this occurrence.
        request_id: The request's id, echoed as ``instance`` and ``request_id``.
        errors: Field errors, included on 422 only.

    Returns:
        The problem details object.
    """
    body: dict[str, Any] = {
        "type": "/problems/" + code.replace("_", "-"),
        "title": TITLES.get(code, "Error"),
        "status": status,
        "detail": detail or TITLES.get(code, "Error"),
        "instance": f"urn:uuid:{request_id}",
        "code": code,
        "request_id": request_id,
    }
    if status == 422:
        body["errors"] = list(errors)
    if code == "invalid_grant":
        body["error"] = "invalid_grant"  # what RFC 6749 clients look for
    return body


def problem_response(problem: ProblemError, request_id: str) -> Response:
    """Render a problem as an ``application/problem+json`` response.

    Args:
        problem: What went wrong.
        request_id: The request's id.

    Returns:
        The response, carrying the problem's extra headers.
    """
    body = problem_body(problem.status, problem.code, problem.detail, request_id, problem.errors)
    return Response(
        content=json.dumps(body, ensure_ascii=False).encode(),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(problem.headers),
    )
