"""Spectral's ``spectral:oas`` ruleset finds nothing in the OpenAPI document: 0 errors, 0 warnings.

Issue 19: it reported 27 warnings (tags not defined, no servers, no contact). Spectral is
a Node tool: it runs through ``npx`` at a pinned version from the npm registry, and the
test skips, saying why, where there is no ``npx``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest

from .openapi_document import write_document

if TYPE_CHECKING:
    from pathlib import Path

SPECTRAL = "@stoplight/spectral-cli@6.16.3"


def test_spectral_oas_reports_nothing(tmp_path: Path) -> None:
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip(f"npx is not installed: Spectral ({SPECTRAL}) runs through it")
    document = write_document(tmp_path)
    ruleset = tmp_path / ".spectral.yaml"
    ruleset.write_text('extends: ["spectral:oas"]\n', encoding="utf-8")

    command = [npx, "--yes", SPECTRAL, "lint", str(document), "--ruleset", str(ruleset)]
    run = subprocess.run(
        [*command, "--format", "json", "--fail-severity", "hint", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    findings = json.loads(run.stdout or "null")
    assert findings == [], run.stdout + run.stderr
    assert run.returncode == 0, run.stderr
