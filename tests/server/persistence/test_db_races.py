"""A post that names a user being deleted at that moment is a 404, never a 500 (PostgreSQL).

Issue 19, low 9: the post's transaction finds the user, the deletion commits, then the
post's insert meets the foreign key: ``ForeignKeyViolation`` on ``referenced_id`` or
``mentions.user_id`` (and on ``author_id`` when the author deletes themself). The
interleaving is made, not hoped for: another connection deletes the user and holds its
transaction open; the post runs until its insert waits on that row (seen in
``pg_locks``); then the deletion commits. SQLite runs one writer at a time, so the race
cannot happen there (the post's ``BEGIN IMMEDIATE`` would wait for the deletion to end).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from microblog_server.domain import NotFound

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog_server.services import Services

WAITING = text("SELECT count(*) FROM pg_locks WHERE NOT granted")


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Poll until ``condition`` holds (the other transaction reaching its lock wait)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the post never waited on the deleted row"
        time.sleep(0.01)  # polling a lock table, not waiting for a retry


@pytest.mark.parametrize(
    ("text_", "referenced"),
    [("hello", "jaime"), ("hello @jaime", None)],
    ids=["referenced", "mentioned"],
)
def test_a_post_naming_a_user_deleted_meanwhile_is_not_found(
    backend: str, database_url: str, services: Services, text_: str, referenced: str | None
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time: this interleaving cannot happen there")
    dana = services.users.register("dana", "dana-password").user
    jaime = services.users.register("jaime", "jaime-password").user
    deleter = create_engine(database_url, poolclass=NullPool)
    try:
        with deleter.connect() as deleting, ThreadPoolExecutor(1) as pool:
            deleting.execute(text("DELETE FROM users WHERE id = :id"), {"id": jaime.id})
            posting = pool.submit(services.microposts.create, dana, "dana", text_, referenced)

            def post_waits() -> bool:
                with deleter.connect() as watching:
                    return bool(watching.execute(WAITING).scalar())

            wait_for(post_waits)
            deleting.commit()

            with pytest.raises(NotFound):
                posting.result(timeout=30)
    finally:
        deleter.dispose()

    assert services.microposts.list_collection("dana").items == []
