"""Exception handlers: every error, whoever raised it, leaves as problem details.

FastAPI's validation errors become 422 with ``errors[].pointer``/``parameter`` (or 400
``bad_request`` for malformed JSON), Starlette's 404/405 keep their status, domain
errors map to their status and code, and anything else is a 500 that is logged with the
request id and says nothing more.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from microblog_server.api.asgi import request_id_of
from microblog_server.api.log_text import loggable
from microblog_server.api.problems import ProblemError, problem_response
from microblog_server.domain import (
    Busy,
    Conflict,
    DomainError,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    ReauthenticationRequired,
    Unauthenticated,
    WrongPassword,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = [
    "WWW_AUTHENTICATE",
    "install_handlers",
    "pointer_errors",
    "problem_from_domain",
    "step_up_challenge",
]

logger = logging.getLogger("microblog_server.api")

WWW_AUTHENTICATE = ("WWW-Authenticate", 'Bearer realm="microblog"')

# Subclasses before their bases: the first class an error is an instance of wins.
_DOMAIN: dict[type[DomainError], tuple[int, str]] = {
    WrongPassword: (403, "wrong_password"),
    ReauthenticationRequired: (401, "reauthentication_required"),
    NotFound: (404, "not_found"),
    Conflict: (409, "conflict"),
    Forbidden: (403, "forbidden"),
    PreconditionFailed: (412, "precondition_failed"),
    InvalidCredentials: (400, "invalid_grant"),
    Unauthenticated: (401, "unauthenticated"),
    Busy: (503, "unavailable"),
}
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


def step_up_challenge(max_age: int) -> tuple[str, str]:
    """The RFC 9470 challenge: a login no older than ``max_age`` seconds is needed."""
    return (
        "WWW-Authenticate",
        f'Bearer error="insufficient_user_authentication", max_age={max_age}',
    )


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer_errors(errors: Sequence[Any]) -> tuple[dict[str, str], ...]:
    """Turn pydantic error dicts into ``{"detail", "pointer"|"parameter"}`` items."""
    items = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        item = {"detail": str(error.get("msg", "invalid"))}
        if loc and loc[0] == "body":
            item["pointer"] = "#" + "".join("/" + _escape(part) for part in loc[1:])
        elif len(loc) >= 2:
            item["parameter"] = str(loc[1])
        else:
            item["pointer"] = "#"
        items.append(item)
    return tuple(items)


def _count(n: int) -> str:
    return f"{n} field{'s are' if n != 1 else ' is'} invalid"


def problem_from_domain(error: DomainError) -> ProblemError:
    """Map a domain error to its problem."""
    if isinstance(error, InvalidInput):
        errors = tuple(
            {"detail": e.detail, "parameter": e.parameter}
            if e.parameter is not None
            else {"detail": e.detail, "pointer": e.pointer or "#"}
            for e in error.errors
        )
        return ProblemError(422, "validation_error", _count(len(errors)), errors)
    for kind, (status, code) in _DOMAIN.items():
        if isinstance(error, kind):
            headers: tuple[tuple[str, str], ...] = (WWW_AUTHENTICATE,) if status == 401 else ()
            if isinstance(error, Busy):
                headers = (("Retry-After", str(error.retry_after)),)
            if isinstance(error, ReauthenticationRequired):
                headers = (step_up_challenge(error.max_age),)
            return ProblemError(status, code, error.detail, headers=headers)
    return ProblemError(500, "internal_error", "")


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(exc, request_id_of(request.scope))


async def _on_domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem_response(problem_from_domain(exc), request_id_of(request.scope))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "bad_request")
    headers = tuple((exc.headers or {}).items())
    if exc.status_code == 405:
        headers = (("Allow", ", ".join(_allowed_methods(request))),)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if exc.status_code == 404:
        detail = f"no resource at {request.url.path}"
    problem = ProblemError(exc.status_code, code, detail, headers=headers)
    return problem_response(problem, request_id_of(request.scope))


def _path_pattern(template: str, operations: dict[str, Any]) -> str:
    integers = {
        parameter["name"]
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "path" and parameter.get("schema", {}).get("type") == "integer"
    }
    return re.sub(
        r"\{([^}]+)\}",
        lambda match: "[0-9]+" if match.group(1) in integers else "[^/]+",
        template,
    )


def _allowed_methods(request: Request) -> list[str]:
    # Starlette names only the first route whose path matched, and a path has a route per
    # method: ask the OpenAPI document, which lists every method of every path.
    paths: dict[str, dict[str, Any]] = request.app.openapi().get("paths", {})
    methods: set[str] = set()
    for template, operations in paths.items():
        if re.fullmatch(_path_pattern(template, operations), request.url.path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        problem = ProblemError(400, "bad_request", "the body is not valid JSON")
    else:
        items = pointer_errors(errors)
        problem = ProblemError(422, "validation_error", _count(len(items)), items)
    return problem_response(problem, request_id_of(request.scope))


async def _on_crash(request: Request, exc: Exception) -> Response:
    request_id = request_id_of(request.scope)
    logger.error(
        "unhandled error in %s %s (request %s)",
        loggable(request.method),
        loggable(request.url.path),
        request_id,
        exc_info=exc,
    )
    response = problem_response(ProblemError(500, "internal_error", ""), request_id)
    # This runs outside the middlewares that add these.
    response.headers["X-Request-ID"] = request_id
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def install_handlers(app: FastAPI) -> None:
    """Register every handler on the app.

    The storage's "unreachable" errors have no handler here: wherever they are raised (a
    route, the token check, the Idempotency-Key store), they reach the edge, the one
    place that answers them 503 and logs the outage
    (:class:`~microblog_server.api.edge.EdgeMiddleware`).

    Args:
        app: The app.
    """
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(DomainError, _on_domain)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(Exception, _on_crash)
