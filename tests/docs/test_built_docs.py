"""The built documentation: the reference lists the whole public API, and nothing loads
from the network (the Mermaid diagrams render from the site's own copy of Mermaid).

The site read is the one the docs gate built in this run of ``tests/gates.py`` (named in
``MICROBLOG_DOCS_BUILD``); run alone, the module builds the docs once, as the gate does,
into a temporary directory. The reference is read from the ``objects.inv`` inventory
Sphinx writes.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sphinx.util.inventory import InventoryFile

import microblog
from microblog import testing
from tests.browser import CHROMIUM, render
from tests.docs.snippets import ROOT
from tests.gates import DOCS_BUILD_VARIABLE

if TYPE_CHECKING:
    from collections.abc import Iterator

# The classes whose public methods and properties a user calls: each must be in the
# reference, inherited ones (save, refresh, delete, changes, etag, to_dict) included.
DOCUMENTED_CLASSES = [
    microblog.Client,
    microblog.UserManager,
    microblog.MicropostManager,
    microblog.User,
    microblog.Micropost,
    microblog.Pager,
    microblog.Page,
    testing.LocalServer,
]
DIAGRAM_PAGES = ["architecture.html", "service/index.html"]
ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
# `import x from "u"`, `import "u"` and `import("u")`, minified or not.
MODULE_IMPORT = re.compile(
    r"""\b(?:from|import)\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']"""
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site: the docs gate's build when the gates made one, else our own."""
    if gate_build := os.environ.get(DOCS_BUILD_VARIABLE):
        return Path(gate_build)
    html_dir = tmp_path_factory.mktemp("docs") / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", "docs", str(html_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return html_dir


@pytest.fixture(scope="module")
def inventory(built: Path) -> set[str]:
    with (built / "objects.inv").open("rb") as stream:
        loaded = InventoryFile.load(stream, "", lambda base, uri: uri)
    return {name for role, entries in loaded.items() if role.startswith("py:") for name in entries}


def public_members(cls: type) -> list[str]:
    """The public methods and properties ``cls`` and its bases of ours define."""
    return sorted(
        {
            name
            for klass in cls.__mro__
            if klass.__module__.split(".")[0] == "microblog"
            for name, member in vars(klass).items()
            if not name.startswith("_") and (callable(member) or isinstance(member, property))
        }
    )


def qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@pytest.mark.parametrize("name", [n for n in microblog.__all__ if n != "__version__"])
def test_every_public_name_is_in_the_built_reference(name: str, inventory: set[str]) -> None:
    assert f"microblog.{name}" in inventory


@pytest.mark.parametrize(
    "member",
    [f"{qualified(cls)}.{name}" for cls in DOCUMENTED_CLASSES for name in public_members(cls)],
)
def test_every_public_method_and_property_is_in_the_built_reference(
    member: str, inventory: set[str]
) -> None:
    assert member in inventory


def test_the_resources_actions_are_among_them() -> None:
    members = {
        name for cls in (microblog.User, microblog.Micropost) for name in public_members(cls)
    }

    assert {"save", "refresh", "delete", "changes", "etag", "to_dict"} <= members


class _Loads(html.parser.HTMLParser):
    """Collect every URL a page makes the browser load, and its inline module imports."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        loaded = {"script": "src", "img": "src", "iframe": "src", "source": "src"}.get(tag)
        if tag == "link" and values.get("rel") not in {None, "canonical"}:
            loaded = "href"
        if loaded and values.get(loaded):
            self.urls.append(values[loaded] or "")
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.urls += [a or b for a, b in MODULE_IMPORT.findall(data)]


def loads_of(page: Path) -> list[str]:
    parser = _Loads()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.urls


def test_no_page_loads_anything_from_the_network(built: Path) -> None:
    remote = {
        f"{page.relative_to(built)}: {url}"
        for page in built.rglob("*.html")
        for url in loads_of(page)
        if ABSOLUTE.match(url)
    }

    assert remote == set()


@pytest.mark.parametrize("page", DIAGRAM_PAGES)
def test_the_diagram_pages_import_mermaid_from_the_site_itself(built: Path, page: str) -> None:
    imports = [url for url in loads_of(built / page) if "mermaid" in url]

    assert imports, "the page loads Mermaid"
    for url in imports:
        assert (built / page).parent.joinpath(url).resolve().is_file(), url


def test_every_module_mermaid_imports_is_in_the_site(built: Path) -> None:
    mermaid = built / "_static" / "mermaid"
    missing = [
        f"{module.name} -> {target}"
        for module in mermaid.rglob("*.mjs")
        for target in (a or b for a, b in MODULE_IMPORT.findall(module.read_text("utf-8")))
        if target.startswith(".") and not (module.parent / target).resolve().is_file()
    ]

    assert (mermaid / "mermaid.esm.min.mjs").is_file()
    assert missing == []


@pytest.fixture(scope="module")
def site(built: Path) -> Iterator[str]:
    """Serve the built site on 127.0.0.1 (browsers refuse ES modules from file://)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        extensions_map = {".mjs": "text/javascript", ".js": "text/javascript"}  # noqa: RUF012

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    handler = functools.partial(Quiet, directory=str(built))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
        httpd.shutdown()


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium on PATH")
@pytest.mark.parametrize("page", DIAGRAM_PAGES)
def test_the_diagrams_render_with_no_network(site: str, page: str, tmp_path: Path) -> None:
    dom = render(f"{site}/{page}", tmp_path / "profile")

    blocks = re.findall(r'<pre class="mermaid"[^>]*>(.*?)</pre>', dom, re.DOTALL)
    assert blocks
    assert all("<svg" in block for block in blocks), blocks[0][:300]


@pytest.mark.parametrize(
    ("page", "link"),
    [
        ("reference/exceptions.html", "_modules/microblog/_errors.html#NotFoundError"),
        ("reference/client.html", "_modules/microblog/_client.html#Client"),
        ("reference/config.html", "_modules/microblog/_config.html#Timeout"),
        ("reference/resources.html", "_modules/microblog/_resources/_model.html#User"),
    ],
)
def test_public_classes_keep_their_source_links(built: Path, page: str, link: str) -> None:
    # Their __module__ is "microblog"; docs/conf.py finds the module that defines them.
    assert link in (built / page).read_text(encoding="utf-8")
