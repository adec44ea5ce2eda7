"""Fill the service's database fast: many microposts straight through its persistence layer.

Creating 100 000 microposts over HTTP (even in batches of 100) would take longer than the
benchmark itself, so they are inserted with one SQLAlchemy Core statement per chunk into
the service's own tables, while the service runs (SQLite in WAL mode allows it).
"""

from __future__ import annotations

import datetime

from sqlalchemy import insert, select

from microblog_server.persistence import create_engine_for_url
from microblog_server.persistence.models import MicropostRow, UserRow

__all__ = ["seed_microposts"]


def seed_microposts(database_url: str, username: str, count: int, *, chunk: int = 5000) -> None:
    """Insert ``count`` microposts by ``username`` (who must exist), a second apart."""
    engine = create_engine_for_url(database_url)
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    try:
        with engine.begin() as connection:
            author = connection.execute(
                select(UserRow.id).where(UserRow.username == username)
            ).scalar_one()
            for first in range(0, count, chunk):
                rows = [
                    {
                        "author_id": author,
                        "text": f"micropost number {n} of the pagination benchmark",
                        "referenced_id": None,
                        "created_at": start + datetime.timedelta(seconds=n),
                        "updated_at": None,
                        "version": 1,
                    }
                    for n in range(first, min(first + chunk, count))
                ]
                connection.execute(insert(MicropostRow), rows)
    finally:
        engine.dispose()
