"""Building the services of one app over the configured database."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from microblog_server.persistence.engine import create_engine_from_settings, create_session_factory
from microblog_server.persistence.migrate import upgrade
from microblog_server.persistence.unit_of_work import SqlAlchemyUnitOfWork
from microblog_server.services.container import Services, wire_services

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from microblog_server.persistence.redis_revocations import RedisRevocations
    from microblog_server.services.clock import Clock
    from microblog_server.settings import Settings

__all__ = ["build_services"]


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
    session_factory = create_session_factory(db)

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
        partial(SqlAlchemyUnitOfWork, session_factory),
        clock=clock,
        check_database=check_database,
        close=close,
        revocations=shared,
        check_redis=shared.check if shared is not None else None,
    )


def shared_state(settings: Settings) -> RedisRevocations | None:
    """Return the revocation channel of ``settings.redis_url``, or ``None`` without one."""
    if settings.redis_url is None:
        return None
    from microblog_server.persistence.redis_revocations import (  # noqa: PLC0415 - the redis extra
        RedisRevocations,
    )

    return RedisRevocations(settings.redis_url)
