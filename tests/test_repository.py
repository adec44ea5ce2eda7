"""Checks on the repository itself: the README's commands and CI stay one and the same."""

from __future__ import annotations

import re
from pathlib import Path

import microblog
from tests.benchmarks.__main__ import plot_label

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = next(line for line in ci_lines if line.startswith("python3 -m venv"))
    assert command in readme


def test_version_is_defined_once_and_exported() -> None:
    version_file = (ROOT / "src" / "microblog" / "_version.py").read_text(encoding="utf-8")
    assert f'__version__ = "{microblog.__version__}"' in version_file


def test_the_readme_and_the_performance_page_give_the_same_benchmark_times() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    performance = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    quick_row = next(line for line in performance.splitlines() if line.startswith("| `--quick`"))

    said = re.search(r"about ([\d.]+) minutes, or about ([\d.]+) with `--quick`", readme)

    assert said is not None
    full, quick = said.groups()
    assert f"about {quick} minutes instead of about {full}" in quick_row


def test_the_performance_targets_are_numbered_one_by_one() -> None:
    performance = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    table = performance.split("## The targets", 1)[1].split("\n## ", 1)[0]

    numbers = [int(n) for n in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)]

    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) >= 9


def test_plot_labels_have_no_markdown_backticks() -> None:
    assert plot_label("SDK `client.microposts.get`, `cache=False` (200s)") == (
        "SDK client.microposts.get, cache=False (200s)"
    )


def test_pre_commit_runs_the_projects_own_ruff_and_mypy() -> None:
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    entries = re.findall(r"^\s*entry: (\S+)", config, re.MULTILINE)

    assert "ruff-pre-commit" not in config, "one ruff: the one the gates run"
    assert sorted(entries) == [".venv/bin/mypy", ".venv/bin/ruff", ".venv/bin/ruff"]
