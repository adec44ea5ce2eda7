from __future__ import annotations

from datetime import timedelta

from microblog_server.services import Services

from .core_fakes import FakeClock


def test_the_first_request_claims_the_key_and_later_ones_see_it(services: Services) -> None:
    assert services.idempotency.begin("user:1", "k1", "fp") is None

    pending = services.idempotency.begin("user:1", "k1", "fp")

    assert pending is not None
    assert pending.state == "in_progress"


def test_a_completed_response_is_kept_for_replay(services: Services) -> None:
    services.idempotency.begin("user:1", "k1", "fp")

    services.idempotency.complete(
        "user:1", "k1", status_code=201, headers=[("location", "/x"), ("link", "a")], body=b"{}"
    )

    done = services.idempotency.begin("user:1", "k1", "other-fp")
    assert done is not None
    assert (done.state, done.status_code, done.body) == ("done", 201, b"{}")
    assert done.headers == [("location", "/x"), ("link", "a")]
    assert done.fingerprint == "fp"


def test_keys_are_scoped_per_caller(services: Services) -> None:
    services.idempotency.begin("user:1", "k1", "fp")

    assert services.idempotency.begin("user:2", "k1", "fp") is None


def test_a_discarded_key_can_run_again(services: Services) -> None:
    services.idempotency.begin("user:1", "k1", "fp")

    services.idempotency.discard("user:1", "k1")

    assert services.idempotency.begin("user:1", "k1", "fp") is None


def test_records_expire_after_the_ttl(services: Services, clock: FakeClock) -> None:
    services.idempotency.begin("user:1", "k1", "fp")
    services.idempotency.begin("user:1", "k2", "fp")

    clock.advance(timedelta(hours=24, seconds=1))

    assert services.idempotency.begin("user:1", "k1", "fp") is None
    assert services.idempotency.purge_expired() == 1
