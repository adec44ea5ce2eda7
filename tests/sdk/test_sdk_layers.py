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


def _graph() -> dict[str, set[str]]:
    """Every SDK module and the SDK modules it imports, typing-only and deferred ones too.

    Every file counts as itself, packages' insides too: a cycle inside ``_resources``
    is a cycle. An import under ``TYPE_CHECKING`` counts as well: it is not run, but the
    two modules still know each other, and neither can be read or changed alone.
    """
    modules: dict[str, Path] = {}
    for path in SRC.rglob("*.py"):
        name = ".".join(("microblog", *path.relative_to(SRC).with_suffix("").parts))
        modules[name.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = module if path.name == "__init__.py" else module.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        parent = parent.rpartition(".")[0]
                    base = f"{parent}.{base}" if base else parent
                submodules = {f"{base}.{alias.name}" for alias in node.names} & modules.keys()
                # ``from package import submodule`` is an import of the submodule alone.
                if len(submodules) < len(node.names):
                    targets.add(base)
                targets.update(submodules)
        graph[module] = {t for t in targets if t in modules and t != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of ``graph``, each as the modules of one strongly connected part."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = []
            while True:
                top = stack.pop()
                part.append(top)
                if top == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_sdk_modules_import_each_other_even_through_others() -> None:
    graph = _graph()
    graph.pop("microblog", None)  # the public face imports everything, nothing imports it

    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_file_counts_as_itself_and_a_submodule_import_is_not_its_package() -> None:
    graph = _graph()

    assert "microblog._resources._base" in graph["microblog._resources._model"]
    assert "microblog._resources" not in graph["microblog._resources._model"]
    assert "microblog._resources._model" in graph["microblog._resources"]
