"""Every network and gateway fault, through a proxy: the right result or the right error.

Each case breaks one kind of call (read, create, batch create, follow) in one way and
checks four things: the outcome (a result, or the ``MicroblogError`` subclass the design
promises), the number of attempts against the retry policy, the waits the client asked
for (the sleep is injected: nothing sleeps for real), the real time against a bound
computed from the timeouts and the policy, and the service's data through a clean client
afterwards: nothing done twice, nothing lost.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

import microblog
from microblog.testing import LocalServer

from .conftest import Account, NewAccount
from .fault_proxy import Fault, FaultProxy, FaultRule, refused_url

TIMEOUT = microblog.Timeout(connect=0.5, read=0.3)
POLICY = microblog.Retry(max_retries=3, backoff_base=0.05, backoff_max=1.0, jitter=0.0)
SLACK = 1.0
"""Seconds of real time allowed on top of the timeouts: the local service's own work."""


def backoffs(retries: int) -> list[float]:
    """The waits the policy asks for before ``retries`` retries (no jitter in POLICY)."""
    return [POLICY.backoff(number, 0.0) for number in range(1, retries + 1)]


def time_bound(attempts: int) -> float:
    """The most real time ``attempts`` attempts may take: each may wait out both timeouts."""
    return attempts * (TIMEOUT.connect + TIMEOUT.read) + SLACK


def http_date(seconds_from_now: float) -> str:
    """An RFC 9110 HTTP date ``seconds_from_now`` in the future."""
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


@dataclass
class World:
    """The data one case starts from: the caller, someone to follow, one existing post."""

    me: Account
    other: Account
    seed_post: int
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Operation:
    """A kind of call, which requests the proxy sees for it, and its trace in the data."""

    name: str
    method: str
    targets: Callable[[str], bool]
    run: Callable[[microblog.Client, World], None]
    trace: Callable[[microblog.Client, World], list[int]]
    """How many times each piece of the call's work is visible on the service."""

    def matches(self, method: str, path: str) -> bool:
        """Whether a proxied request is one of this operation's attempts."""
        return method == self.method and self.targets(path.split("?", maxsplit=1)[0])


def _texts_listed(clean: microblog.Client, world: World) -> list[int]:
    listed = [post.text for post in clean.microposts.list(author=world.me.username)]
    return [listed.count(text) for text in world.texts]


def _first_text_listed(clean: microblog.Client, world: World) -> list[int]:
    return _texts_listed(clean, world)[:1]


def _get(client: microblog.Client, world: World) -> None:
    assert client.microposts.get(world.seed_post).id == world.seed_post


def _seed_only(clean: microblog.Client, world: World) -> list[int]:
    return [post.id for post in clean.microposts.list(author=world.me.username)]


def _create(client: microblog.Client, world: World) -> None:
    assert client.microposts.create(world.texts[0]).text == world.texts[0]


def _batch(client: microblog.Client, world: World) -> None:
    posts = client.microposts.create_many(list(world.texts))
    assert sorted(post.text for post in posts) == sorted(world.texts)


def _save(client: microblog.Client, world: World) -> None:
    post = client.microposts.get(world.seed_post)
    post.text = world.texts[0]
    post.save()


def _follow(client: microblog.Client, world: World) -> None:
    client.users.get(world.me.username).follow(world.other.username)


def _followers(clean: microblog.Client, world: World) -> list[int]:
    other = clean.users.get(world.other.username)
    listed = [user.username for user in other.followers()]
    assert other.followers_count == len(listed)
    return [listed.count(world.me.username)]


GET = Operation("get", "GET", lambda path: "/microposts/" in path, _get, _seed_only)
CREATE = Operation(
    "create", "POST", lambda path: path.endswith("/collection"), _create, _first_text_listed
)
BATCH = Operation(
    "batch", "POST", lambda path: path.endswith("/collection/batch"), _batch, _texts_listed
)
SAVE = Operation("save", "PATCH", lambda path: "/collection/" in path, _save, _first_text_listed)
FOLLOW = Operation("follow", "POST", lambda path: path.endswith("/following"), _follow, _followers)


@dataclass(frozen=True)
class Case:
    """One fault on one operation, and everything the SDK must do about it."""

    id: str
    operation: Operation
    rule: Callable[[], FaultRule] | None
    """None: no proxy at all, the client is pointed at a port nobody listens on."""
    raises: type[microblog.MicroblogError] | None
    attempts: int
    sleeps: list[float]
    done: bool
    """Whether the service did the work (it then shows exactly once, else not at all)."""
    sleep_tolerance: float = 1e-9
    error_checks: dict[str, object] = field(default_factory=dict)


def _rule(fault: Fault, times: int | None = 1, **options: object) -> Callable[[], FaultRule]:
    def make() -> FaultRule:
        return FaultRule(fault, times=times, **options)  # type: ignore[arg-type]

    return make


def _status(status: int, retry_after: Callable[[], str]) -> Callable[[], FaultRule]:
    def make() -> FaultRule:
        return FaultRule(Fault.STATUS, status=status, headers={"Retry-After": retry_after()})

    return make


def _lost_and_retried(op: Operation, fault: Fault) -> Case:
    return Case(f"{fault.value}-{op.name}", op, _rule(fault), None, 2, backoffs(1), done=True)


