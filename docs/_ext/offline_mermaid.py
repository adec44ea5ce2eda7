"""Serve Mermaid's JavaScript from the docs themselves, so diagrams render with no network.

sphinxcontrib-mermaid renders ```` ```mermaid ```` fences in the reader's browser and, by
default, imports Mermaid from a CDN: offline, the diagrams stay raw text. This extension
takes Mermaid's ES module build from the npm registry's ``mermaid`` package instead
(``npm pack``, a pinned version checked against its published integrity hash), unpacks
the files the browser loads into ``docs/_build/_mermaid-<version>`` once, and points
``mermaid_use_local`` at the copy in ``_static``. Nothing from a CDN is committed; a
fresh clone needs ``npm`` (Node.js) for its first docs build only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.errors import ExtensionError

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

#: The Mermaid release served, and the integrity hash the npm registry publishes for it.
MERMAID_VERSION = "11.12.1"
MERMAID_INTEGRITY = (
    "sha512-UlIZrRariB11TY1RtTgUWp65tphtBv4CSq7vyS2ZZ2TgoM"
    "js2nloq+wFqxiwcxlhHUvs7DPGgMjs2aeQxz5h9g=="
)
ENTRY = "mermaid.esm.min.mjs"
_CHUNKS = "chunks/mermaid.esm.min/"


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def _fetch(target: Path) -> None:
    """Unpack Mermaid's browser files from the npm package into ``target/mermaid``."""
    npm = shutil.which("npm")
    if npm is None:
        raise ExtensionError(
            f"the docs serve Mermaid {MERMAID_VERSION} from the npm package 'mermaid', and"
            " npm is not installed: install Node.js and npm (apt-get install nodejs npm)"
        )
    with tempfile.TemporaryDirectory(prefix="mermaid-") as scratch:
        packed = subprocess.run(
            [npm, "pack", f"mermaid@{MERMAID_VERSION}", "--json", "--pack-destination", scratch],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if packed.returncode != 0:
            raise ExtensionError(f"npm pack mermaid@{MERMAID_VERSION} failed: {packed.stderr}")
        tarball = Path(scratch) / json.loads(packed.stdout)[0]["filename"]
        if _integrity(tarball) != MERMAID_INTEGRITY:
            raise ExtensionError(f"{tarball.name} does not match its published integrity hash")
        staging = Path(scratch) / "mermaid"
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                name = member.name.removeprefix("package/dist/")
                wanted = name == ENTRY or (name.startswith(_CHUNKS) and name.endswith(".mjs"))
                if member.isfile() and wanted:
                    destination = staging / name
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    source = archive.extractfile(member)
                    assert source is not None
                    destination.write_bytes(source.read())
        target.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target / "mermaid", ignore_errors=True)
        shutil.move(staging, target / "mermaid")


def _serve_local(app: Sphinx, config: Config) -> None:
    target = Path(app.srcdir) / "_build" / f"_mermaid-{MERMAID_VERSION}"
    if not (target / "mermaid" / ENTRY).is_file():
        _fetch(target)
    config.html_static_path = [*config.html_static_path, str(target)]
    config.mermaid_use_local = f"mermaid/{ENTRY}"


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the hook that provides Mermaid's JavaScript locally."""
    app.setup_extension("sphinxcontrib.mermaid")
    app.connect("config-inited", _serve_local)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
