"""Sphinx configuration for the microblog documentation."""

from __future__ import annotations

from microblog import __version__

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
    "sphinx_autodoc_typehints",
    "sphinxcontrib.mermaid",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"microblog {__version__}"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# The docs build with no network, so intersphinx (to Python and requests) reads inventories
# kept in docs/_inventories rather than fetching them.
intersphinx_mapping: dict[str, tuple[str, tuple[str | None, ...]]] = {}
suppress_warnings = ["intersphinx.external", "config.cache"]
