"""The repository base and the keyset paging every list query uses."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

from sqlalchemy import ColumnElement, Row, Select, Table, and_, bindparam, or_, select

from microblog_server.persistence.models import Base

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

    from sqlalchemy.orm import InstrumentedAttribute, Session

    from microblog_server.domain import PageRequest

__all__ = ["AnyRow", "SqlAlchemyRepository", "keyset_page"]

RowT = TypeVar("RowT", bound=Base)
AnySelect: TypeAlias = "Select[*tuple[Any, ...]]"
AnyRow: TypeAlias = "Row[*tuple[Any, ...]]"
ItemT = TypeVar("ItemT")


def keyset_page(
    run: Callable[[AnySelect], Iterable[ItemT]],
    query: AnySelect,
    at: ColumnElement[datetime] | InstrumentedAttribute[datetime],
    id_: ColumnElement[int] | InstrumentedAttribute[int],
    page: PageRequest,
) -> list[ItemT]:
    """Run one page of a list query ordered newest first on ``(at, id)``.

    It returns ``page.rows_to_fetch`` rows at most. With ``page.after`` they are strictly
    older than it. With ``page.before`` they are strictly newer than it and closest to it:
    fetched oldest first (so the limit keeps the closest), then turned newest first like
    every page.

    Args:
        run: Executes the final query (e.g. ``session.scalars``).
        query: The list's query, filtered but not ordered or limited.
        at: The timestamp column of the key.
        id_: The tie-breaking id column of the key.
        page: The page asked for.

    Returns:
        The rows, newest first.
    """
    # The redundant ``at <=`` / ``at >=`` bound in front of each OR is what lets SQLite
    # seek the (..., at, id) index instead of scanning it from the newest row down.
    after, before, limit = page.after, page.before, page.rows_to_fetch
    if after is not None:
        query = query.where(
            and_(at <= after.at, or_(at < after.at, and_(at == after.at, id_ < after.id)))
        )
    if before is None:
        return list(run(query.order_by(at.desc(), id_.desc()).limit(limit)))
    query = query.where(
        and_(at >= before.at, or_(at > before.at, and_(at == before.at, id_ > before.id)))
    )
    rows = list(run(query.order_by(at.asc(), id_.asc()).limit(limit)))
    rows.reverse()
    return rows


class SqlAlchemyRepository(Generic[RowT]):
    """What every repository shares: a session and look-up of a row by primary key.

    Args:
        session: The unit of work's session.
    """

    row_type: type[RowT]

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, *primary_key: Any) -> AnyRow | None:
        """Read one row's columns by primary key (values in the key's column order).

        A Core query, not ``Session.get``: the row comes back as plain values, without
        building and tracking an ORM object (on a GET that was most of the database cost).
        It runs through the session, whose autoflush sends pending ORM writes first, so the
        row is what the transaction sees.
        """
        parameters = {f"pk_{i}": value for i, value in enumerate(primary_key)}
        return self.session.execute(_by_primary_key(self.row_type), parameters).first()


@cache
def _by_primary_key(row_type: type[Base]) -> Select[Any]:
    """Build, once per table, the query of one row by its primary key."""
    table = row_type.__table__
    assert isinstance(table, Table)
    return select(table).where(
        *(column == bindparam(f"pk_{i}") for i, column in enumerate(table.primary_key))
    )
