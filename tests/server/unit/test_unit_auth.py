from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import timedelta
from types import TracebackType

import jwt
import pytest

from microblog_server.domain import InvalidCredentials, Unauthenticated, User
from microblog_server.services import Services, wire_services
from microblog_server.settings import Settings

from .core_fakes import FakeClock, FakeDatabase, FakeUnitOfWork

SECRET = "test-secret-key-not-for-production-use"


def _quietly_sign_hs512(claims: dict[str, object]) -> str:
    with warnings.catch_warnings():  # the real key is short for HS512, which is the point
        warnings.simplefilter("ignore")
        return jwt.encode(claims, SECRET, algorithm="HS512")


def test_login_issues_a_token_that_authenticates_its_user(services: Services, dana: User) -> None:
    issued = services.auth.login("DANA", "dana-password")

    assert issued.token_type == "bearer"
    assert issued.expires_in == 3600
    assert services.auth.authenticate(issued.access_token).id == dana.id


def test_token_carries_sub_iat_exp_and_jti(services: Services, dana: User) -> None:
    token = services.auth.login("dana", "dana-password").access_token

    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})

    assert claims["sub"] == str(dana.id)
    assert claims["exp"] - claims["iat"] == pytest.approx(3600, abs=1)  # iat to the microsecond
    assert claims["jti"]


@pytest.mark.parametrize(("username", "password"), [("dana", "wrong-password"), ("ghost", "x")])
def test_login_refuses_wrong_credentials_alike(
    services: Services, dana: User, username: str, password: str
) -> None:
    with pytest.raises(InvalidCredentials, match="wrong username or password"):
        services.auth.login(username, password)


def test_a_token_expires_by_the_injected_clock(
    services: Services, dana: User, clock: FakeClock
) -> None:
    token = services.auth.login("dana", "dana-password").access_token

    clock.advance(timedelta(seconds=3601))

    with pytest.raises(Unauthenticated, match="expired"):
        services.auth.authenticate(token)


@pytest.mark.parametrize(
    "forge",
    [
        lambda claims: jwt.encode(claims, "another-key-of-at-least-32-bytes!", algorithm="HS256"),
        lambda claims: jwt.encode(claims, None, algorithm="none"),
        _quietly_sign_hs512,
        lambda claims: "not-a-jwt",
        lambda claims: jwt.encode({**claims, "sub": "abc"}, SECRET, algorithm="HS256"),
        lambda claims: jwt.encode({"sub": claims["sub"]}, SECRET, algorithm="HS256"),
    ],
    ids=["other-key", "alg-none", "other-alg", "garbage", "bad-sub", "missing-claims"],
)
def test_forged_or_malformed_tokens_are_refused(
    services: Services, dana: User, forge: object
) -> None:
    token = services.auth.login("dana", "dana-password").access_token
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert callable(forge)

    with pytest.raises(Unauthenticated):
        services.auth.authenticate(forge(claims))


def test_a_revoked_token_no_longer_authenticates(services: Services, dana: User) -> None:
    token = services.auth.login("dana", "dana-password").access_token
    other = services.auth.login("dana", "dana-password").access_token

    services.auth.revoke(token)
    services.auth.revoke(token)

    with pytest.raises(Unauthenticated, match="revoked"):
        services.auth.authenticate(token)
    assert services.auth.authenticate(other).id == dana.id


def test_revoking_an_invalid_token_is_unauthenticated(services: Services) -> None:
    with pytest.raises(Unauthenticated):
        services.auth.revoke("garbage")


def test_a_token_of_a_deleted_user_stops_working(services: Services, dana: User) -> None:
    token = services.auth.login("dana", "dana-password").access_token

    services.users.delete(dana, "dana")

    with pytest.raises(Unauthenticated):
        services.auth.authenticate(token)


def test_passwords_never_match_a_missing_hash(services: Services) -> None:
    passwords = services.passwords

    assert passwords.verify(passwords.hash("secret-password"), "secret-password")
    assert not passwords.verify(None, "secret-password")
    assert not passwords.verify("", "not a password anyone has")
    assert not passwords.verify("not-a-hash", "secret-password")
    assert not passwords.needs_rehash(passwords.hash("secret-password"))


# The authenticated-token cache (Settings.auth_cache_seconds, 2.0 by default).


class _CountingFactory:
    """Opens units of work over a fake database, counting them (one Services' own I/O)."""

    def __init__(self, database: FakeDatabase) -> None:
        self.database = database
        self.opened = 0

    def __call__(self, *, read_only: bool = False) -> FakeUnitOfWork:
        self.opened += 1
        return self.database.uow(read_only=read_only)


