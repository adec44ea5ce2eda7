"""The service's layers import only inward (design/house.md), read from the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "src" / "microblog_server"


def imported_modules(directory: Path) -> dict[str, set[str]]:
    """Every module each file under ``directory`` imports, lazily imported ones included."""
    found: dict[str, set[str]] = {}
    for path in sorted(directory.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        found[str(path.relative_to(PACKAGE))] = names
    return found


def offenders(directory: Path, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """The files under ``directory`` importing a forbidden package or one of its modules."""

    def banned(name: str) -> bool:
        return any(name == f or name.startswith(f + ".") for f in forbidden)

    return {
        path: sorted(filter(banned, names))
        for path, names in imported_modules(directory).items()
        if any(map(banned, names))
    }


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        (
            "api",
            ("sqlalchemy", "alembic", "microblog_server.persistence", "microblog_server.bootstrap"),
        ),
        (
            "services",
            (
                "fastapi",
                "starlette",
                "sqlalchemy",
                "microblog_server.api",
                "microblog_server.persistence",
            ),
        ),
        (
            "domain",
            (
                "fastapi",
                "starlette",
                "sqlalchemy",
                "microblog_server.api",
                "microblog_server.services",
                "microblog_server.persistence",
            ),
        ),
        ("persistence", ("fastapi", "starlette", "microblog_server.api")),
    ],
)
def test_a_layer_imports_only_inward(layer: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(PACKAGE / layer, forbidden) == {}


def test_the_service_never_imports_the_sdk() -> None:
    assert offenders(PACKAGE, ("microblog",)) == {}
