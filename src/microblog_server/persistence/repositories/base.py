"""The repository base and the keyset paging every list query uses."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, TypeVar

from sqlalchemy import ColumnElement, Integer, Row, Select, Table, and_, bindparam, or_, select

from microblog_server.persistence.models import Base

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from datetime import datetime

    from sqlalchemy import Connection, Executable, Result
    from sqlalchemy.orm import InstrumentedAttribute

    from microblog_server.domain import PageRequest

__all__ = [
    "AnyRow",
    "KeysetQuery",
    "SqlAlchemyRepository",
    "keyset_page",
    "new_id",
    "refuse_if_read_only",
]

RowT = TypeVar("RowT", bound=Base)
AnySelect: TypeAlias = "Select[*tuple[Any, ...]]"
AnyRow: TypeAlias = "Row[*tuple[Any, ...]]"
ItemT = TypeVar("ItemT")


class KeysetQuery:
    """A list query's pages, ordered newest first on ``(at, id)``, built once.

    A page is one of three statements: the first page, the page after a key (older
    items) and the page before one (newer items). Each is built on first use and kept,
    so that a request neither builds a statement nor computes its cache key again: with
    the keys and the page size as bound parameters (``ks_at``, ``ks_id``, ``ks_limit``),
    the statement object is the same for every page. Build one per list query at import
    time, with :func:`sqlalchemy.bindparam` for the filters (a user id, say), and pass
    their values to :meth:`page`.

    Args:
        query: The list's query, filtered but not ordered or limited.
        at: The timestamp column of the key.
        id_: The tie-breaking id column of the key.
    """

    def __init__(
        self,
        query: AnySelect,
        at: ColumnElement[datetime] | InstrumentedAttribute[datetime],
        id_: ColumnElement[int] | InstrumentedAttribute[int],
    ) -> None:
        self._query = query
        self._at = at
        self._id = id_
        self._built: dict[str, AnySelect] = {}

    def statement(self, shape: Literal["first", "after", "before"]) -> AnySelect:
        """Return the statement of one shape of page (built on first use)."""
        built = self._built.get(shape)
        if built is None:
            built = self._built[shape] = self._build(shape)
        return built

    def _build(self, shape: Literal["first", "after", "before"]) -> AnySelect:
        query, at, id_ = self._query, self._at, self._id
        key_at = bindparam("ks_at", type_=at.type)
        key_id = bindparam("ks_id", type_=id_.type)
        limit = bindparam("ks_limit", type_=Integer)
        # The redundant ``at <=`` / ``at >=`` bound in front of each OR is what lets SQLite
        # seek the (..., at, id) index instead of scanning it from the newest row down.
        if shape == "after":
            query = query.where(
                and_(at <= key_at, or_(at < key_at, and_(at == key_at, id_ < key_id)))
            )
        if shape != "before":
            return query.order_by(at.desc(), id_.desc()).limit(limit)
        query = query.where(and_(at >= key_at, or_(at > key_at, and_(at == key_at, id_ > key_id))))
        return query.order_by(at.asc(), id_.asc()).limit(limit)

    def page(
        self,
        run: Callable[[AnySelect, dict[str, Any]], Iterable[ItemT]],
        page: PageRequest,
        parameters: Mapping[str, Any] | None = None,
    ) -> list[ItemT]:
        """Run one page.

        It returns ``page.rows_to_fetch`` rows at most. With ``page.after`` they are strictly
        older than it. With ``page.before`` they are strictly newer than it and closest to
        it: fetched oldest first (so the limit keeps the closest), then turned newest first
        like every page.

        Args:
            run: Executes a statement with its parameters (e.g. ``session.execute``).
            page: The page asked for.
            parameters: The values of the query's own bound parameters.

        Returns:
            The rows, newest first.
        """
        values = {**(parameters or {}), "ks_limit": page.rows_to_fetch}
        key = page.after if page.after is not None else page.before
        if key is None:
            return list(run(self.statement("first"), values))
        values["ks_at"], values["ks_id"] = key.at, key.id
        if page.before is None:
            return list(run(self.statement("after"), values))
        rows = list(run(self.statement("before"), values))
        rows.reverse()
        return rows


def keyset_page(
    run: Callable[[AnySelect, dict[str, Any]], Iterable[ItemT]],
    query: AnySelect,
    at: ColumnElement[datetime] | InstrumentedAttribute[datetime],
    id_: ColumnElement[int] | InstrumentedAttribute[int],
    page: PageRequest,
) -> list[ItemT]:
    """Run one page of a list query built for this request (see :class:`KeysetQuery`).

    Args:
        run: Executes a statement with its parameters (e.g. ``session.execute``).
        query: The list's query, filtered but not ordered or limited.
        at: The timestamp column of the key.
        id_: The tie-breaking id column of the key.
        page: The page asked for.

    Returns:
        The rows, newest first.
    """
    return KeysetQuery(query, at, id_).page(run, page)


class SqlAlchemyRepository(Generic[RowT]):
    """What every repository shares: the transaction and look-up of a row by primary key.

    Core statements on the unit of work's connection: reads through :meth:`execute`,
    writes through :attr:`writes`, which a read-only unit of work refuses.

    Args:
        db: The unit of work's connection.
        read_only: The unit of work only reads.
    """

    row_type: type[RowT]

    def __init__(self, db: Connection, *, read_only: bool = False) -> None:
        self.db = db
        self._read_only = read_only

    @property
    def writes(self) -> Connection:
        """The connection, for a write.

        Raises:
            RuntimeError: The unit of work is read-only.
        """
        refuse_if_read_only(self._read_only, "write")
        return self.db

    def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Result[*tuple[Any, ...]]:
        """Run a statement in the transaction."""
        return self.db.execute(statement, parameters)

    def _row(self, *primary_key: Any) -> AnyRow | None:
        """Read one row's columns by primary key (values in the key's column order).

        A Core query: the row comes back as plain values, without building and tracking an
        ORM object (on a GET that was most of the database cost).
        """
        parameters = {f"pk_{i}": value for i, value in enumerate(primary_key)}
        return self.execute(_by_primary_key(self.row_type), parameters).first()


def refuse_if_read_only(read_only: bool, action: str) -> None:
    """Refuse ``action`` ("write", "commit") in a read-only unit of work.

    Raises:
        RuntimeError: ``read_only`` is true.
    """
    if read_only:
        msg = f"a read-only unit of work cannot {action}"
        raise RuntimeError(msg)


def new_id(inserted_primary_key: AnyRow | None) -> int:
    """The id an insert's result reports for the row it inserted."""
    assert inserted_primary_key is not None  # a single-row insert of a table with an id
    return int(inserted_primary_key[0])


@cache
def _by_primary_key(row_type: type[Base]) -> Select[Any]:
    """Build, once per table, the query of one row by its primary key."""
    table = row_type.__table__
    assert isinstance(table, Table)
    return select(table).where(
        *(column == bindparam(f"pk_{i}") for i, column in enumerate(table.primary_key))
    )
