"""Idempotency-Key claims: made in the request's transaction, stored with its write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microblog_server.domain import IdempotencyRecord, User
from microblog_server.services import Services
from microblog_server.services.idempotency import IdempotencyClaim

from .core_fakes import FakeClock, FakeDatabase

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def begin(
    services: Services, key: str = "k1", fingerprint: str = "fp", *, status: int | None = 201
) -> IdempotencyClaim | IdempotencyRecord:
    """Begin a request with the key; finish it with ``status`` (None: roll it back)."""
    with services.idempotency.hold() as held:
        claimed = services.idempotency.begin(held, "user:1", key, fingerprint)
        if isinstance(claimed, IdempotencyRecord):
            held.close()
        elif status is None:
            services.idempotency.abandon(claimed, held)
        else:
            assert services.idempotency.finish(claimed, held, status, [("location", "/x")], b"{}")
    return claimed


def test_a_finished_request_is_kept_for_replay(services: Services) -> None:
    assert isinstance(begin(services), IdempotencyClaim)

    done = begin(services, fingerprint="other-fp")
    assert isinstance(done, IdempotencyRecord)
    assert (done.state, done.status_code, done.body) == ("done", 201, b"{}")
    assert done.headers == [("location", "/x")]
    assert done.fingerprint == "fp"


def test_keys_are_scoped_per_caller(services: Services) -> None:
    begin(services)

    with services.idempotency.hold() as held:
        assert isinstance(services.idempotency.begin(held, "user:2", "k1", "fp"), IdempotencyClaim)
        held.close()


def test_a_request_rolled_back_leaves_nothing_behind(services: Services) -> None:
    # A 5xx, or a process that dies: its transaction, the claim in it, is rolled back.
    begin(services, status=None)

    assert isinstance(begin(services), IdempotencyClaim)


def test_records_expire_after_the_ttl(services: Services, clock: FakeClock) -> None:
    begin(services, "k1")
    begin(services, "k2")

    clock.advance(timedelta(hours=24, seconds=1))

    assert isinstance(begin(services, "k1"), IdempotencyClaim)
    assert services.idempotency.purge_expired() == 1


def test_a_claim_committed_by_an_older_version_is_not_waited_for(
    services: Services, database: FakeDatabase
) -> None:
    # Versions before 0.3 committed claims on their own, then waited out a lease.
    old = IdempotencyRecord("user:1", "k1", "fp", "in_progress", None, [], b"", T0)
    database.state.idempotency["user:1", "k1"] = old

    assert isinstance(begin(services), IdempotencyClaim)


def test_the_write_and_the_stored_response_commit_together(
    services: Services, database: FakeDatabase, dana: User
) -> None:
    with services.idempotency.hold() as held:
        claimed = services.idempotency.begin(held, "user:1", "k1", "fp")
        assert isinstance(claimed, IdempotencyClaim)
        services.microposts.create(dana, "Dana", "in the held transaction")
        assert services.microposts.list_collection("Dana").items != []  # seen inside it
        assert database.state.posts == {}  # nothing committed yet, the claim neither
        assert database.state.idempotency == {}
        assert services.idempotency.finish(claimed, held, 201, [], b"{}")

    assert len(database.state.posts) == 1
    assert database.state.idempotency["user:1", "k1"].state == "done"


def test_a_failed_use_case_keeps_nothing_it_did_but_the_claim_stays(
    services: Services, database: FakeDatabase, dana: User
) -> None:
    def add_then_fail() -> None:
        with services.uow_factory() as uow:
            uow.users.add(
                username="ghost", display_name="", bio="", password_hash="h", created_at=T0
            )
            uow.commit()
            raise RuntimeError

    with services.idempotency.hold() as held:
        claimed = services.idempotency.begin(held, "user:1", "k1", "fp")
        assert isinstance(claimed, IdempotencyClaim)
        with pytest.raises(RuntimeError):
            add_then_fail()
        assert services.idempotency.finish(claimed, held, 422, [], b"{}")

    assert [u.username for u in database.state.users.values()] == ["Dana"]
    assert database.state.idempotency["user:1", "k1"].status_code == 422


def test_a_read_only_unit_of_work_in_a_held_transaction_refuses_to_commit(
    services: Services,
) -> None:
    with services.idempotency.hold(), services.uow_factory(read_only=True) as uow:
        with pytest.raises(RuntimeError, match="read-only"):
            uow.commit()
