"""The persistence layer: SQLAlchemy models, repositories, unit of work, migrations."""

from microblog_server.persistence.engine import (
    create_engine_for_url,
    create_engine_from_settings,
)
from microblog_server.persistence.migrate import downgrade, upgrade
from microblog_server.persistence.unit_of_work import SqlAlchemyUnitOfWork

__all__ = [
    "SqlAlchemyUnitOfWork",
    "create_engine_for_url",
    "create_engine_from_settings",
    "downgrade",
    "upgrade",
]
