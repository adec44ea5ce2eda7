"""Running the Alembic migrations shipped inside the package, without an alembic.ini."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config

from microblog_server.persistence.engine import create_engine_for_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

__all__ = ["MIGRATIONS", "alembic_config", "downgrade", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic configuration that migrates through ``engine``.

    The engine travels in ``config.attributes`` so an in-memory SQLite database (one
    shared connection) is migrated in place. The URL is escaped for Alembic's
    ``configparser`` (``%`` starts an interpolation there), since a URL-encoded password or
    query (``options=-csearch_path%3D...`` on PostgreSQL) carries ``%`` signs.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Upgrade the schema of a database to ``revision`` (the newest by default).

    Args:
        target: A database URL or an engine.
        revision: An Alembic revision.
    """
    _run(target, lambda config: command.upgrade(config, revision))


def downgrade(target: str | Engine, revision: str = "base") -> None:
    """Downgrade the schema of a database to ``revision`` (empty by default).

    Args:
        target: A database URL or an engine.
        revision: An Alembic revision.
    """
    _run(target, lambda config: command.downgrade(config, revision))


def _run(target: str | Engine, action: Callable[[Config], None]) -> None:
    if isinstance(target, str):
        engine = create_engine_for_url(target)
        try:
            action(alembic_config(engine))
        finally:
            engine.dispose()
    else:
        action(alembic_config(target))
