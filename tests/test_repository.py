"""Checks on the repository itself: the README's commands and CI stay one and the same."""

from __future__ import annotations

from pathlib import Path

import microblog

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = next(line for line in ci_lines if line.startswith("python3 -m venv"))
    assert command in readme


def test_version_is_defined_once_and_exported() -> None:
    version_file = (ROOT / "src" / "microblog" / "_version.py").read_text(encoding="utf-8")
    assert f'__version__ = "{microblog.__version__}"' in version_file
