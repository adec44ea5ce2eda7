"""The composition root: the one place that wires the infrastructure.

It builds the engine, the unit-of-work factory and the services over them, and the rate
limits' counters over their storage (memory, or Redis shared by every node), and hands
them to the app factory (:func:`microblog_server.api.app.build_app`), so the API layer
imports neither the persistence layer nor SQLAlchemy, and chooses no storage.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from microblog_server.api.app import build_app
from microblog_server.api.limiter import FallbackLimiter
from microblog_server.persistence.engine import create_engine_from_settings
from microblog_server.persistence.migrate import upgrade
from microblog_server.persistence.unit_of_work import SqlAlchemyUnitOfWork
from microblog_server.services.container import Services, wire_services
from microblog_server.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy import Engine

    from microblog_server.persistence.redis_revocations import RedisRevocations
    from microblog_server.services.clock import Clock

__all__ = ["STORAGE_UNAVAILABLE", "build_services", "create_app"]

STORAGE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    DisconnectionError,
    PoolTimeoutError,
)
"""The storage's errors that mean "unreachable" (database down, locked past the busy
timeout, no pooled connection free in time): a 503, not a bug."""


def build_services(
    settings: Settings, *, clock: Clock | None = None, engine: Engine | None = None
) -> Services:
    """Create the engine (unless given), migrate when ``settings.auto_migrate``, wire services.

    Each call builds its own engine and services: two apps never share state.

    Args:
        settings: The settings.
        clock: The time source; the system clock by default.
        engine: An engine to use instead of one made from ``settings.database_url``; the
            caller then owns it (``close`` does not dispose it).

    Returns:
        The services; call ``services.close()`` at shutdown.
    """
    owned = engine is None
    db = engine if engine is not None else create_engine_from_settings(settings)
    if settings.auto_migrate:
        upgrade(db)

    def check_database() -> bool:
        try:
            with db.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    shared = shared_state(settings)

    def close() -> None:
        if shared is not None:
            shared.close()
        if owned:
            db.dispose()

    return wire_services(
        settings,
        partial(SqlAlchemyUnitOfWork, db),
        clock=clock,
        check_database=check_database,
        close=close,
        unavailable=STORAGE_UNAVAILABLE,
        revocations=shared,
        check_redis=shared.check if shared is not None else None,
        check_revocations=shared.listening if shared is not None else None,
    )


def shared_state(settings: Settings) -> RedisRevocations | None:
    """Return the revocation channel of ``settings.redis_url``, or ``None`` without one."""
    if settings.redis_url is None:
        return None
    from microblog_server.persistence.redis_revocations import (  # noqa: PLC0415 - the redis extra
        RedisRevocations,
    )

    return RedisRevocations(settings.redis_url)


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """Build the service's ASGI app (what ``microblog-server serve`` runs).

    Args:
        settings: The settings; read from ``MICROBLOG_*`` environment variables when omitted.
        services: Ready services to use (tests); built from ``settings`` (creating the
            engine and migrating when ``auto_migrate``) when omitted. The app closes the
            services it built at shutdown.

    Returns:
        The app.
    """
    settings = settings if settings is not None else Settings()
    # One limiter over the storage: the request quotas and the failed-login budget share
    # its connections and its view of an outage.
    limiter = FallbackLimiter(settings.resolved_rate_limit_storage())
    if services is not None:
        return build_app(settings, services, limiter=limiter)
    return build_app(settings, build_services(settings), limiter=limiter, close_at_shutdown=True)
