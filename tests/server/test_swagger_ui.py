"""The service's ``/docs`` page renders the API in a real headless browser, offline.

Swagger UI is a JavaScript application: an HTML check cannot tell whether it renders.
These tests run Chromium headless against :class:`~microblog.testing.LocalServer`, with
every host name but ``127.0.0.1`` unresolvable, and read the DOM after the scripts ran.
They pass only when the page, its assets and the OpenAPI document all come from the
service itself (no CDN).
"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from microblog.testing import LocalServer
from tests.browser import CHROMIUM, render

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no headless Chromium on PATH (Debian: apt-get install chromium)",
    ),
]

# A few operations that must be listed, as Swagger UI writes them into the DOM.
EXPECTED_PATHS = (
    "/api/v1/users/{username}",
    "/api/v1/users/{username}/collection",
    "/api/v1/token",
    "/api/v1/me",
)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture(scope="module")
def docs_dom(server: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    return render(f"{server.url}/docs", tmp_path_factory.mktemp("chromium-profile"))


def test_the_docs_page_lists_the_operations(docs_dom: str) -> None:
    operations = re.findall(r'class="opblock opblock-(get|post|put|patch|delete)', docs_dom)

    assert len(operations) >= 20
    assert {"get", "post", "put", "patch", "delete"} <= set(operations)


@pytest.mark.parametrize("path", EXPECTED_PATHS)
def test_the_docs_page_shows_the_operation_path(docs_dom: str, path: str) -> None:
    assert f'data-path="{path}"' in docs_dom


def test_the_docs_page_loaded_the_api_definition(docs_dom: str) -> None:
    assert "Failed to load API definition" not in docs_dom
    assert "microblog" in docs_dom


def test_the_docs_page_asks_for_nothing_outside_the_service(server: LocalServer) -> None:
    with urllib.request.urlopen(f"{server.url}/docs", timeout=10) as response:
        html = response.read().decode()

    assert re.findall(r"""(?:src|href)=["'](?:https?:)?//""", html) == []


def test_a_page_that_is_not_swagger_ui_is_told_apart(server: LocalServer, tmp_path: Path) -> None:
    # The checks above can fail: a path without Swagger UI renders no operation.
    dom = render(f"{server.url}/no-such-docs", tmp_path)

    assert "opblock" not in dom
    assert 'data-path="/api/v1/users/{username}"' not in dom
