"""The circuit breaker as a state machine, without HTTP: admit, record, and the clock."""

from __future__ import annotations

import threading

import pytest

import microblog

URL = "http://127.0.0.1:1"


def server_error() -> microblog.ServerError:
    return microblog.ServerError(status_code=503)


def test_it_opens_after_the_threshold_of_consecutive_failures() -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=2, recovery_time=10)
    for now in (0.0, 1.0):
        breaker.admit(now, URL)
        breaker.record(microblog.APIConnectionError("refused"), now)

    assert breaker.state == "open"
    with pytest.raises(microblog.CircuitOpenError, match=r"trial call may go in 9\.0 s") as raised:
        breaker.admit(2.0, URL)
    assert raised.value.retry_in == pytest.approx(9.0)


def test_an_answer_resets_the_count_and_a_4xx_is_an_answer() -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=2)
    breaker.record(server_error(), 0.0)
    breaker.record(microblog.NotFoundError(status_code=404), 0.0)
    breaker.record(server_error(), 0.0)

    assert (breaker.state, breaker.failures) == ("closed", 1)


def test_after_the_recovery_time_one_trial_goes_and_its_success_closes() -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=1, recovery_time=5)
    breaker.record(server_error(), 0.0)

    breaker.admit(5.0, URL)  # the trial
    assert breaker.state == "half_open"
    other: list[BaseException] = []
    thread = threading.Thread(target=lambda: _try(breaker, other))
    thread.start()
    thread.join()
    assert isinstance(other[0], microblog.CircuitOpenError)  # busy with the trial

    breaker.record(None, 5.5)
    assert breaker.failures == 0
    assert str(breaker.state) == "closed"


def _try(breaker: microblog.CircuitBreaker, seen: list[BaseException]) -> None:
    try:
        breaker.admit(5.1, URL)
    except microblog.CircuitOpenError as error:
        seen.append(error)


def test_a_failed_trial_opens_it_again_and_an_error_before_any_answer_counts_neither_way() -> None:
    breaker = microblog.CircuitBreaker(failure_threshold=1, recovery_time=5)
    breaker.record(server_error(), 0.0)
    breaker.admit(5.0, URL)
    breaker.record(ValueError("a caller's bug"), 5.0)  # told nothing: the next call tries

    breaker.admit(5.0, URL)
    breaker.record(server_error(), 6.0)

    assert breaker.state == "open"
    with pytest.raises(microblog.CircuitOpenError):
        breaker.admit(10.0, URL)
