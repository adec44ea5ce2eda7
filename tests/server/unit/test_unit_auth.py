from __future__ import annotations

import warnings
from datetime import timedelta

import jwt
import pytest

from microblog_server.domain import InvalidCredentials, Unauthenticated, User
from microblog_server.services import Services

from .core_fakes import FakeClock

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
    assert claims["exp"] - claims["iat"] == 3600
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
