"""``/api/v1/token``: the OAuth 2 password grant, and revocation of the presented token."""

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.responses import Response

from microblog_server.api.caller import caller_of
from microblog_server.api.deps import Authenticated, ServicesDep
from microblog_server.api.handlers import pointer_errors
from microblog_server.api.openapi import problems
from microblog_server.api.problems import ProblemError
from microblog_server.api.schemas import TokenIn, TokenOut
from microblog_server.domain import InvalidCredentials

if TYPE_CHECKING:
    from microblog_server.api.login_throttle import LoginThrottle

__all__ = ["router"]

router = APIRouter(tags=["auth"])

# The body is read by hand (form or JSON), so FastAPI does not register TokenIn in the
# document's components: build_openapi adds it. Only the form is declared, the OAuth 2
# way: a client generated from the document gets one body type (openapi-python-client
# failed on two); JSON stays accepted, as the description says.
_TOKEN_SCHEMA: dict[str, Any] = {"$ref": f"#/components/schemas/{TokenIn.__name__}"}
_TOKEN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/x-www-form-urlencoded": {"schema": _TOKEN_SCHEMA}},
    }
}


async def _read_grant(request: Request) -> TokenIn:
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    data: object
    if content_type == "application/x-www-form-urlencoded":
        form = await request.form()
        data = {key: value for key, value in form.items() if isinstance(value, str)}
    else:
        raw = await request.body()
        try:
            data = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError) as error:  # nesting too deep is malformed too
            raise ProblemError(400, "bad_request", "the body is not valid JSON") from error
    try:
        return TokenIn.model_validate(data)
    except ValidationError as error:
        errors = pointer_errors(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        )
        detail = f"{len(errors)} field{'s are' if len(errors) != 1 else ' is'} invalid"
        raise ProblemError(422, "validation_error", detail, errors) from error


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Log in (OAuth 2 password grant)",
    openapi_extra=_TOKEN_BODY,
    responses=problems(400, 422),
    operation_id="createToken",
)
async def issue_token(*, request: Request, services: ServicesDep) -> JSONResponse:
    """Exchange a username and password for a bearer token.

    Send ``grant_type=password&username=...&password=...`` as a form (the same fields as a
    JSON object are accepted too).
    A wrong username or password is 400 ``invalid_grant`` (RFC 6749 section 5.2). After a
    few failed logins to one account (from any address) its logins are 429 for a short
    window, except from an address that logged in to it before.
    """
    grant = await _read_grant(request)
    throttle: LoginThrottle = request.app.state.login_throttle
    address = caller_of(request.scope).address
    throttle.check(grant.username, address)
    try:
        issued = await run_in_threadpool(services.auth.login, grant.username, grant.password)
    except InvalidCredentials:
        throttle.failed(grant.username)
        raise
    throttle.succeeded(grant.username, address)
    body = TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)
    return JSONResponse(
        body.model_dump(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )


@router.delete(
    "/token",
    status_code=204,
    summary="Log out (revoke the presented token)",
    responses=problems(401),
    operation_id="revokeToken",
)
def revoke_token(*, request: Request, call: Authenticated) -> Response:
    """Revoke the bearer token this request carries; it stops working at once."""
    token = caller_of(request.scope).token
    assert token is not None  # Authenticated found a user, so a token was sent
    call.services.auth.revoke(token)
    return Response(status_code=204)
