"""Sphinx configuration for the microblog documentation."""

from __future__ import annotations

import functools
import pkgutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer

import microblog
from microblog import __version__

if TYPE_CHECKING:
    from sphinx.application import Sphinx

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
INVENTORIES = DOCS / "_inventories"

project = "microblog"
author = "The microblog developers"
copyright = "2026, the microblog developers"  # noqa: A001
release = __version__
version = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "sphinxcontrib.mermaid",
    "offline_mermaid",  # docs/_ext: Mermaid's JS served from _static, not a CDN
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_inventories", "_ext"]
myst_enable_extensions = ["colon_fence", "deflist"]
# ```mermaid fences render as diagrams (sphinxcontrib-mermaid), as they do on GitHub.
myst_fence_as_directive = ["mermaid"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"microblog {__version__}"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# The docs build with no network, so intersphinx (to Python and requests) reads inventories
# kept in docs/_inventories (written by build_inventories.py there) rather than fetching
# them; the links still point at the real online pages.
intersphinx_mapping: dict[str, tuple[str, tuple[str | None, ...]]] = {
    "python": ("https://docs.python.org/3", (str(INVENTORIES / "python.inv"),)),
    "requests": (
        "https://requests.readthedocs.io/en/latest",
        (str(INVENTORIES / "requests.inv"),),
    ),
}
suppress_warnings = ["intersphinx.external", "config.cache"]
# Type hints name many third-party and private types the inventories do not hold; a missing
# link there is not an error worth failing the build for.
nitpicky = False

# Mermaid renders in the reader's browser from a copy of its JS in _static (see
# docs/_ext/offline_mermaid.py), so the site works with no network and needs no mermaid CLI.
mermaid_output_format = "raw"

# Type hints go into the descriptions, as short names, with the return type documented:
# Sphinx's own autodoc does this (sphinx-autodoc-typehints did; its last release for Python
# 3.11 calls a Sphinx API deprecated for Sphinx 10 and printed 64 warnings per build).
autodoc_typehints_format = "short"
autodoc_typehints_description_target = "all"


@functools.cache
def _private_modules() -> tuple[str, ...]:
    return tuple(info.name for info in pkgutil.walk_packages(microblog.__path__, "microblog."))


def _defining_module(app: Sphinx, modname: str, fullname: str) -> str | None:
    """For viewcode: the private module that defines a public ``microblog.X``.

    Public classes report ``__module__ == "microblog"`` (see ``microblog/__init__.py``),
    which would leave them without a [source] link.
    """
    if modname != "microblog":
        return None
    for name in _private_modules():
        try:
            tags = ModuleAnalyzer.for_module(name).find_tags()
        except PycodeError:
            continue
        if fullname in tags:
            return name
    return None


def setup(app: Sphinx) -> None:
    """Project hooks: source links for the public classes."""
    app.connect("viewcode-follow-imported", _defining_module)
