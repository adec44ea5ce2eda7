"""The routes' dependencies: the services, the current user, conditional headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from microblog_server.api.caller import caller_of
from microblog_server.api.handlers import WWW_AUTHENTICATE
from microblog_server.api.presenters import Links
from microblog_server.api.problems import ProblemError
from microblog_server.domain import User
from microblog_server.services import Services

__all__ = [
    "CurrentUser",
    "IfMatch",
    "IfNoneMatch",
    "LinksDep",
    "ServicesDep",
    "bearer",
]

#: Declares the bearer scheme in OpenAPI (Swagger UI can log in with the password grant);
#: the token itself was already resolved by the identity middleware.
bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/token", auto_error=False)


# The dependencies below do no I/O, so they are ``async def``: FastAPI runs a plain ``def``
# dependency in the thread pool, a hop that costs more than the work.


async def services_of(request: Request) -> Services:
    """Return the services the app was built with."""
    services: Services = request.app.state.services
    return services


async def current_user(request: Request, _token: Annotated[str | None, Depends(bearer)]) -> User:
    """Return the authenticated caller, or answer 401 with ``WWW-Authenticate: Bearer``."""
    caller = caller_of(request.scope)
    if caller.user is None:
        detail = "a valid bearer token is required"
        challenge = WWW_AUTHENTICATE
        if caller.token is not None:
            detail = "the token is expired, revoked or not valid"
            challenge = (challenge[0], challenge[1] + ', error="invalid_token"')
        raise ProblemError(401, "unauthenticated", detail, headers=(challenge,))
    return caller.user


async def links_of(request: Request) -> Links:
    """Return the link builder for this request."""
    return Links(request)


ServicesDep = Annotated[Services, Depends(services_of)]
CurrentUser = Annotated[User, Depends(current_user)]
LinksDep = Annotated[Links, Depends(links_of)]
IfMatch = Annotated[
    str | None,
    Header(
        description="An ETag of the resource you have: 412 if its own stored state changed "
        "since (the version part of the tag is compared; counts and other derived fields "
        "moving do not fail it)"
    ),
]
IfNoneMatch = Annotated[
    str | None,
    Header(description="The ETag you have: 304 only if the whole representation is unchanged"),
]