@pytest.fixture
def still() -> FakeClock:
    """A clock that moves only on ``advance``, so the cache window is exact."""
    return FakeClock(tick=timedelta(0))


def _counted(
    database: FakeDatabase, clock: FakeClock, **settings: object
) -> tuple[Services, _CountingFactory]:
    factory = _CountingFactory(database)
    return wire_services(Settings.for_tests(**settings), factory, clock=clock), factory


def test_a_checked_token_is_answered_without_the_database_within_the_window(
    database: FakeDatabase, still: FakeClock
) -> None:
    services, factory = _counted(database, still)
    dana = services.users.register("dana", "dana-password").user
    token = services.auth.login("dana", "dana-password").access_token
    services.auth.authenticate(token)
    opened = factory.opened

    still.advance(timedelta(seconds=2) - timedelta(microseconds=1))
    user = services.auth.authenticate(token)

    assert user.id == dana.id
    assert factory.opened == opened


def test_a_checked_token_is_checked_again_once_the_window_passes(
    database: FakeDatabase, still: FakeClock
) -> None:
    services, factory = _counted(database, still)
    dana = services.users.register("dana", "dana-password").user
    token = services.auth.login("dana", "dana-password").access_token
    services.auth.authenticate(token)
    opened = factory.opened

    still.advance(timedelta(seconds=2))
    user = services.auth.authenticate(token)

    assert user.id == dana.id
    assert factory.opened == opened + 1


def test_a_cached_token_still_expires_on_time(database: FakeDatabase, still: FakeClock) -> None:
    services, _ = _counted(database, still, token_ttl=30, auth_cache_seconds=60)
    services.users.register("dana", "dana-password")
    token = services.auth.login("dana", "dana-password").access_token
    services.auth.authenticate(token)

    still.advance(timedelta(seconds=30))

    assert services.auth.recall(token) is None
    with pytest.raises(Unauthenticated, match="expired"):
        services.auth.authenticate(token)


def test_revoke_stops_a_cached_token_at_once(database: FakeDatabase, still: FakeClock) -> None:
    services, _ = _counted(database, still)
    dana = services.users.register("dana", "dana-password").user
    token = services.auth.login("dana", "dana-password").access_token
    other = services.auth.login("dana", "dana-password").access_token
    services.auth.authenticate(token)
    services.auth.authenticate(other)

    services.auth.revoke(token)

    with pytest.raises(Unauthenticated, match="revoked"):
        services.auth.authenticate(token)
    assert services.auth.authenticate(other).id == dana.id


def test_a_revocation_by_another_process_is_seen_once_the_window_passes(
    database: FakeDatabase, still: FakeClock
) -> None:
    # The documented trade-off: each worker process has its own cache over one database.
    this_process, _ = _counted(database, still)
    other_process, _ = _counted(database, still)
    dana = this_process.users.register("dana", "dana-password").user
    token = this_process.auth.login("dana", "dana-password").access_token
    this_process.auth.authenticate(token)

    other_process.auth.revoke(token)
    still.advance(timedelta(seconds=2) - timedelta(microseconds=1))
    meanwhile = this_process.auth.authenticate(token)
    still.advance(timedelta(microseconds=1))

    assert meanwhile.id == dana.id
    with pytest.raises(Unauthenticated, match="revoked"):
        other_process.auth.authenticate(token)
    with pytest.raises(Unauthenticated, match="revoked"):
        this_process.auth.authenticate(token)


def test_deleting_a_user_stops_their_cached_tokens_at_once(
    database: FakeDatabase, still: FakeClock
) -> None:
    services, factory = _counted(database, still)
    dana = services.users.register("dana", "dana-password").user
    jaime = services.users.register("jaime", "jaime-password").user
    tokens = [services.auth.login("dana", "dana-password").access_token for _ in range(2)]
    jaimes = services.auth.login("jaime", "jaime-password").access_token
    for token in [*tokens, jaimes]:
        services.auth.authenticate(token)

    services.users.delete(dana, "dana")
    opened = factory.opened

    for token in tokens:
        with pytest.raises(Unauthenticated, match="no longer exists"):
            services.auth.authenticate(token)
    assert services.auth.authenticate(jaimes).id == jaime.id
    assert factory.opened == opened + len(tokens)  # jaime's token is still answered from memory


