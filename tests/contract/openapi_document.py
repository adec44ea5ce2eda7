"""The service's OpenAPI document as a file, for tools that read one (Spectral, generators)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from microblog_server.bootstrap import create_app
from microblog_server.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["write_document"]


def write_document(directory: Path) -> Path:
    """Write the document a test service serves to ``directory/openapi.json``."""
    app = create_app(Settings.for_tests())
    path = directory / "openapi.json"
    path.write_text(json.dumps(app.openapi(), indent=1), encoding="utf-8")
    app.state.services.close()
    return path
