"""SQLAlchemy implementations of the repository ports, returning domain entities."""

from microblog_server.persistence.repositories.base import SqlAlchemyRepository
from microblog_server.persistence.repositories.follows import SqlAlchemyFollowRepository
from microblog_server.persistence.repositories.idempotency import SqlAlchemyIdempotencyRepository
from microblog_server.persistence.repositories.microposts import SqlAlchemyMicropostRepository
from microblog_server.persistence.repositories.tokens import SqlAlchemyRevokedTokenRepository
from microblog_server.persistence.repositories.users import SqlAlchemyUserRepository

__all__ = [
    "SqlAlchemyFollowRepository",
    "SqlAlchemyIdempotencyRepository",
    "SqlAlchemyMicropostRepository",
    "SqlAlchemyRepository",
    "SqlAlchemyRevokedTokenRepository",
    "SqlAlchemyUserRepository",
]
