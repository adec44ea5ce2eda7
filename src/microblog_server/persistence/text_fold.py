"""Case folding for search that is the same on SQLite as on PostgreSQL, for all of Unicode.

SQLite's own ``lower()`` folds ASCII only (``ÄRGER`` stays ``ÄRGER``), PostgreSQL's folds
every letter. On SQLite each connection gets :data:`SQLITE_LOWER`, Python's
:meth:`str.lower` registered as a deterministic SQL function, and :class:`unicode_lower`
compiles to it there; elsewhere it is the database's ``lower()``. The search term is
folded by the same :meth:`str.lower`, so both sides agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

__all__ = ["SQLITE_LOWER", "register_sqlite_lower", "unicode_lower"]

SQLITE_LOWER = "microblog_lower"
"""The name of the SQL function registered on every SQLite connection."""


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def register_sqlite_lower(dbapi_connection: Any) -> None:
    """Register :data:`SQLITE_LOWER` on a ``sqlite3`` connection."""
    dbapi_connection.create_function(SQLITE_LOWER, 1, _lower, deterministic=True)


class unicode_lower(GenericFunction[str]):  # noqa: N801 - SQL function names are lower case
    """``lower(x)`` folding every Unicode letter, on SQLite as on PostgreSQL."""

    type = String()
    name = "lower"
    inherit_cache = True


@compiles(unicode_lower, "sqlite")
def _compile_on_sqlite(element: unicode_lower, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"
