"""The app factory: one FastAPI app over one set of services, no module-level state."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from microblog_server.api.body_limit import BodyLimitMiddleware
from microblog_server.api.caller import IdentityMiddleware
from microblog_server.api.docs import install_docs
from microblog_server.api.edge import EdgeMiddleware
from microblog_server.api.handlers import install_handlers
from microblog_server.api.hosts import HostPolicy
from microblog_server.api.idempotency import IdempotencyMiddleware
from microblog_server.api.limiter import FallbackLimiter
from microblog_server.api.login_throttle import LoginThrottle
from microblog_server.api.openapi import build_openapi
from microblog_server.api.rate_limit import RateLimitMiddleware, RateLimits, parse_quota
from microblog_server.api.routers import feeds, follows, meta, microposts, token, users
from microblog_server.api.unavailable import OutageLog
from microblog_server.version import package_version

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from microblog_server.api.limiter import FallbackLimiter
    from microblog_server.services import Services
    from microblog_server.settings import Settings

__all__ = ["OPENAPI_URL", "build_app"]

OPENAPI_URL = "/api/v1/openapi.json"

DESCRIPTION = """\
The microblog REST API v1: users, microposts of up to 255 characters, following,
timelines and search. Errors are RFC 9457 problem details; lists are keyset-paginated
with cursors (a position: follow a page's `next` or `previous` link); writes honour
`If-Match`. Start at `/`: it links to everything else.

Every `POST` but the one to `/api/v1/token` honours an `Idempotency-Key` header
(1-255 printable ASCII characters, bare or double-quoted): a retry with the same key
and payload replays the first response (`Idempotent-Replayed: true`), the same key with
another payload is 422 `idempotency_key_reused`. Make one fresh key per request you mean
(a UUID) and reuse it only for that request's retries. The header is described here and
not as an operation parameter: a key is only right together with the payload it was
first sent with, which a parameter's schema cannot say, so generators would reuse one.
"""

#: Every tag an operation carries, defined with what it groups.
TAGS = [
    {"name": "auth", "description": "Log in (OAuth 2 password grant) and log out"},
    {
        "name": "users",
        "description": "Sign-up, the caller, profiles, password changes and account deletion",
    },
    {
        "name": "microposts",
        "description": "A user's collection of microposts, timelines and search",
    },
    {"name": "follows", "description": "Whom a user follows, and who follows them"},
    {"name": "service", "description": "The root's links, health and version"},
]

#: Who answers for the API (``info.contact``).
CONTACT = {"name": "The microblog project", "url": "https://microblog.readthedocs.io"}

#: Relative: the service that serves the document is the one it describes.
SERVERS = [{"url": "/", "description": "The service serving this document"}]


def build_app(
    settings: Settings,
    services: Services,
    *,
    limiter: FallbackLimiter,
    close_at_shutdown: bool = False,
) -> FastAPI:
    """Build the service's ASGI app over ready services (see ``microblog_server.bootstrap``).

    Args:
        settings: The settings.
        services: The use cases, wired over a storage by the composition root.
        limiter: The rate limits' counters over their storage (memory or Redis), built by
            the composition root; the request quotas and the failed-login budget share it.
        close_at_shutdown: Close ``services`` when the app shuts down (when the caller
            built them for this app alone).

    Returns:
        The app.
    """
    built = services

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if close_at_shutdown:
            built.close()

    app = FastAPI(
        title="microblog",
        version=package_version(),
        description=DESCRIPTION,
        openapi_tags=TAGS,
        contact=CONTACT,
        servers=SERVERS,
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = services
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]

    # Matched in this order, route by route, on every request (FastAPI's router scans):
    # the most requested first. No two of these paths overlap, so order changes nothing else.
    for module in (microposts, feeds, users, follows, token):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(meta.router)
    install_docs(app, OPENAPI_URL)
    # The edge (below) answers an unreachable storage and logs the outage; /health tells
    # the same log when the database answers again.
    app.state.outage = OutageLog()
    install_handlers(app)

    limits = RateLimits(
        user=parse_quota(settings.rate_limit),
        anonymous=parse_quota(settings.rate_limit_anonymous),
        login=parse_quota(settings.rate_limit_login),
    )
    app.state.login_throttle = LoginThrottle(
        parse_quota(settings.rate_limit_login_account), limiter
    )
    # Added innermost first: a request meets them from the last added to the first.
    app.add_middleware(
        IdempotencyMiddleware,
        store=services.idempotency,
        secret=settings.resolved_secret_key().encode(),
    )
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RateLimitMiddleware, limits=limits, limiter=limiter)
    app.add_middleware(
        IdentityMiddleware, authenticate=services.auth.authenticate, recall=services.auth.recall
    )
    # Outermost: the request id, the access log and the security headers reach every
    # response, the 400 for a foreign Host and the 503 for an outage included: the one
    # place that answers the storage's "unreachable" errors, from a route or a middleware.
    app.add_middleware(
        EdgeMiddleware,
        hosts=HostPolicy(settings.public_base_url, settings.allowed_hosts),
        errors=services.unavailable,
        outage=app.state.outage,
    )
    if settings.trusted_proxies:
        # Outermost of all: the access log, the quotas and the failed-login limits see the
        # client the load balancer forwards, and only when the load balancer sent it. The
        # one place the service believes X-Forwarded-For (``serve`` leaves uvicorn's own
        # off); uvicorn's middleware takes the last address that is not a trusted proxy.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app