ALWAYS = None
APIConnection = microblog.APIConnectionError
CASES = [
    Case("refused-get", GET, None, microblog.APIConnectionError, 4, backoffs(3), done=False),
    Case("refused-create", CREATE, None, microblog.APIConnectionError, 4, backoffs(3), False),
    *(_lost_and_retried(op, Fault.RESET_BEFORE) for op in (GET, CREATE, BATCH, FOLLOW)),
    *(_lost_and_retried(op, Fault.DROP_RESPONSE) for op in (GET, CREATE, BATCH, FOLLOW)),
    # PATCH is not idempotent: once the request went out, a lost answer is not retried
    # (a retry would get 412 for the caller's own write, its If-Match now stale).
    Case("reset_before-save", SAVE, _rule(Fault.RESET_BEFORE), APIConnection, 1, [], False),
    Case("drop_response-save", SAVE, _rule(Fault.DROP_RESPONSE), APIConnection, 1, [], True),
    Case("stall-save", SAVE, _rule(Fault.STALL), microblog.APITimeoutError, 1, [], True),
    Case(
        "drop_response-always-create",
        CREATE,
        _rule(Fault.DROP_RESPONSE, ALWAYS),
        microblog.APIConnectionError,
        4,
        backoffs(3),
        done=True,
    ),
    *(_lost_and_retried(op, Fault.STALL) for op in (GET, CREATE)),
    Case(
        "stall-always-get",
        GET,
        _rule(Fault.STALL, ALWAYS),
        microblog.APITimeoutError,
        4,
        backoffs(3),
        done=True,
    ),
    *(_lost_and_retried(op, Fault.TRUNCATE) for op in (GET, CREATE)),
    *(_lost_and_retried(op, Fault.GATEWAY_502) for op in (GET, CREATE)),
    Case(
        "gateway_502-always-get",
        GET,
        _rule(Fault.GATEWAY_502, ALWAYS),
        microblog.ServerError,
        4,
        backoffs(3),
        done=True,
        error_checks={"status_code": 502},
    ),
    Case(
        "invalid_json-get",
        GET,
        _rule(Fault.INVALID_JSON),
        microblog.ResponseDecodeError,
        1,
        [],
        done=True,
    ),
    Case(
        "invalid_json-create",
        CREATE,
        _rule(Fault.INVALID_JSON),
        microblog.ResponseDecodeError,
        1,
        [],
        done=True,
    ),
    Case("503-retry_after_seconds-get", GET, _status(503, lambda: "2"), None, 2, [2.0], True),
    Case("503-retry_after_seconds-create", CREATE, _status(503, lambda: "2"), None, 2, [2.0], True),
    Case("429-retry_after_seconds-get", GET, _status(429, lambda: "1"), None, 2, [1.0], True),
    Case(
        "503-retry_after_date-get",
        GET,
        _status(503, lambda: http_date(3)),
        None,
        2,
        [3.0],
        done=True,
        sleep_tolerance=1.1,  # an HTTP date has whole seconds
    ),
    Case(
        "429-retry_after_date-create",
        CREATE,
        _status(429, lambda: http_date(5)),
        None,
        2,
        [5.0],
        done=True,
        sleep_tolerance=1.1,  # an HTTP date has whole seconds
    ),
    Case(
        "429-retry_after_too_long-create",
        CREATE,
        _status(429, lambda: "3600"),
        microblog.RateLimitError,
        1,
        [],
        done=False,
        error_checks={"status_code": 429, "retry_after": 3600.0},
    ),
    Case(
        "429-retry_after_date_too_long-get",
        GET,
        _status(429, lambda: http_date(3600)),
        microblog.RateLimitError,
        1,
        [],
        done=True,
    ),
    Case(
        "503-retry_after_too_long-get",
        GET,
        _status(503, lambda: "3600"),
        microblog.ServerError,
        1,
        [],
        done=True,
        error_checks={"status_code": 503},
    ),
]


@pytest.fixture
def world(server: LocalServer, new_account: NewAccount) -> World:
    """Fresh users and one existing post, made without the proxy."""
    me, other = new_account(), new_account()
    with microblog.Client(server.url, token=me.token) as clean:
        seed = clean.microposts.create("already there")
    suffix = me.username
    return World(me, other, seed.id, (f"one {suffix}", f"two {suffix}", f"three {suffix}"))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_fault_ends_in_the_promised_result_with_no_duplicate_and_no_loss(
    case: Case, server: LocalServer, proxy: FaultProxy, world: World
) -> None:
    url = refused_url() if case.rule is None else proxy.url
    if case.rule is not None:
        rule = proxy.plan.add(case.rule())
        rule.match = case.operation.matches
    sleeps: list[float] = []
    retries: list[microblog.RetryEvent] = []
    client = microblog.Client(
        url,
        token=world.me.token,
        timeout=TIMEOUT,
        retry=POLICY,
        sleep=sleeps.append,
        hooks=microblog.Hooks(on_retry=retries.append),
    )

    started = time.perf_counter()
    with client:
        if case.raises is None:
            case.operation.run(client, world)
        else:
            with pytest.raises(case.raises) as caught:
                case.operation.run(client, world)
    elapsed = time.perf_counter() - started

    if case.raises is not None:
        error = caught.value
        assert "\n" not in str(error)
        for name, value in case.error_checks.items():
            assert getattr(error, name) == value
    assert len(retries) + 1 == case.attempts
    if case.rule is not None:
        assert sum(case.operation.matches(m, p) for m, p in proxy.plan.seen) == case.attempts
    assert sleeps == pytest.approx(case.sleeps, abs=case.sleep_tolerance)
    assert elapsed < time_bound(case.attempts)
    with microblog.Client(server.url, token=world.me.token) as clean:
        if case.operation is GET:
            assert case.operation.trace(clean, world) == [world.seed_post]
        else:
            expected = 1 if case.done else 0
            assert set(case.operation.trace(clean, world)) == {expected}
        me = clean.me()
        assert me.microposts_count == len(list(clean.microposts.list(author=me.username)))
