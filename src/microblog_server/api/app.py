"""The app factory: one FastAPI app over one set of services, no module-level state."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from microblog_server.api.body_limit import BodyLimitMiddleware
from microblog_server.api.caller import IdentityMiddleware
from microblog_server.api.cursors import CursorCodec
from microblog_server.api.docs import install_docs
from microblog_server.api.handlers import install_handlers
from microblog_server.api.hosts import HostMiddleware
from microblog_server.api.idempotency import IdempotencyMiddleware
from microblog_server.api.login_throttle import LoginThrottle
from microblog_server.api.openapi import build_openapi
from microblog_server.api.rate_limit import RateLimitMiddleware, RateLimits, parse_quota
from microblog_server.api.request_id import RequestIdMiddleware
from microblog_server.api.routers import feeds, follows, meta, microposts, token, users
from microblog_server.api.security_headers import SecurityHeadersMiddleware
from microblog_server.settings import Settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from microblog_server.services import Services

__all__ = ["OPENAPI_URL", "create_app"]

OPENAPI_URL = "/api/v1/openapi.json"

DESCRIPTION = """\
The microblog REST API v1: users, microposts of up to 255 characters, following,
timelines and search. Errors are RFC 9457 problem details; lists are keyset-paginated
with opaque cursors; writes honour `If-Match` and `Idempotency-Key`.
"""


def _version() -> str:
    from microblog import __version__  # noqa: PLC0415 - the SDK package owns the version

    return __version__


def _storage_errors() -> tuple[type[Exception], ...]:
    # The wiring is the one place that knows the storage is SQLAlchemy: its connection
    # errors (database unreachable, locked past the busy timeout, no pooled connection
    # free within the pool timeout) are a 503, not a bug.
    from sqlalchemy.exc import DisconnectionError, OperationalError  # noqa: PLC0415
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError  # noqa: PLC0415

    return (OperationalError, DisconnectionError, PoolTimeoutError)


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """Build the service's ASGI app.

    Args:
        settings: The settings; read from ``MICROBLOG_*`` environment variables when omitted.
        services: Ready services to use (tests); built from ``settings`` (creating the
            engine and migrating when ``auto_migrate``) when omitted. The app closes the
            services it built at shutdown.

    Returns:
        The app.
    """
    settings = settings if settings is not None else Settings()
    owned = services is None
    if services is None:
        from microblog_server.persistence import build_services  # noqa: PLC0415

        services = build_services(settings)
    built = services

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            built.close()

    app = FastAPI(
        title="microblog",
        version=_version(),
        description=DESCRIPTION,
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = services
    app.state.cursors = CursorCodec(settings.resolved_secret_key())
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]

    for module in (token, users, microposts, follows, feeds):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(meta.router)
    install_docs(app, OPENAPI_URL)
    install_handlers(app, unavailable=_storage_errors())

    limits = RateLimits(
        user=parse_quota(settings.rate_limit),
        anonymous=parse_quota(settings.rate_limit_anonymous),
        login=parse_quota(settings.rate_limit_login),
        storage_uri=settings.rate_limit_storage,
    )
    app.state.login_throttle = LoginThrottle(
        parse_quota(settings.rate_limit_login_account), limits.storage_uri
    )
    # Added innermost first: a request meets them from the last added to the first.
    app.add_middleware(IdempotencyMiddleware, store=services.idempotency)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RateLimitMiddleware, limits=limits)
    app.add_middleware(
        IdentityMiddleware, authenticate=services.auth.authenticate, recall=services.auth.recall
    )
    app.add_middleware(
        HostMiddleware,
        public_base_url=settings.public_base_url,
        allowed_hosts=settings.allowed_hosts,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestIdMiddleware)
    return app
