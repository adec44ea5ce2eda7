"""Malformed, mistyped, mislabelled, SQL-looking and non-ASCII input never makes a 500.

Each answer is a 4xx problem (or a success when the input is merely unusual) and no body
ever carries a stack trace.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

from .support import Api, assert_problem

if TYPE_CHECKING:
    from collections.abc import Iterator

    from httpx2 import Response

V1 = "/api/v1"

#: (method, path) of every endpoint that reads a body, ``{post}`` being dana's micropost.
BODY_ENDPOINTS = [
    ("POST", "/token"),
    ("POST", "/users"),
    ("PATCH", "/users/dana"),
    ("POST", "/users/dana/collection"),
    ("POST", "/users/dana/collection/batch"),
    ("PUT", "/users/dana/collection/{post}"),
    ("PATCH", "/users/dana/collection/{post}"),
    ("POST", "/users/dana/following"),
]
MALFORMED = {
    "unclosed": b"{",
    "truncated": b'{"text": ',
    "trailing": b'{"text": "a"} trailing',
    "utf16-bom": b"\xff\xfe\x00{",
    "bad-utf8": b'{"text": "\xc3\x28"}',
    "deep-array": b"[" * 30000,
    "deep-object": b'{"a":' * 10000,
    "huge-int": b'{"text": 1' + b"0" * 5000 + b"}",
    "nul": b"\x00",
}
WRONG_TYPES: list[Any] = [
    None, [], "text", 7, 1.5, True,
    {"text": 123}, {"text": ["a"]}, {"text": {"$ne": None}}, {"text": None},
    {"items": "x"}, {"items": [1, 2]}, {"items": [{"text": 5}]}, {"items": {}},
    {"username": 5}, {"username": ["dana"]}, {"password": 12345678}, {"password": None},
    {"referenced": 5, "text": "x"}, {"display_name": {"a": 1}}, {"bio": 3},
    {"grant_type": "client_credentials", "username": "dana", "password": "x"},
    {"text": "x", "referenced": "nobody_here"},
]  # fmt: skip
#: JSON that Python's parser accepts but the schema cannot: non-finite numbers, escapes.
ODD_JSON = [
    b'{"text": NaN}',
    b'{"text": Infinity, "items": -Infinity}',
    b'{"text": 1e400}',
    b'{"text": "\\u0000"}',
    b'{"username": "\\ud800\\udc00\\ud800", "password": "\\udfff\\udfff\\udfff"}',
    b'{"text": "x", "text": 5}',
    b'{"text": "lone \\ud800 surrogate", "bio": "\\udfff", "display_name": "\\ud800"}',
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the whole module: what one test writes, no other test looks at."""
    database = tmp_path_factory.mktemp("hostile") / "hostile.db"
    settings = Settings.for_tests(database_url=f"sqlite:///{database}")
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def dana(client: TestClient) -> dict[str, str]:
    """Authorization headers of ``dana``, signed up once for the module."""
    return Api(client).sign_up("dana")


@pytest.fixture(scope="module")
def post_id(client: TestClient, dana: dict[str, str]) -> int:
    """The id of dana's first micropost."""
    created: int = Api(client).post("dana", dana, "dana's first words")["id"]
    return created


def send(
    client: TestClient,
    method: str,
    path: str,
    post_id: int,
    headers: dict[str, str],
    **kwargs: Any,
) -> Response:
    """Send ``method`` to the v1 ``path`` (``{post}`` filled in)."""
    return client.request(method, V1 + path.format(post=post_id), headers=headers, **kwargs)


def assert_client_error(response: Response) -> None:
    """Check for a 4xx problem with no stack trace."""
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code, response.json()["code"])


def assert_not_a_crash(response: Response) -> None:
    """Check for a success, or else a 4xx problem; never a 5xx or a stack trace."""
    if response.status_code >= 300:
        assert_client_error(response)
    assert "Traceback" not in response.text


