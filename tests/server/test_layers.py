"""The service's layers import only inward (design/house.md), read from the source itself."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, cast

import pytest

from microblog_server.api.rate_limit import RateLimitMiddleware
from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

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


def test_the_composition_root_wires_the_rate_limit_storage() -> None:
    # The API layer chooses no storage: bootstrap builds the counters over the configured
    # one (memory or Redis) and the request quotas and the failed-login budget share them.
    app = create_app(Settings.for_tests(rate_limit="5/60"))
    (rate_limits,) = [m for m in app.user_middleware if m.cls is cast("Any", RateLimitMiddleware)]
    app.state.services.close()

    assert rate_limits.kwargs["limiter"] is app.state.login_throttle.limiter
    assert "resolved_rate_limit_storage" not in (PACKAGE / "api" / "app.py").read_text()
