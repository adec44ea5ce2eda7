"""Deep pages seek the index: a page after (or before) a cursor is an index range, not a scan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event

from microblog_server.domain import Keyset, PageRequest
from microblog_server.services import UnitOfWork, UnitOfWorkFactory

# EXPLAIN QUERY PLAN and its wording are SQLite's; PostgreSQL's planner is not pinned here.
pytestmark = pytest.mark.sqlite_only

CURSOR = Keyset(at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC), id=500)

Statement = tuple[str, Any]


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[Statement]]:
    seen: list[Statement] = []

    def record(*args: Any) -> None:
        seen.append((args[2], args[3]))  # (statement, parameters)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def query_plan(engine: Engine, statement: Statement) -> str:
    sql, parameters = statement
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


PAGES: dict[str, Callable[[UnitOfWork], object]] = {
    "users after": lambda uow: uow.users.list(PageRequest(19, after=CURSOR)),
    "users before": lambda uow: uow.users.list(PageRequest(19, before=CURSOR)),
    "an author's microposts after": lambda uow: uow.microposts.list_by_author(
        1, PageRequest(19, after=CURSOR)
    ),
    "an author's microposts before": lambda uow: uow.microposts.list_by_author(
        1, PageRequest(19, before=CURSOR)
    ),
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_a_page_beside_a_cursor_is_an_index_range_not_a_scan(
    page: Callable[[UnitOfWork], object],
    uow_factory: UnitOfWorkFactory,
    engine: Engine,
    statements: list[Statement],
) -> None:
    with uow_factory() as uow:
        page(uow)
    listing = next(s for s in statements if "ORDER BY" in s[0])

    plan = query_plan(engine, listing)

    assert "SEARCH" in plan, plan
    assert "created_at<" in plan or "created_at>" in plan, plan
    assert "SCAN" not in plan, plan
