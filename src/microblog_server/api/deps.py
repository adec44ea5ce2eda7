"""The routes' dependencies: the authenticated call, the services, conditional headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from microblog_server.api.caller import caller_of
from microblog_server.api.handlers import WWW_AUTHENTICATE
from microblog_server.api.presenters import Links
from microblog_server.api.problems import ProblemError
from microblog_server.services import Services

if TYPE_CHECKING:
    from microblog_server.domain import User

__all__ = [
    "Authenticated",
    "BearerCall",
    "Call",
    "IfMatch",
    "IfNoneMatch",
    "LinksDep",
    "ServicesDep",
    "authenticated",
]

# The dependencies below do no I/O, so they are ``async def``: FastAPI runs a plain ``def``
# dependency in the thread pool, a hop that costs more than the work.


async def services_of(request: Request) -> Services:
    """Return the services the app was built with."""
    services: Services = request.app.state.services
    return services


@dataclass(frozen=True, slots=True)
class Call:
    """What a route answering an authenticated request works with.

    Attributes:
        user: The authenticated caller.
        services: The use cases.
        links: Absolute URLs rooted at this request's base URL.
    """

    user: User
    services: Services
    links: Links


class BearerCall(OAuth2PasswordBearer):
    """The authenticated :class:`Call`, or 401 with ``WWW-Authenticate: Bearer``.

    In OpenAPI it is the OAuth 2 password bearer scheme (Swagger UI can log in with the
    password grant); at run time it reads the caller the identity middleware resolved
    from the token (:mod:`microblog_server.api.caller`), without looking at the token again.
    One dependency for the caller, the services and the links: under load each dependency
    FastAPI solves costs a route about 25 µs (docs/performance.md, issue 20).
    """

    def __init__(self) -> None:
        """Declare the scheme as FastAPI's own ``OAuth2PasswordBearer`` would."""
        super().__init__(
            tokenUrl="/api/v1/token", scheme_name="OAuth2PasswordBearer", auto_error=False
        )

    async def __call__(self, request: Request) -> Call:  # type: ignore[override]
        """Return the call, or raise the 401 problem."""
        caller = caller_of(request.scope)
        if caller.user is None:
            detail = "a valid bearer token is required"
            challenge = WWW_AUTHENTICATE
            if caller.token is not None:
                detail = "the token is expired, revoked or not valid"
                challenge = (challenge[0], challenge[1] + ', error="invalid_token"')
            raise ProblemError(401, "unauthenticated", detail, headers=(challenge,))
        services: Services = request.app.state.services
        return Call(caller.user, services, Links(request))


#: The route dependency that declares and enforces the bearer scheme.
authenticated = BearerCall()


async def links_of(request: Request) -> Links:
    """Return the link builder for this request."""
    return Links(request)


ServicesDep = Annotated[Services, Depends(services_of)]
Authenticated = Annotated[Call, Depends(authenticated)]
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
