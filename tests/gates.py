"""Run every gate the project holds itself to, in order, stopping at the first failure.

This is the README's test command and what ``.ci/run`` calls: lint, format, types,
tests (with warnings as errors) and the documentation (with warnings as errors).
Run it from the repository root with the project's virtual environment's Python.
With ``MICROBLOG_TEST_POSTGRES_URL`` set, the persistence tests also run on that
PostgreSQL database; without it they skip those variants (nothing is installed here).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES_URL_VARIABLE = "MICROBLOG_TEST_POSTGRES_URL"

GATES: list[tuple[str, list[str]]] = [
    ("lint", [str(BIN / "ruff"), "check", "."]),
    ("format", [str(BIN / "ruff"), "format", "--check", "."]),
    ("types", [str(BIN / "mypy")]),
    # The SDK's branch coverage must stay at 95 % or more (measured on src/microblog).
    ("tests", [sys.executable, "-m", "pytest", "--cov-fail-under=95"]),
    (
        "docs",
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "docs",
            "docs/_build/html",
        ],
    ),
]


def postgres_note() -> str:
    """Say whether the persistence tests will also run on PostgreSQL, and how to make them."""
    if os.environ.get(POSTGRES_URL_VARIABLE):
        return f"    persistence tests on SQLite and PostgreSQL ({POSTGRES_URL_VARIABLE} is set)"
    return (
        f"    persistence tests on SQLite only: set {POSTGRES_URL_VARIABLE} to add PostgreSQL"
        " (docs/service/index.md)"
    )


def main() -> int:
    """Run the gates; return the exit status of the first that fails, else 0."""
    for name, command in GATES:
        print(f"==> {name}", flush=True)
        if name == "tests":
            print(postgres_note(), flush=True)
        started = time.monotonic()
        status = subprocess.run(command, cwd=ROOT, check=False).returncode
        elapsed = time.monotonic() - started
        if status != 0:
            print(f"==> {name} FAILED (exit {status}) after {elapsed:.0f}s", flush=True)
            return status
        print(f"==> {name} passed in {elapsed:.0f}s", flush=True)
    print("==> all gates passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
