"""The SDK's shape, checked: urllib3 in one module, and no two modules importing each other."""

from __future__ import annotations

import ast
from pathlib import Path

import microblog

SRC = Path(microblog.__file__).parent


def _imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        module = ".".join(("microblog", *path.relative_to(SRC).with_suffix("").parts))
        module = module.removesuffix(".__init__")
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[module] = names
    return found


def test_only_the_send_module_imports_urllib3() -> None:
    importers = {
        module
        for module, names in _imports().items()
        if any(name == "urllib3" or name.startswith("urllib3.") for name in names)
    }
    assert importers == {"microblog._send"}


def test_the_pipeline_modules_do_not_import_each_other() -> None:
    imports = _imports()
    pairs = {
        tuple(sorted((a, b)))
        for a, names in imports.items()
        for b in names
        if b in imports and a != b and a in imports.get(b, set())
    }
    # The resources package's own mutual imports (a user knows its posts) are not the
    # pipeline's; everything under _call/_transport/_send/_config must be one-way.
    pipeline = {"microblog._call", "microblog._transport", "microblog._send", "microblog._config"}
    assert not {pair for pair in pairs if set(pair) & pipeline}
