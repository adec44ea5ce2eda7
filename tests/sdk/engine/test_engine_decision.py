"""``Retry.decide`` as a table, without HTTP: one attempt's outcome -> raise or wait N s.

The ``Retry`` docstring's table is read here and checked row by row against the
function, so the documentation cannot drift from the code again.
"""

from __future__ import annotations

import re

import pytest

from microblog import Retry
from microblog._outcome import FAILURES, Outcome

# (method, keyed) samples of each column of the docstring table.
IDEMPOTENT = [("GET", False), ("HEAD", False), ("PUT", False), ("DELETE", False), ("POST", True)]
NOT_IDEMPOTENT = [("POST", False), ("PATCH", False)]

# The docstring's row labels and an outcome of each kind.
ROWS: dict[str, list[Outcome]] = {
    "could not connect (never sent)": [Outcome.failed("connect", sent=False)],
    "connect timeout (never sent)": [Outcome.failed("connect_timeout", sent=False)],
    "TLS failure": [Outcome.failed("tls", sent=False)],
    "request could not be sent": [Outcome.failed("invalid", sent=False)],
    "read timeout after sending": [Outcome.failed("timeout", sent=True)],
    "connection lost after sending": [Outcome.failed("lost", sent=True)],
    "cut off by the deadline": [
        Outcome.failed("deadline", sent=True),
        Outcome.failed("deadline", sent=False),
    ],
    "body past max_response_bytes": [Outcome.failed("too_large", sent=True)],
    "body not decodable": [Outcome.failed("malformed", sent=True)],
    "a status in statuses": [Outcome(status=s) for s in (500, 502, 503, 504)],
    "429": [Outcome(status=429), Outcome(status=429, retry_after=3.0)],
    "409 idempotency_in_progress": [
        Outcome(status=409, code="idempotency_in_progress", retry_after=1.0)
    ],
    "any other status": [
        Outcome(status=s, code=c)
        for s, c in [
            (301, None),
            (307, None),
            (400, None),
            (401, None),
            (403, None),
            (404, None),
            (409, "conflict"),
            (412, None),
            (422, None),
            (501, None),
            (505, None),
        ]
    ],
}


def _docstring_table() -> dict[str, tuple[str, str]]:
    doc = Retry.__doc__ or ""
    lines = doc.split("=====", 1)[1].splitlines()
    table: dict[str, tuple[str, str]] = {}
    for line in lines:
        match = re.fullmatch(r"\s*(.+?)\s{2,}(retry|raise)\s+(retry|raise)\s*", line)
        if match:
            table[match[1]] = (match[2], match[3])
    return table


def _word(wait: float | None) -> str:
    return "raise" if wait is None else "retry"


def test_the_docstring_table_has_exactly_the_rows_tested_here() -> None:
    assert set(_docstring_table()) == set(ROWS)
    kinds = {o.failure for outcomes in ROWS.values() for o in outcomes if o.failure}
    assert kinds == set(FAILURES)


@pytest.mark.parametrize("label", list(ROWS))
def test_each_docstring_row_is_what_decide_does(label: str) -> None:
    idempotent_word, other_word = _docstring_table()[label]
    policy = Retry(jitter=0)
    for column, samples in ((idempotent_word, IDEMPOTENT), (other_word, NOT_IDEMPOTENT)):
        for method, keyed in samples:
            for outcome in ROWS[label]:
                wait = policy.decide(method, outcome, keyed=keyed, attempt=1, elapsed=0.0)
                assert _word(wait) == column, (label, method, keyed, outcome)


@pytest.mark.parametrize("outcome", [Outcome(status=503), Outcome.failed("connect", sent=False)])
def test_the_last_attempt_raises(outcome: Outcome) -> None:
    policy = Retry(max_retries=2, jitter=0)
    waits = [policy.decide("GET", outcome, keyed=False, attempt=n, elapsed=0) for n in (1, 2, 3)]
    assert waits == [0.5, 1.0, None]
    assert Retry(max_retries=0).decide("GET", outcome, keyed=False, attempt=1, elapsed=0) is None


@pytest.mark.parametrize(
    ("outcome", "wait"),
    [
        (Outcome(status=503, retry_after=7.0), 7.0),
        (Outcome(status=429, retry_after=7.0), 7.0),
        (Outcome(status=409, code="idempotency_in_progress", retry_after=7.0), 7.0),
        (Outcome(status=503, retry_after=0.0), 0.5),  # 0 is floored at the backoff
        (Outcome(status=500, retry_after=7.0), 0.5),  # a 500's Retry-After is not a promise
        (Outcome(status=503, retry_after=61.0), None),  # past max_retry_after: raise now
        (Outcome(status=429, retry_after=61.0), None),
        (Outcome(status=409, code="idempotency_in_progress", retry_after=1e9), None),
    ],
)
def test_retry_after_sets_the_wait_up_to_its_cap(outcome: Outcome, wait: float | None) -> None:
    decided = Retry(jitter=0).decide("GET", outcome, keyed=True, attempt=1, elapsed=0.0)
    assert decided == wait


@pytest.mark.parametrize(
    ("elapsed", "wait"), [(0.0, 0.5), (9.0, 0.5), (9.5, None), (9.6, None), (100.0, None)]
)
def test_no_wait_ends_at_or_past_the_deadline(elapsed: float, wait: float | None) -> None:
    policy = Retry(jitter=0, deadline=10.0)
    outcome = Outcome(status=503)
    assert policy.decide("GET", outcome, keyed=False, attempt=1, elapsed=elapsed) == wait


def test_without_a_deadline_only_the_count_stops() -> None:
    policy = Retry(jitter=0, deadline=None)
    outcome = Outcome(status=503, retry_after=60.0)
    assert policy.decide("GET", outcome, keyed=False, attempt=1, elapsed=1e6) == 60.0


def test_a_429_is_raised_when_the_client_must_not_wait() -> None:
    outcome = Outcome(status=429, retry_after=1.0)
    decide = Retry().decide
    assert decide("GET", outcome, keyed=False, attempt=1, elapsed=0.0) == 1.0
    assert (
        decide("GET", outcome, keyed=False, attempt=1, elapsed=0.0, wait_on_rate_limit=False)
        is None
    )


def test_jitter_comes_from_the_caller() -> None:
    outcome = Outcome(status=503)
    decide = Retry(jitter=1.0).decide
    assert decide("GET", outcome, keyed=False, attempt=2, elapsed=0, random_fraction=0.0) == 1.0
    assert decide("GET", outcome, keyed=False, attempt=2, elapsed=0, random_fraction=0.5) == 0.5


def test_outcomes_are_frozen_values() -> None:
    outcome = Outcome(status=503)
    with pytest.raises(AttributeError):
        outcome.status = 500  # type: ignore[misc]
    assert outcome == Outcome(status=503, sent=True)
