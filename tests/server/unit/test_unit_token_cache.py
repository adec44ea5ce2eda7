from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microblog_server.domain import User
from microblog_server.services.token_cache import TokenCache

from .core_fakes import FakeClock

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
FAR = (START + timedelta(hours=1)).timestamp()  # a token expiry well past every window
DANA = User(1, "dana", "Dana", "", START, 1, "hash")
JAIME = User(2, "jaime", "Jaime", "", START, 1, "hash")


@pytest.fixture
def still() -> FakeClock:
    """A clock that moves only on ``advance`` (no tick per reading), for exact boundaries."""
    return FakeClock(START, tick=timedelta(0))


def test_a_token_put_is_got_back_with_its_user(still: FakeClock) -> None:
    cache = TokenCache(still, seconds=2.0)

    cache.put("t1", DANA, expires_at=FAR, generation=cache.generation)

    assert cache.get("t1") == DANA
    assert cache.get("unknown") is None


def test_a_token_is_kept_until_seconds_pass_and_gone_exactly_then(still: FakeClock) -> None:
    cache = TokenCache(still, seconds=2.0)
    cache.put("t1", DANA, expires_at=FAR, generation=cache.generation)

    still.advance(timedelta(seconds=2) - timedelta(microseconds=1))
    kept = cache.get("t1")
    still.advance(timedelta(microseconds=1))
    gone = cache.get("t1")

    assert kept == DANA
    assert gone is None
    assert len(cache) == 0


def test_a_token_is_never_kept_past_its_own_expiry(still: FakeClock) -> None:
    cache = TokenCache(still, seconds=10.0)
    cache.put(
        "t1",
        DANA,
        expires_at=(START + timedelta(seconds=1)).timestamp(),
        generation=cache.generation,
    )

    still.advance(timedelta(milliseconds=999))
    kept = cache.get("t1")
    still.advance(timedelta(milliseconds=1))
    gone = cache.get("t1")

    assert kept == DANA
    assert gone is None


def test_zero_seconds_keeps_nothing(still: FakeClock) -> None:
    cache = TokenCache(still, seconds=0)

    cache.put("t1", DANA, expires_at=FAR, generation=cache.generation)

    assert cache.get("t1") is None
    assert len(cache) == 0


def test_the_least_recently_put_token_goes_first_past_max_entries(still: FakeClock) -> None:
    cache = TokenCache(still, seconds=2.0, max_entries=2)

    cache.put("t1", DANA, expires_at=FAR, generation=cache.generation)
    cache.put("t2", DANA, expires_at=FAR, generation=cache.generation)
    cache.put("t3", JAIME, expires_at=FAR, generation=cache.generation)

    assert len(cache) == 2
    assert cache.get("t1") is None
    assert cache.get("t2") == DANA
    assert cache.get("t3") == JAIME


def test_a_get_makes_a_token_recently_used(still: FakeClock) -> None:
    cache = TokenCache(still, seconds=2.0, max_entries=2)
    cache.put("t1", DANA, expires_at=FAR, generation=cache.generation)
    cache.put("t2", DANA, expires_at=FAR, generation=cache.generation)

    cache.get("t1")
    cache.put("t3", JAIME, expires_at=FAR, generation=cache.generation)

    assert cache.get("t2") is None
    assert cache.get("t1") == DANA
    assert cache.get("t3") == JAIME


def test_forget_drops_one_token_and_keeps_the_others(still: FakeClock) -> None:
    cache = TokenCache(still, seconds=2.0)
    cache.put("t1", DANA, expires_at=FAR, generation=cache.generation)
    cache.put("t2", DANA, expires_at=FAR, generation=cache.generation)

    cache.forget("t1")
    cache.forget("never-put")

    assert cache.get("t1") is None
    assert cache.get("t2") == DANA


def test_forget_user_drops_every_token_of_that_user_only(still: FakeClock) -> None:
    cache = TokenCache(still, seconds=2.0)
    cache.put("dana-1", DANA, expires_at=FAR, generation=cache.generation)
    cache.put("dana-2", DANA, expires_at=FAR, generation=cache.generation)
    cache.put("jaime-1", JAIME, expires_at=FAR, generation=cache.generation)

    cache.forget_user(DANA.id)

    assert cache.get("dana-1") is None
    assert cache.get("dana-2") is None
    assert cache.get("jaime-1") == JAIME
    assert len(cache) == 1


@pytest.mark.parametrize(
    ("seconds", "max_entries"), [(-0.5, 10), (2.0, 0), (2.0, -1)], ids=["negative", "0", "-1"]
)
def test_invalid_arguments_are_refused(still: FakeClock, seconds: float, max_entries: int) -> None:
    with pytest.raises(ValueError, match="seconds must be >= 0 and max_entries >= 1"):
        TokenCache(still, seconds=seconds, max_entries=max_entries)


def test_an_answer_read_before_a_forget_is_not_stored_after_it(still: FakeClock) -> None:
    cache = TokenCache(still, seconds=2)
    read_before = cache.generation  # authenticate reads the database ...
    cache.forget("t1")  # ... while another thread revokes the token ...

    cache.put("t1", DANA, expires_at=FAR, generation=read_before)  # ... then stores it

    assert cache.get("t1") is None


def test_forget_user_also_invalidates_answers_in_flight(still: FakeClock) -> None:
    cache = TokenCache(still, seconds=2)
    read_before = cache.generation

    cache.forget_user(DANA.id)
    cache.put("t1", DANA, expires_at=FAR, generation=read_before)

    assert cache.get("t1") is None
