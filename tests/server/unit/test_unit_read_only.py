"""Reading use cases open read-only units of work; writing ones open writable ones."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from microblog_server.domain import User
from microblog_server.services import Services

from .core_fakes import FakeDatabase

READS: dict[str, Callable[[Services, User], object]] = {
    "get a user": lambda s, u: s.users.get(u.username),
    "get a user by id": lambda s, u: s.users.get_by_id(u.id),
    "list users": lambda s, u: s.users.list(),
    "get a micropost": lambda s, u: s.microposts.get(u.username, 1),
    "get a micropost by id": lambda s, u: s.microposts.get_by_id(1),
    "list a user's microposts": lambda s, u: s.microposts.list_collection(u.username),
    "list following": lambda s, u: s.follows.following(u.username),
    "list followers": lambda s, u: s.follows.followers(u.username),
    "the timeline": lambda s, u: s.feeds.timeline(u.username),
    "search": lambda s, u: s.feeds.search("hello"),
    "log in": lambda s, u: s.auth.login(u.username, "dana-password"),
    "authenticate": lambda s, u: s.auth.authenticate(
        s.auth.login(u.username, "dana-password").access_token
    ),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_reading_use_case_opens_only_read_only_units_of_work(
    read: Callable[[Services, User], object],
    services: Services,
    database: FakeDatabase,
    dana: User,
) -> None:
    services.microposts.create(dana, dana.username, "hello")
    database.opened.clear()

    read(services, dana)

    assert database.opened
    assert all(database.opened)


def test_a_writing_use_case_opens_a_writable_unit_of_work(
    services: Services, database: FakeDatabase, dana: User
) -> None:
    database.opened.clear()

    services.microposts.create(dana, dana.username, "hello")

    assert database.opened == [False]


def test_a_read_only_unit_of_work_cannot_commit(database: FakeDatabase) -> None:
    with database.uow(read_only=True) as uow, pytest.raises(RuntimeError, match="read-only"):
        uow.commit()
