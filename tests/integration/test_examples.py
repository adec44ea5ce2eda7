"""Every file in docs/examples runs, as a reader would run it, against a local service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "docs" / "examples").glob("*.py"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_runs_to_the_end(example: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MICROBLOG_")}
    result = subprocess.run(
        [sys.executable, str(example)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "an example prints what it does"
    assert "Traceback" not in result.stderr