def malformed_cases(
    methods: frozenset[str] = frozenset({"POST", "PUT", "PATCH"}),
    names: frozenset[str] = frozenset(MALFORMED),
) -> list[Any]:
    """The (method, path, raw) cases of every body endpoint with one of ``methods``."""
    return [
        pytest.param(method, path, MALFORMED[name], id=f"{method}{path}-{name}")
        for method, path in BODY_ENDPOINTS
        if method in methods
        for name in sorted(names)
    ]


@pytest.mark.parametrize(("method", "path", "raw"), malformed_cases())
def test_malformed_json_is_a_400_never_a_500(
    client: TestClient, dana: dict[str, str], post_id: int, method: str, path: str, raw: bytes
) -> None:
    headers = {**dana, "Content-Type": "application/json"}

    response = send(client, method, path, post_id, headers, content=raw)

    assert_problem(response, 400, "bad_request")


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    # What the idempotency fingerprint parses on its own, before the route does.
    malformed_cases(frozenset({"POST"}), frozenset({"deep-array", "deep-object", "huge-int"})),
)
def test_malformed_json_with_an_idempotency_key_is_a_400_never_a_500(
    client: TestClient, dana: dict[str, str], post_id: int, method: str, path: str, raw: bytes
) -> None:
    headers = {**dana, "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}

    response = send(client, method, path, post_id, headers, content=raw)

    assert_problem(response, 400, "bad_request")


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_wrong_types_are_4xx_never_a_500(
    client: TestClient, dana: dict[str, str], post_id: int, method: str, path: str
) -> None:
    for body in WRONG_TYPES:
        response = send(client, method, path, post_id, dana, json=body)

        assert_not_a_crash(response)
    api = Api(client)
    assert api.get(f"{V1}/users/dana/collection/{post_id}", dana)["text"] == "dana's first words"
    assert api.get(f"{V1}/me", dana)["username"] == "dana"


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_odd_but_parseable_json_is_never_a_500(
    client: TestClient, dana: dict[str, str], post_id: int, method: str, path: str
) -> None:
    headers = {**dana, "Content-Type": "application/json"}
    for raw in ODD_JSON:
        response = send(client, method, path, post_id, headers, content=raw)

        assert_not_a_crash(response)


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("POST", "/users/dana/collection", "text"),
        ("PATCH", "/users/dana/collection/{post}", "text"),
        ("PATCH", "/users/dana", "bio"),
        ("PATCH", "/users/dana", "display_name"),
    ],
)
@pytest.mark.parametrize("value", ["\x00", "\x00abc", "abc\x00"])
def test_a_nul_character_in_stored_text_is_422(
    client: TestClient,
    dana: dict[str, str],
    post_id: int,
    method: str,
    path: str,
    field: str,
    value: str,
) -> None:
    response = send(client, method, path, post_id, dana, json={field: value})

    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["pointer"] == f"#/{field}"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "application/jsonp",
        "",
    ],
)
@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS[1:])
def test_a_body_that_is_not_json_is_415(
    client: TestClient,
    dana: dict[str, str],
    post_id: int,
    method: str,
    path: str,
    content_type: str,
) -> None:
    headers = {**dana, "Content-Type": content_type}

    response = send(client, method, path, post_id, headers, content=b'{"text": "x"}')

    assert_problem(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
def test_a_token_request_that_is_neither_json_nor_a_form_is_415(
    client: TestClient, content_type: str
) -> None:
    response = client.post(
        f"{V1}/token",
        content=b"username=dana&password=x",
        headers={"Content-Type": content_type},
    )

    assert_problem(response, 415, "unsupported_media_type")


SQLISH = [
    "'; DROP TABLE users; --",
    "' OR '1'='1",
    '" OR ""="',
    "1; SELECT * FROM users",
    "%_%",
    "\\%\\_",
    "*/ UNION SELECT password_hash FROM users /*",
]
UNUSUAL = [
    "Grüße aus Köln",
    "日本語のテキスト",
    "🐍🐍🐍 émoji",
    "right-to-left \u202e override",
    "zero\u200bwidth",
    "nul \x00 byte",
    "combining e\u0301\u0301\u0301",
]


@pytest.mark.parametrize("text", SQLISH + UNUSUAL)
def test_sql_looking_and_non_ascii_text_is_stored_or_refused_never_a_500(
    client: TestClient, dana: dict[str, str], text: str
) -> None:
    api = Api(client)
    posted = client.post(f"{V1}/users/dana/collection", json={"text": text}, headers=dana)
    searched = client.get(f"{V1}/search", params={"text": text}, headers=dana)
    listed = client.get(f"{V1}/users", params={"q": text[:30]}, headers=dana)
    looked_up = client.get(f"{V1}/users/{quote(text, safe='')}", headers=dana)
    signed_up = client.post(f"{V1}/users", json={"username": text, "password": "long-enough-1"})
    login = client.post(f"{V1}/token", data={"username": text, "password": text})
    cursor = client.get(f"{V1}/users/dana/collection", params={"cursor": text}, headers=dana)

    for response in (posted, searched, listed, looked_up, signed_up, login, cursor):
        assert response.status_code < 500, response.text
        assert "Traceback" not in response.text
    if posted.status_code == 201:
        assert posted.json()["text"] == text
        stored = api.get(f"{V1}/users/dana/collection/{posted.json()['id']}", dana)
        assert stored["text"] == text
    assert_problem(signed_up, 422, "validation_error")
    assert_problem(login, 400, "invalid_grant")
    assert_problem(cursor, 400, "invalid_cursor")
    assert api.get(f"{V1}/users/dana", dana)["username"] == "dana"  # the tables survived


def test_search_wildcards_match_only_themselves(client: TestClient, dana: dict[str, str]) -> None:
    api = Api(client)
    api.post("dana", dana, "plain zqx text")
    api.post("dana", dana, "a literal 100%_%zqx here")

    found = api.get(f"{V1}/search?text=%25_%25zqx", dana)["result"]

    assert [post["text"] for post in found] == ["a literal 100%_%zqx here"]


@pytest.mark.parametrize(
    "query",
    [
        "size=-1",
        "size=0",
        "size=101",
        "size=abc",
        "size=" + "9" * 40,
        "size=1e3",
        "cursor=",
        "cursor=" + "A" * 3000,
        "cursor=..",
        "cursor=%00",
        "size=10&size=20&cursor=x",
    ],
)
def test_bad_paging_parameters_are_4xx(
    client: TestClient, dana: dict[str, str], query: str
) -> None:
    for path in ("/users", "/users/dana/collection", "/users/dana/followers", "/search?text=abc"):
        separator = "&" if "?" in path else "?"

        response = client.get(f"{V1}{path}{separator}{query}", headers=dana)

        if query == "cursor=":
            assert response.status_code in {200, 400}, response.text
        else:
            assert_client_error(response)


@pytest.mark.parametrize(
    "suffix",
    ["/0", "/-1", "/99999999999999999999999", "/9223372036854775807", "/1.5", "/%00", "/%2e%2e"],
)
def test_odd_micropost_ids_are_4xx(client: TestClient, dana: dict[str, str], suffix: str) -> None:
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = client.request(
            method,
            f"{V1}/users/dana/collection{suffix}",
            json={"text": "x", "referenced": None},
            headers=dana,
        )

        assert_client_error(response)


@pytest.mark.parametrize(
    "request_id",
    ["<script>alert(1)</script>", "a" * 5000, "x\ty", "two words", "é-accented", "id\\r\\nX: y"],
)
def test_an_insane_request_id_is_replaced_not_echoed(
    client: TestClient, dana: dict[str, str], request_id: str
) -> None:
    headers = {
        b"authorization": dana["Authorization"].encode(),
        b"x-request-id": request_id.encode(),
    }

    response = client.get(f"{V1}/me", headers=headers)

    assert response.status_code == 200
    assert response.headers["x-request-id"] != request_id
    assert uuid.UUID(response.headers["x-request-id"])
    assert request_id not in response.text


def test_a_token_of_non_ascii_bytes_is_401(client: TestClient) -> None:
    response = client.get(f"{V1}/me", headers={b"authorization": "Bearer é€🐍".encode()})

    assert_problem(response, 401, "unauthenticated")
