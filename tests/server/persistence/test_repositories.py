"""One repository suite, run against the SQL repositories and the unit tests' fakes.

The in-memory fakes (``tests/server/unit/core_fakes.py``) stand in for the database in the
service unit tests; each test here runs on ``[fake]``, ``[sqlite]`` and, when
``MICROBLOG_TEST_POSTGRES_URL`` is set, ``[postgresql]``, so a fake that drifts from what
the SQL repositories do fails here rather than letting a unit test pass on a lie.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest

from microblog_server.domain import Conflict, IdempotencyRecord, Keyset, PageRequest, User
from microblog_server.persistence import (
    SqlAlchemyUnitOfWork,
    create_engine_for_url,
    upgrade,
)
from microblog_server.services import UnitOfWork, UnitOfWorkFactory
from tests.server.unit.core_fakes import FakeDatabase

from .conftest import PostgresServer

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    """Units of work over one of the stores, empty (and migrated, for the databases)."""
    if request.param == "fake":
        yield FakeDatabase().uow
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'repositories.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        assert isinstance(server, PostgresServer)
        url = server.fresh_database_url("repositories")
    engine = create_engine_for_url(url)
    upgrade(engine)
    yield partial(SqlAlchemyUnitOfWork, engine)
    engine.dispose()


def _add_user(uow: UnitOfWork, name: str, minutes: int = 0) -> User:
    return uow.users.add(
        username=name,
        display_name=name,
        bio="",
        password_hash="hash",
        created_at=T0 + timedelta(minutes=minutes),
    )


def test_usernames_are_unique_ignoring_case_in_the_database(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _add_user(uow, "Dana")
        with pytest.raises(Conflict):
            _add_user(uow, "dANA")
        uow.commit()

    with uow_factory() as uow:
        found = uow.users.get_by_username("DANA")
        assert found is not None
        assert found.username == "Dana"
        assert found.created_at == T0


def test_nothing_is_kept_without_a_commit(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _add_user(uow, "dana")

    with uow_factory() as uow:
        assert uow.users.get_by_username("dana") is None


def test_timestamps_in_any_zone_are_kept_as_utc_instants_and_ordered_by_instant(
    uow_factory: UnitOfWorkFactory,
) -> None:
    paris_summer = timezone(timedelta(hours=2))
    with uow_factory() as uow:
        earlier = uow.users.add(
            username="early",
            display_name="",
            bio="",
            password_hash="hash",
            created_at=datetime(2026, 7, 1, 10, 30, tzinfo=paris_summer),  # 08:30 UTC
        )
        later = _add_user(uow, "later")  # T0: 09:00 UTC
        uow.commit()

    with uow_factory() as uow:
        listed = uow.users.list(PageRequest(9))
        stored = uow.users.get(earlier.id)

    assert [u.id for u in listed] == [later.id, earlier.id]
    assert stored is not None
    assert stored.created_at == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
    assert stored.created_at.utcoffset() == timedelta(0)


def test_user_prefix_search_escapes_like_wildcards(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _add_user(uow, "a_b", 0)
        _add_user(uow, "axb", 1)
        uow.commit()

        assert [u.username for u in uow.users.list(PageRequest(9), prefix="A_")] == ["a_b"]


def test_user_update_is_a_compare_and_set_on_the_version(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = _add_user(uow, "dana")
        uow.commit()

    with uow_factory() as uow:
        assert uow.users.update(
            User(user.id, "dana", "Dana D.", "bio", T0, 1, "hash"), expected_version=1
        )
        assert not uow.users.update(
            User(user.id, "dana", "Other", "bio", T0, 1, "hash"), expected_version=1
        )
        uow.commit()
        stored = uow.users.get(user.id)
        assert stored is not None
        assert (stored.display_name, stored.version) == ("Dana D.", 2)


def test_counts_come_from_follows_and_microposts_in_one_batch(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        dana, jaime, ana = (_add_user(uow, n, i) for i, n in enumerate(["dana", "jaime", "ana"]))
        uow.follows.add(dana.id, jaime.id, created_at=T0)
        uow.follows.add(ana.id, jaime.id, created_at=T0)
        for i in range(3):
            uow.microposts.add(
                author=jaime, text=f"p{i}", referenced=None, mentioned=[], created_at=T0
            )
        counts = uow.users.counts([dana.id, jaime.id, 999])

    assert (counts[jaime.id].followers_count, counts[jaime.id].microposts_count) == (2, 3)
    assert counts[dana.id].following_count == 1
    assert counts[999].followers_count == 0


def test_follow_edges_are_added_once(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        dana, jaime = _add_user(uow, "dana"), _add_user(uow, "jaime", 1)

        assert uow.follows.add(dana.id, jaime.id, created_at=T0) is True
        assert uow.follows.add(dana.id, jaime.id, created_at=T0) is False
        uow.follows.remove(dana.id, jaime.id)
        assert uow.follows.following(dana.id, PageRequest(9)) == []


def test_micropost_keeps_mentions_in_order_and_resolves_names(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        dana, jaime, ana = (_add_user(uow, n, i) for i, n in enumerate(["Dana", "jaime", "ana"]))
        post = uow.microposts.add(
            author=jaime,
            text="@ana @Dana",
            referenced=dana,
            mentioned=[ana, dana],
            created_at=T0,
        )
        uow.commit()

    with uow_factory() as uow:
        stored = uow.microposts.get(post.id)
    assert stored is not None
    assert (stored.author, stored.referenced, stored.mentions) == ("jaime", "Dana", ["ana", "Dana"])


def test_timeline_lists_a_micropost_once_even_when_it_qualifies_thrice(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        dana, jaime = _add_user(uow, "dana"), _add_user(uow, "jaime", 1)
        uow.follows.add(dana.id, jaime.id, created_at=T0)
        uow.microposts.add(
            author=jaime,
            text="@dana",
            referenced=dana,
            mentioned=[dana],
            created_at=T0,
        )

        assert len(uow.microposts.timeline(dana.username, PageRequest(9))) == 1


def test_a_timeline_is_asked_by_username_in_any_case_and_an_unknown_one_is_empty(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # The service asks for a user's timeline by name, without looking the user up first;
    # only an empty page makes it check that the user exists (404).
    with uow_factory() as uow:
        dana, jaime = _add_user(uow, "dana"), _add_user(uow, "jaime", 1)
        uow.follows.add(dana.id, jaime.id, created_at=T0)
        uow.microposts.add(author=jaime, text="hi", referenced=None, mentioned=[], created_at=T0)
        uow.commit()

    with uow_factory(read_only=True) as uow:
        assert [p.text for p in uow.microposts.timeline("DANA", PageRequest(9))] == ["hi"]
        assert uow.microposts.timeline("ghost", PageRequest(9)) == []
        assert uow.microposts.timeline("jaime", PageRequest(9)) == []


def test_keyset_pages_break_timestamp_ties_by_id(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        dana = _add_user(uow, "dana")
        ids = [
            uow.microposts.add(
                author=dana, text=f"p{i}", referenced=None, mentioned=[], created_at=T0
            ).id
            for i in range(5)
        ]

        page = uow.microposts.list_by_author(dana.id, PageRequest(9, after=Keyset(T0, ids[2])))

    assert [p.id for p in page] == [ids[1], ids[0]]


def test_search_escapes_like_wildcards(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        dana = _add_user(uow, "dana")
        for text in ["100% sure", "1000 sure", "under_score", "underXscore"]:
            uow.microposts.add(author=dana, text=text, referenced=None, mentioned=[], created_at=T0)

        assert [
            p.text for p in uow.microposts.search("0% S", PageRequest(8), username_prefix="D")
        ] == ["100% sure"]
        assert [p.text for p in uow.microposts.search("r_s", PageRequest(8))] == ["under_score"]


def test_deleting_a_user_removes_their_rows_and_unlinks_addressed_posts(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        dana, jaime = _add_user(uow, "dana"), _add_user(uow, "jaime", 1)
        uow.follows.add(jaime.id, dana.id, created_at=T0)
        uow.microposts.add(author=dana, text="mine", referenced=None, mentioned=[], created_at=T0)
        kept = uow.microposts.add(
            author=jaime,
            text="@dana",
            referenced=dana,
            mentioned=[dana],
            created_at=T0,
        )
        uow.commit()

    with uow_factory() as uow:
        uow.users.delete(dana.id)
        uow.commit()

    with uow_factory() as uow:
        assert uow.users.get(dana.id) is None
        assert uow.users.counts([jaime.id])[jaime.id].following_count == 0
        remaining = uow.microposts.get(kept.id)
        assert remaining is not None
        assert (remaining.referenced, remaining.mentions) == (None, [])
        assert uow.microposts.search("mine", PageRequest(4)) == []


def test_micropost_update_and_delete_compare_versions(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        dana = _add_user(uow, "dana")
        post = uow.microposts.add(
            author=dana, text="v1 @dana", referenced=None, mentioned=[dana], created_at=T0
        )
        assert uow.microposts.update(
            post.id,
            text="v2",
            referenced_id=None,
            mention_ids=[],
            updated_at=T0,
            expected_version=1,
        )
        assert not uow.microposts.delete(post.id, expected_version=1)
        assert uow.microposts.delete(post.id, expected_version=2)
        assert uow.microposts.get(post.id) is None


def test_a_micropost_id_past_32_bits_is_simply_not_found(uow_factory: UnitOfWorkFactory) -> None:
    # The API accepts ids up to 2**63 - 1; the id columns hold them (BIGINT on PostgreSQL).
    huge = 2**63 - 1
    with uow_factory() as uow:
        assert uow.microposts.get(huge) is None
        assert not uow.microposts.update(
            huge, text="x", referenced_id=None, mention_ids=[], updated_at=T0, expected_version=1
        )
        assert not uow.microposts.delete(huge, expected_version=None)


def test_revoked_tokens_are_remembered_until_they_expire(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.tokens.revoke("old", expires_at=T0)
        uow.tokens.revoke("new", expires_at=T0 + timedelta(hours=1))
        uow.tokens.revoke("new", expires_at=T0 + timedelta(hours=1))

        assert uow.tokens.purge_expired(T0 + timedelta(minutes=1)) == 1
        assert not uow.tokens.is_revoked("old")
        assert uow.tokens.is_revoked("new")


def test_idempotency_records_round_trip_and_refuse_duplicates(
    uow_factory: UnitOfWorkFactory,
) -> None:
    record = IdempotencyRecord("user:1", "k", "fp", "in_progress", None, [], b"", T0)
    with uow_factory() as uow:
        assert uow.idempotency.claim(record, wait=1)
        assert uow.idempotency.claim(record, wait=1) is False
        assert uow.idempotency.complete(
            "user:1",
            "k",
            claimed_at=T0,
            status_code=201,
            headers=[("link", "a"), ("link", "b")],
            body=b"\x00{}",
        )
        uow.commit()

    with uow_factory() as uow:
        stored = uow.idempotency.get("user:1", "k")
        assert stored is not None
        assert (stored.state, stored.status_code, stored.body) == ("done", 201, b"\x00{}")
        assert stored.headers == [("link", "a"), ("link", "b")]
        assert uow.idempotency.purge_older_than(T0 + timedelta(seconds=1)) == 1


def test_an_idempotency_claim_is_completed_only_at_its_own_claim_time(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        claim = IdempotencyRecord("user:1", "k", "fp", "in_progress", None, [], b"", T0)
        assert uow.idempotency.claim(claim, wait=1)
        other = uow.idempotency.complete(
            "user:1",
            "k",
            claimed_at=T0 + timedelta(seconds=1),
            status_code=201,
            headers=[],
            body=b"",
        )
        own = uow.idempotency.complete(
            "user:1", "k", claimed_at=T0, status_code=201, headers=[], body=b""
        )

    assert (other, own) == (False, True)


def test_a_savepoint_rolls_back_what_followed_it_only(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        claim = IdempotencyRecord("user:1", "k", "fp", "in_progress", None, [], b"", T0)
        uow.idempotency.claim(claim, wait=1)
        savepoint = uow.savepoint()
        uow.users.add(username="ghost", display_name="", bio="", password_hash="h", created_at=T0)
        savepoint.rollback()
        uow.commit()

    with uow_factory() as uow:
        assert uow.idempotency.get("user:1", "k") is not None
        assert uow.users.get_by_username("ghost") is None


def test_a_user_update_stores_the_token_cut_off_of_a_password_change(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        user = _add_user(uow, "dana")
        uow.commit()
    changed = replace(
        user, password_hash="new", tokens_valid_after=T0 + timedelta(hours=1), kept_token="ab" * 32
    )

    with uow_factory() as uow:
        assert uow.users.update(changed, expected_version=None)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.users.get(user.id)

    assert stored is not None
    assert (stored.password_hash, stored.tokens_valid_after, stored.kept_token) == (
        "new",
        T0 + timedelta(hours=1),
        "ab" * 32,
    )
    assert stored.version == 2


def test_a_page_before_a_key_holds_the_closest_newer_rows_newest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        users = [_add_user(uow, f"user{i}", minutes=i) for i in range(6)]
        uow.commit()
    middle = Keyset(users[2].created_at, users[2].id)

    with uow_factory() as uow:
        before = uow.users.list(PageRequest(2, before=middle))
        after = uow.users.list(PageRequest(2, after=middle))

    assert [u.username for u in before] == ["user5", "user4", "user3"]
    assert [u.username for u in after] == ["user1", "user0"]
