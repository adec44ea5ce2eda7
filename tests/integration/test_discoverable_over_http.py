"""A person or a client starting at the root finds the rest; the OpenAPI document is an artifact.

Issue 19: ``curl http://127.0.0.1:8000/`` was a 404 with no way on, and the document
carried FastAPI's generated operation ids (``issue_token_api_v1_token_post``), undefined
tags, no ``servers`` and no contact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from microblog.testing import LocalServer

LINKS = {"users", "me", "search", "token", "openapi", "docs", "health"}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def document(server: LocalServer, http: requests.Session) -> dict[str, Any]:
    response = http.get(f"{server.url}/api/v1/openapi.json", timeout=5)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


@pytest.mark.parametrize("root", ["/", "/api/v1"])
def test_the_roots_answer_200_with_links_that_lead_somewhere(
    server: LocalServer, http: requests.Session, root: str
) -> None:
    response = http.get(f"{server.url}{root}", timeout=5)

    assert response.status_code == 200, response.text
    links = response.json()["links"]
    assert set(links) >= LINKS
    assert all(url.startswith(f"{server.url}/") for url in links.values())
    assert http.get(links["openapi"], timeout=5).json()["openapi"].startswith("3.1")
    assert http.get(links["docs"], timeout=5).status_code == 200
    assert http.get(links["health"], timeout=5).status_code == 200
    assert http.get(links["me"], timeout=5).status_code == 401  # found; needs a token


def test_the_document_is_also_at_openapi_json(
    server: LocalServer, http: requests.Session, document: dict[str, Any]
) -> None:
    response = http.get(f"{server.url}/openapi.json", timeout=5)

    assert response.status_code == 200
    assert response.json() == document


def test_operation_ids_are_short_and_stable(document: dict[str, Any]) -> None:
    ids = {(method, path): op.get("operationId") for path, method, op in operations(document)}

    assert ids[("get", "/api/v1/users/{username}")] == "getUser"
    assert ids[("get", "/api/v1/users/{username}/collection")] == "listUserMicroposts"
    assert ids[("post", "/api/v1/users/{username}/collection")] == "createMicropost"
    assert ids[("post", "/api/v1/token")] == "createToken"
    assert all(
        isinstance(i, str) and re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", i) for i in ids.values()
    )
    assert len(set(ids.values())) == len(ids)


def test_every_tag_is_defined_with_a_description(document: dict[str, Any]) -> None:
    defined = {tag["name"]: tag.get("description") for tag in document["tags"]}
    used = {tag for _, _, operation in operations(document) for tag in operation["tags"]}

    assert used <= set(defined)
    assert all(defined[tag] for tag in used)


def test_the_document_names_servers_and_a_contact(document: dict[str, Any]) -> None:
    assert document["servers"]
    assert document["info"]["contact"]


def test_the_token_operation_declares_one_request_content_type(document: dict[str, Any]) -> None:
    content = document["paths"]["/api/v1/token"]["post"]["requestBody"]["content"]

    assert list(content) == ["application/x-www-form-urlencoded"]