def test_zero_cache_seconds_checks_the_database_every_time(
    database: FakeDatabase, still: FakeClock
) -> None:
    services, factory = _counted(database, still, auth_cache_seconds=0)
    services.users.register("dana", "dana-password")
    token = services.auth.login("dana", "dana-password").access_token
    opened = factory.opened

    for _ in range(3):
        services.auth.authenticate(token)

    assert factory.opened == opened + 3
    assert services.auth.recall(token) is None


def test_recall_knows_only_tokens_that_authenticated_and_does_no_io(
    database: FakeDatabase, still: FakeClock
) -> None:
    services, factory = _counted(database, still)
    dana = services.users.register("dana", "dana-password").user
    token = services.auth.login("dana", "dana-password").access_token
    with pytest.raises(Unauthenticated):
        services.auth.authenticate("not-a-jwt")
    opened = factory.opened

    never_checked = services.auth.recall(token)
    bad = services.auth.recall("not-a-jwt")
    opened_by_recall = factory.opened - opened
    services.auth.authenticate(token)
    checked = services.auth.recall(token)

    assert never_checked is None
    assert bad is None
    assert checked is not None
    assert checked.id == dana.id
    assert opened_by_recall == 0


class _ReadThenRevoke(FakeUnitOfWork):
    """A read-only unit of work after whose read another thread revokes a token."""

    def __init__(self, database: FakeDatabase, revoke: Callable[[], None]) -> None:
        super().__init__(database, read_only=True)
        self._revoke = revoke

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        self._revoke()


def test_a_revocation_during_a_check_is_not_undone_by_the_cache(
    database: FakeDatabase, still: FakeClock
) -> None:
    # authenticate reads "not revoked", then revoke commits and forgets the token, then
    # authenticate would store its (now stale) answer: the cache must refuse it.
    holder: dict[str, Services] = {}
    interleave: list[Callable[[], None]] = []

    def factory(*, read_only: bool = False) -> FakeUnitOfWork:
        if read_only and interleave:
            return _ReadThenRevoke(database, interleave.pop())
        return database.uow(read_only=read_only)

    services = holder["s"] = wire_services(Settings.for_tests(), factory, clock=still)
    services.users.register("dana", "dana-password")
    token = services.auth.login("dana", "dana-password").access_token
    interleave.append(lambda: holder["s"].auth.revoke(token))

    services.auth.authenticate(token)  # in flight when the revocation lands

    with pytest.raises(Unauthenticated, match="revoked"):
        services.auth.authenticate(token)


def test_a_password_change_revokes_the_other_tokens_and_keeps_its_own(
    services: Services, dana: User, clock: FakeClock
) -> None:
    own = services.auth.login("dana", "dana-password").access_token
    other = services.auth.login("dana", "dana-password").access_token
    clock.advance(timedelta(seconds=5))

    services.users.update(
        dana, "dana", password="a-new-password", current_password="dana-password", keep_token=own
    )
    clock.advance(timedelta(seconds=5))
    later = services.auth.login("dana", "a-new-password").access_token

    assert services.auth.authenticate(own).id == dana.id
    assert services.auth.authenticate(later).id == dana.id
    with pytest.raises(Unauthenticated, match="password changed"):
        services.auth.authenticate(other)


def test_a_password_change_tells_tokens_a_microsecond_apart(
    services: Services, dana: User, clock: FakeClock
) -> None:
    clock.tick = timedelta(microseconds=1)
    before = services.auth.login("dana", "dana-password").access_token

    services.users.update(dana, "dana", password="a-new-password", current_password="dana-password")
    after = services.auth.login("dana", "a-new-password").access_token

    assert services.auth.authenticate(after).id == dana.id
    with pytest.raises(Unauthenticated):
        services.auth.authenticate(before)


def test_a_token_issued_at_the_very_instant_of_the_change_is_revoked(
    services: Services, dana: User, clock: FakeClock
) -> None:
    clock.tick = timedelta(0)
    same_instant = services.auth.login("dana", "dana-password").access_token

    services.users.update(dana, "dana", password="a-new-password", current_password="dana-password")

    with pytest.raises(Unauthenticated):
        services.auth.authenticate(same_instant)


def test_a_password_change_forgets_the_cached_tokens_of_the_user(
    database: FakeDatabase, clock: FakeClock
) -> None:
    services = wire_services(Settings.for_tests(auth_cache_seconds=60), database.uow, clock=clock)
    dana = services.users.register("dana", "dana-password").user
    other = services.auth.login("dana", "dana-password").access_token
    services.auth.authenticate(other)  # cached now

    services.users.update(dana, "dana", password="a-new-password", current_password="dana-password")

    assert services.auth.recall(other) is None
    with pytest.raises(Unauthenticated):
        services.auth.authenticate(other)
