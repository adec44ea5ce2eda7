"""The retry policy as a value: its table, its backoff, its validation."""

from __future__ import annotations

import dataclasses

import pytest

from microblog import Retry

IDEMPOTENT = ["GET", "HEAD", "PUT", "DELETE"]


@pytest.mark.parametrize(
    ("method", "status", "key", "retried"),
    [
        # 5xx in the policy: only idempotent requests (or keyed POSTs) are retried
        *[(m, s, False, True) for m in IDEMPOTENT for s in (500, 502, 503, 504)],
        *[("POST", s, True, True) for s in (500, 502, 503, 504)],
        *[("POST", s, False, False) for s in (500, 502, 503, 504)],
        *[("PATCH", s, False, False) for s in (500, 502, 503, 504)],
        # 429 was refused before any work: always retried
        *[(m, 429, k, True) for m in [*IDEMPOTENT, "POST", "PATCH"] for k in (False, True)],
        # other errors never
        *[
            (m, s, True, False)
            for m in ["GET", "POST", "PUT"]
            for s in (400, 401, 403, 404, 409, 412, 413, 415, 422, 501, 505)
        ],
    ],
)
def test_status_method_key_table(method: str, status: int, key: bool, retried: bool) -> None:
    assert Retry().should_retry(method, status=status, idempotency_key=key) is retried


@pytest.mark.parametrize(
    ("method", "read_timeout", "key", "retried"),
    [
        ("GET", False, False, True),  # connection failure: never reached the service
        ("POST", False, False, True),
        ("PATCH", False, False, True),
        ("GET", True, False, True),  # read timeout: maybe processed, so idempotent only
        ("PUT", True, False, True),
        ("POST", True, True, True),
        ("POST", True, False, False),
        ("PATCH", True, False, False),
    ],
)
def test_no_response_table(method: str, read_timeout: bool, key: bool, retried: bool) -> None:
    policy = Retry()
    assert policy.should_retry(method, read_timeout=read_timeout, idempotency_key=key) is retried


def test_backoff_doubles_up_to_the_cap_without_jitter() -> None:
    policy = Retry(backoff_base=0.5, backoff_max=3.0, jitter=0)
    assert [policy.backoff(n, 0.99) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_full_jitter_draws_below_the_ceiling() -> None:
    policy = Retry(backoff_base=1.0, jitter=1.0)
    assert policy.backoff(2, 0.0) == 2.0
    assert policy.backoff(2, 0.75) == 0.5


def test_backoff_survives_a_huge_retry_number() -> None:
    assert Retry(backoff_max=8.0, jitter=0).backoff(10_000, 0.0) == 8.0


def test_policy_is_an_immutable_value_copied_with_replace() -> None:
    policy = Retry()
    stricter = dataclasses.replace(policy, max_retries=0, statuses=frozenset({503}))
    assert (policy.max_attempts, stricter.max_attempts) == (4, 1)
    assert stricter.should_retry("GET", status=500) is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.max_retries = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"max_retries": -1}, ValueError),
        ({"max_retries": 1.5}, TypeError),
        ({"max_retries": True}, TypeError),
        ({"backoff_base": -1}, ValueError),
        ({"backoff_max": float("inf")}, ValueError),
        ({"max_retry_after": "5"}, TypeError),
        ({"deadline": 0}, ValueError),
        ({"jitter": 1.5}, ValueError),
    ],
)
def test_nonsense_policies_are_refused(fields: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        Retry(**fields)  # type: ignore[arg-type]
