"""Idempotency-Key claims: the lease, the takeover, and the write stored with its response."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microblog_server.domain import IdempotencyRecord, User
from microblog_server.services import Services
from microblog_server.services.idempotency import IdempotencyClaim

from .core_fakes import FakeClock, FakeDatabase

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def claim(services: Services, key: str = "k1", fingerprint: str = "fp") -> IdempotencyClaim:
    claimed = services.idempotency.begin("user:1", key, fingerprint)
    assert isinstance(claimed, IdempotencyClaim)
    return claimed


def record(services: Services, key: str = "k1", fingerprint: str = "fp") -> IdempotencyRecord:
    found = services.idempotency.begin("user:1", key, fingerprint)
    assert isinstance(found, IdempotencyRecord)
    return found


def finish(services: Services, claimed: IdempotencyClaim, status: int = 201) -> bool:
    with services.idempotency.hold() as held:
        return services.idempotency.finish(claimed, held, status, [("location", "/x")], b"{}")


def test_the_first_request_claims_the_key_and_later_ones_see_it(services: Services) -> None:
    claim(services)

    assert record(services).state == "in_progress"


def test_a_completed_response_is_kept_for_replay(services: Services) -> None:
    claimed = claim(services)
    with services.idempotency.hold() as held:
        headers = [("location", "/x"), ("link", "a")]
        assert services.idempotency.finish(claimed, held, 201, headers, b"{}")

    done = record(services, fingerprint="other-fp")
    assert (done.state, done.status_code, done.body) == ("done", 201, b"{}")
    assert done.headers == [("location", "/x"), ("link", "a")]
    assert done.fingerprint == "fp"


def test_keys_are_scoped_per_caller(services: Services) -> None:
    claim(services)

    assert isinstance(services.idempotency.begin("user:2", "k1", "fp"), IdempotencyClaim)


def test_an_abandoned_key_can_run_again(services: Services) -> None:
    claimed = claim(services)

    with services.idempotency.hold() as held:
        services.idempotency.abandon(claimed, held)

    claim(services)


def test_records_expire_after_the_ttl(services: Services, clock: FakeClock) -> None:
    claim(services, "k1")
    claim(services, "k2")

    clock.advance(timedelta(hours=24, seconds=1))

    claim(services, "k1")
    assert services.idempotency.purge_expired() == 1


def test_a_claim_within_its_lease_holds_the_key(services: Services, clock: FakeClock) -> None:
    claim(services)

    clock.advance(timedelta(seconds=25))  # the default lease is 30 s

    assert record(services).state == "in_progress"


def test_a_claim_past_its_lease_is_taken_over_by_the_same_payload_only(
    services: Services, clock: FakeClock
) -> None:
    claim(services)

    clock.advance(timedelta(seconds=31))

    assert record(services, fingerprint="another payload").state == "in_progress"
    claim(services)
    assert record(services).state == "in_progress"  # the takeover holds a new lease


def test_a_claim_taken_over_can_neither_store_nor_release(
    services: Services, clock: FakeClock
) -> None:
    first = claim(services)
    clock.advance(timedelta(seconds=31))
    second = claim(services)

    assert not finish(services, first)
    with services.idempotency.hold() as held:
        services.idempotency.abandon(first, held)
    assert record(services).state == "in_progress"
    assert finish(services, second)
    assert record(services).state == "done"


def test_the_write_and_the_stored_response_commit_together(
    services: Services, database: FakeDatabase, dana: User
) -> None:
    claimed = claim(services)
    with services.idempotency.hold() as held:
        services.microposts.create(dana, "Dana", "in the held transaction")
        assert services.microposts.list_collection("Dana").items != []  # seen inside it
        assert database.state.posts == {}  # nothing committed yet
        assert services.idempotency.finish(claimed, held, 201, [], b"{}")

    assert len(database.state.posts) == 1
    assert record(services).state == "done"


def test_a_lost_claim_rolls_the_write_back(
    services: Services, database: FakeDatabase, clock: FakeClock, dana: User
) -> None:
    first = claim(services)
    clock.advance(timedelta(seconds=31))
    claim(services)

    with services.idempotency.hold() as held:
        services.microposts.create(dana, "Dana", "too late")
        assert not services.idempotency.finish(first, held, 201, [], b"{}")

    assert database.state.posts == {}


def test_a_failed_use_case_keeps_nothing_it_did(
    services: Services, database: FakeDatabase, dana: User
) -> None:
    def add_then_fail() -> None:
        with services.uow_factory() as uow:
            uow.users.add(
                username="ghost", display_name="", bio="", password_hash="h", created_at=T0
            )
            uow.commit()
            raise RuntimeError

    claimed = claim(services)
    with services.idempotency.hold() as held:
        with pytest.raises(RuntimeError):
            add_then_fail()
        assert services.idempotency.finish(claimed, held, 422, [], b"{}")

    assert [u.username for u in database.state.users.values()] == ["Dana"]


def test_a_read_only_unit_of_work_in_a_held_transaction_refuses_to_commit(
    services: Services,
) -> None:
    with services.idempotency.hold(), services.uow_factory(read_only=True) as uow:
        with pytest.raises(RuntimeError, match="read-only"):
            uow.commit()
