"""Revoked token ids in the ``revoked_tokens`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, delete, insert

from microblog_server.persistence.models import RevokedTokenRow
from microblog_server.persistence.repositories.base import SqlAlchemyRepository

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["SqlAlchemyRevokedTokenRepository"]

_INSERT = insert(cast("Table", RevokedTokenRow.__table__))


class SqlAlchemyRevokedTokenRepository(SqlAlchemyRepository[RevokedTokenRow]):
    """Token ids revoked before they expire."""

    row_type = RevokedTokenRow

    def revoke(self, jti: str, *, expires_at: datetime) -> None:
        """Remember the token id until it expires (idempotent)."""
        if self._row(jti) is None:
            self.writes.execute(_INSERT, {"jti": jti, "expires_at": expires_at})

    def is_revoked(self, jti: str) -> bool:
        """Tell whether the token id was revoked."""
        return self._row(jti) is not None

    def purge_expired(self, now: datetime) -> int:
        """Forget revocations of tokens expired before ``now``."""
        result = self.writes.execute(
            delete(RevokedTokenRow).where(RevokedTokenRow.expires_at < now)
        )
        return int(result.rowcount)
