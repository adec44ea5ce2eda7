"""The repository base and the keyset condition every list query uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, or_, true

from microblog_server.persistence.models import Base

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import InstrumentedAttribute, Session

    from microblog_server.domain import Keyset

__all__ = ["SqlAlchemyRepository", "before"]

RowT = TypeVar("RowT", bound=Base)


def before(
    at: InstrumentedAttribute[datetime],
    id_: ColumnElement[int] | InstrumentedAttribute[int],
    after: Keyset | None,
) -> ColumnElement[bool]:
    """Return the keyset condition "strictly older than ``after``" on ``(at, id)``."""
    if after is None:
        return true()
    return or_(at < after.at, and_(at == after.at, id_ < after.id))


class SqlAlchemyRepository(Generic[RowT]):
    """What every repository shares: a session and look-up of a row by primary key.

    Args:
        session: The unit of work's session.
    """

    row_type: type[RowT]

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, *primary_key: Any) -> RowT | None:
        return self.session.get(
            self.row_type, primary_key if len(primary_key) > 1 else primary_key[0]
        )
