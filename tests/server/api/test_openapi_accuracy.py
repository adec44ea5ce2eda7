"""The OpenAPI document says what the service does: found by schemathesis on the live service.

Each case here was a schemathesis failure (``tests/contract/run_schemathesis.sh``): a
request valid by the document that the service refused, or a reference that did not resolve.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

# Python's whitespace (what the domain strips) differs from JSON Schema's ``\s`` (ECMA-262):
# U+0085 and U+001C-U+001F are whitespace only to Python, U+FEFF only to ECMA-262.
PYTHON_ONLY_WHITESPACE = ["\x85", "\x1c", "\x1f"]
ECMA_ONLY_WHITESPACE = "\ufeff"


# What ``\s`` means in a JSON Schema pattern (ECMA-262 WhiteSpace and LineTerminator).
_ECMA_SPACE = "\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def ecma_search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches ``text`` as a JSON Schema validator reads ``\\s``/``\\S``.

    Enough of a translation for this service's patterns: ``[\\s\\S]`` (any character), and
    ``\\s`` or ``\\S`` alone or ``\\s`` inside a character class.
    """
    pattern = pattern.replace(r"[\s\S]", "(?s:.)")
    translated: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        piece = pattern[index : index + 2]
        if piece == r"\s":
            translated.append(_ECMA_SPACE if in_class else f"[{_ECMA_SPACE}]")
        elif piece == r"\S" and not in_class:
            translated.append(f"[^{_ECMA_SPACE}]")
        elif piece[0] == "\\":
            translated.append(piece)
        else:
            in_class = (in_class or piece[0] == "[") and piece[0] != "]"
            translated.append(piece[0])
            index += 1
            continue
        index += 2
    return re.search("".join(translated), text) is not None


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _text_pattern(document: dict[str, Any]) -> str:
    pattern: str = document["components"]["schemas"]["MicropostIn"]["properties"]["text"]["pattern"]
    return pattern


def test_every_reference_in_the_document_resolves(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()

    schemas = document["components"]["schemas"]
    unresolved = {
        ref for ref in _refs(document) if ref.removeprefix("#/components/schemas/") not in schemas
    }

    assert unresolved == set()


def test_the_token_body_is_declared_as_the_oauth_form(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()

    content = document["paths"]["/api/v1/token"]["post"]["requestBody"]["content"]

    # One body type, so generated clients build (JSON stays accepted: test_auth.py).
    assert list(content) == ["application/x-www-form-urlencoded"]
    reference = content["application/x-www-form-urlencoded"]["schema"]["$ref"]
    schema = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert schema["required"] == ["username", "password"]


def test_the_idempotency_key_is_described_not_declared_as_a_parameter(
    client: TestClient,
) -> None:
    # A key is only right with the payload it was first sent with, which no parameter
    # schema can say: a declared parameter made schemathesis reuse keys (issue 19).
    document = client.get("/api/v1/openapi.json").json()
    names = [
        parameter["name"].lower()
        for path in document["paths"].values()
        for operation in path.values()
        for parameter in operation.get("parameters", [])
    ]

    assert "idempotency-key" not in names
    assert "`Idempotency-Key` header" in document["info"]["description"]
    assert "1-255 printable ASCII characters" in document["info"]["description"]


def test_the_cursor_is_declared_with_its_pattern(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    parameters = document["paths"]["/api/v1/users"]["get"]["parameters"]

    (cursor,) = [p for p in parameters if p["name"] == "cursor"]
    pattern = cursor["schema"]["pattern"]

    assert re.fullmatch(pattern, "after.1764547200000000.42")
    assert re.fullmatch(pattern, "before.0.0")
    assert not re.fullmatch(pattern, "eyJmb3JnZWQiOjF9.AAAA")


def test_a_key_that_is_not_printable_ascii_is_refused(
    client: TestClient, dana: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/users/dana/collection",
        json={"text": "hello"},
        headers=dana | {"Idempotency-Key": "tab\there"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize("blank", PYTHON_ONLY_WHITESPACE)
def test_a_text_of_python_only_whitespace_is_refused_by_the_document_too(
    client: TestClient, dana: dict[str, str], blank: str
) -> None:
    pattern = _text_pattern(client.get("/api/v1/openapi.json").json())

    response = client.post("/api/v1/users/dana/collection", json={"text": blank}, headers=dana)

    assert response.status_code == 422
    assert not ecma_search(pattern, blank)


def test_a_text_the_document_admits_is_accepted(client: TestClient, dana: dict[str, str]) -> None:
    pattern = _text_pattern(client.get("/api/v1/openapi.json").json())

    response = client.post(
        "/api/v1/users/dana/collection", json={"text": ECMA_ONLY_WHITESPACE}, headers=dana
    )

    assert ecma_search(pattern, ECMA_ONLY_WHITESPACE)
    assert response.status_code == 201, response.text


def _search_pattern(document: dict[str, Any]) -> str:
    parameters = document["paths"]["/api/v1/search"]["get"]["parameters"]
    (text,) = [p for p in parameters if p["name"] == "text"]
    pattern: str = text["schema"]["pattern"]
    return pattern


@pytest.mark.parametrize("blank", PYTHON_ONLY_WHITESPACE)
def test_a_search_of_two_characters_and_python_only_whitespace_is_refused_by_the_document_too(
    client: TestClient, dana: dict[str, str], blank: str
) -> None:
    pattern = _search_pattern(client.get("/api/v1/openapi.json").json())

    response = client.get("/api/v1/search", params={"text": f"{blank}ab"}, headers=dana)

    assert response.status_code == 422
    assert not ecma_search(pattern, f"{blank}ab")


def test_a_search_the_document_admits_is_accepted(client: TestClient, dana: dict[str, str]) -> None:
    pattern = _search_pattern(client.get("/api/v1/openapi.json").json())
    text = f"{ECMA_ONLY_WHITESPACE}ab"

    response = client.get("/api/v1/search", params={"text": text}, headers=dana)

    assert ecma_search(pattern, text)
    assert response.status_code == 200, response.text


def test_a_new_password_is_declared_to_need_the_current_one(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    schema = document["components"]["schemas"]["UserPatchIn"]

    # Tools (schemathesis, validators) see that {"password": ...} alone is not a valid body.
    assert schema["if"]["required"] == ["password"]
    assert schema["then"]["required"] == ["current_password"]
    assert "current_password" in schema["properties"]
