"""Every token that is not a live, genuine HS256 token of an existing user is a 401.

Each answer is ``unauthenticated`` problem details with a ``WWW-Authenticate: Bearer``
challenge, on reads and on writes alike, and a refused write changes nothing.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from fastapi.testclient import TestClient

from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

from .support import Api, assert_problem

if TYPE_CHECKING:
    from collections.abc import Iterator

V1 = "/api/v1"
OTHER_SECRET = "an-attacker-secret-that-is-long-enough"


def bearer(token: str) -> dict[str, str]:
    """Return the ``Authorization`` header presenting ``token``."""
    return {"Authorization": f"Bearer {token}"}


def claims_of(headers: dict[str, str]) -> dict[str, Any]:
    """Read (without checking) the claims of the token in ``headers``."""
    token = headers["Authorization"].removeprefix("Bearer ")
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def b64(data: dict[str, Any]) -> str:
    """Base64url-encode a JSON object without padding, as JWS does."""
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


#: Builds a bad Authorization header from dana's real one and the app's secret.
Forger = Callable[[dict[str, str], str], dict[str, str]]


def forged_signature(real: dict[str, str], secret: str) -> dict[str, str]:
    return bearer(jwt.encode(claims_of(real), OTHER_SECRET, algorithm="HS256"))


def tampered_payload(real: dict[str, str], secret: str) -> dict[str, str]:
    header, _, signature = real["Authorization"].removeprefix("Bearer ").split(".")
    claims = {**claims_of(real), "exp": int(time.time()) + 10**6}
    return bearer(f"{header}.{b64(claims)}.{signature}")


def alg_none(real: dict[str, str], secret: str) -> dict[str, str]:
    return bearer(f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims_of(real))}.")


def other_algorithm(real: dict[str, str], secret: str) -> dict[str, str]:
    return bearer(jwt.encode(claims_of(real), secret + "-" * 32, algorithm="HS512"))


def expired(real: dict[str, str], secret: str) -> dict[str, str]:
    claims = {**claims_of(real), "exp": int(time.time()) - 60}
    return bearer(jwt.encode(claims, secret, algorithm="HS256"))


def unknown_subject(real: dict[str, str], secret: str) -> dict[str, str]:
    return bearer(jwt.encode({**claims_of(real), "sub": "987654"}, secret, algorithm="HS256"))


def username_as_subject(real: dict[str, str], secret: str) -> dict[str, str]:
    return bearer(jwt.encode({**claims_of(real), "sub": "dana"}, secret, algorithm="HS256"))


def without_jti(real: dict[str, str], secret: str) -> dict[str, str]:
    claims = {k: v for k, v in claims_of(real).items() if k != "jti"}
    return bearer(jwt.encode(claims, secret, algorithm="HS256"))


def garbage(real: dict[str, str], secret: str) -> dict[str, str]:
    return bearer("not-a-token-at-all")


def three_empty_parts(real: dict[str, str], secret: str) -> dict[str, str]:
    return bearer("..")


def huge(real: dict[str, str], secret: str) -> dict[str, str]:
    return bearer("A" * 6000)


def without_bearer_word(real: dict[str, str], secret: str) -> dict[str, str]:
    return {"Authorization": real["Authorization"].removeprefix("Bearer ")}


def basic_scheme(real: dict[str, str], secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(b"dana:password").decode()}


def bearer_word_only(real: dict[str, str], secret: str) -> dict[str, str]:
    return {"Authorization": "Bearer"}


def no_header(real: dict[str, str], secret: str) -> dict[str, str]:
    return {}


def token_as_cookie(real: dict[str, str], secret: str) -> dict[str, str]:
    return {"Cookie": f"access_token={real['Authorization'].removeprefix('Bearer ')}"}


FORGERS = [
    forged_signature, tampered_payload, alg_none, other_algorithm, expired, unknown_subject,
    username_as_subject, without_jti, garbage, three_empty_parts, huge, without_bearer_word,
    basic_scheme, bearer_word_only, no_header, token_as_cookie,
]  # fmt: skip


@dataclass(frozen=True)
class Target:
    """One app for the forgery tests (each is refused, so none changes what others see)."""

    client: TestClient
    dana: dict[str, str]
    secret: str


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """An app with a user ``dana`` and her real token, shared by the module."""
    database = tmp_path_factory.mktemp("tokens") / "tokens.db"
    settings = Settings.for_tests(database_url=f"sqlite:///{database}")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Target(client, Api(client).sign_up("dana"), settings.resolved_secret_key())


def assert_unauthenticated(response: Any) -> None:
    """Check for the 401 problem and its Bearer challenge."""
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_the_test_signs_with_the_apps_secret_is_accepted(
    client: TestClient, dana: dict[str, str], settings: Settings
) -> None:
    # The control for the forgeries below: the way they are built works.
    claims = {**claims_of(dana), "exp": int(time.time()) + 60}
    token = jwt.encode(claims, settings.resolved_secret_key(), algorithm="HS256")

    response = client.get(f"{V1}/me", headers=bearer(token))

    assert response.status_code == 200, response.text
    assert response.json()["username"] == "dana"


@pytest.mark.parametrize("forge", FORGERS)
def test_a_bad_token_is_401_on_a_read(target: Target, forge: Forger) -> None:
    response = target.client.get(f"{V1}/me", headers=forge(target.dana, target.secret))

    assert_unauthenticated(response)


@pytest.mark.parametrize("forge", FORGERS)
def test_a_bad_token_is_401_on_a_write_that_then_did_not_happen(
    target: Target, forge: Forger
) -> None:
    headers = forge(target.dana, target.secret)

    response = target.client.post(
        f"{V1}/users/dana/collection", json={"text": "hi"}, headers=headers
    )

    assert_unauthenticated(response)
    assert Api(target.client).get(f"{V1}/users/dana/collection", target.dana)["result"] == []


def test_a_revoked_token_is_401_while_another_token_of_the_user_still_works(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    other = api.login("dana")
    assert client.delete(f"{V1}/token", headers=dana).status_code == 204

    assert_unauthenticated(client.get(f"{V1}/me", headers=dana))
    assert_unauthenticated(client.delete(f"{V1}/token", headers=dana))
    assert client.get(f"{V1}/me", headers=other).status_code == 200


def test_the_tokens_of_a_deleted_user_are_401(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    other = api.login("dana")
    assert client.delete(f"{V1}/users/dana", headers=dana).status_code == 204

    for headers in (dana, other):
        assert_unauthenticated(client.get(f"{V1}/me", headers=headers))


def test_an_old_token_does_not_work_for_a_new_user_with_the_same_name(
    client: TestClient, api: Api, dana: dict[str, str]
) -> None:
    assert client.delete(f"{V1}/users/dana", headers=dana).status_code == 204
    api.sign_up("dana")

    assert_unauthenticated(client.get(f"{V1}/me", headers=dana))
