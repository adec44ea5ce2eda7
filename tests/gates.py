"""Run every gate the project holds itself to, and say at the end how each one did.

This is the README's test command and what ``.ci/run`` calls: lint, format, types, the
workflows' security analysis (zizmor), the documentation (Sphinx, warnings as errors) and
the tests (pytest, warnings as errors). Every gate runs even when an earlier one failed,
so one red gate never hides the state of the others; the run ends with one line per gate
(passed or failed, and how long it took) and exits non-zero when any failed.

The docs gate runs before the tests and builds into ``docs/_build/html``; the tests that
read the built site (``tests/docs/test_built_docs.py``) take that build (named in
``MICROBLOG_DOCS_BUILD``) instead of building the docs a second time. Run alone, pytest
builds its own. The tests run on every core (pytest-xdist, ``--dist loadgroup``): tests
that must share one process (the cluster suite's one cluster) carry one ``xdist_group``.

Plain Python rather than nox: nox would be one more tool to install before the first
command can run, and its sessions make virtual environments of their own, while the
README's promise is one command on a fresh clone that tests exactly the locked
environment ``requirements/dev.txt`` made (``.venv``). Run it from the repository root
with that environment's Python. With ``MICROBLOG_TEST_POSTGRES_URL`` set, the persistence
tests also run on that PostgreSQL database; without it they skip those variants.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES_URL_VARIABLE = "MICROBLOG_TEST_POSTGRES_URL"
#: Where the docs gate builds, and the variable that tells the tests it did.
DOCS_BUILD = ROOT / "docs" / "_build" / "html"
DOCS_BUILD_VARIABLE = "MICROBLOG_DOCS_BUILD"
#: pytest-xdist: a worker per core; tests marked with one xdist_group share a worker.
ON_EVERY_CORE = ["--numprocesses", "auto", "--dist", "loadgroup"]


@dataclass(frozen=True)
class Gate:
    """One gate: a command run from the repository root; exit status 0 means it passed."""

    name: str
    command: list[str]
    #: Said before the gate runs (what it covers, how to cover more).
    note: Callable[[], str | None] = field(default=lambda: None)


@dataclass(frozen=True)
class Outcome:
    """How a gate did: its exit status and how long it ran."""

    name: str
    status: int
    seconds: float

    @property
    def passed(self) -> bool:
        """Whether the gate passed (exited 0)."""
        return self.status == 0

    def line(self, width: int) -> str:
        """The gate's summary line."""
        verdict = "passed" if self.passed else f"FAILED (exit {self.status})"
        return f"==> {self.name:<{width}}  {verdict:<18} {self.seconds:7.1f}s"


def postgres_note() -> str:
    """Say whether the persistence tests will also run on PostgreSQL, and how to make them."""
    if os.environ.get(POSTGRES_URL_VARIABLE):
        return f"    persistence tests on SQLite and PostgreSQL ({POSTGRES_URL_VARIABLE} is set)"
    return (
        f"    persistence tests on SQLite only: set {POSTGRES_URL_VARIABLE} to add PostgreSQL"
        " (docs/service/index.md)"
    )


GATES: list[Gate] = [
    Gate("lint", [str(BIN / "ruff"), "check", "."]),
    Gate("format", [str(BIN / "ruff"), "format", "--check", "."]),
    Gate("types", [str(BIN / "mypy")]),
    # GitHub Actions' static security analysis: nothing at medium severity or above.
    Gate(
        "workflows",
        [str(BIN / "zizmor"), "--offline", "--min-severity", "medium", ".github/workflows"],
    ),
    Gate(
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
            str(DOCS_BUILD),
        ],
    ),
    # The SDK's branch coverage must stay at 95 % or more (measured on src/microblog).
    # On every core (pytest-xdist); the cluster suite's tests share one worker (one cluster).
    Gate(
        "tests",
        [sys.executable, "-m", "pytest", "--cov-fail-under=95", *ON_EVERY_CORE],
        postgres_note,
    ),
]


def run(
    gates: Sequence[Gate],
    *,
    environment: dict[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[Outcome]:
    """Run every gate in order, whatever the earlier ones did; return how each did.

    A passed docs gate puts its build in the environment of the gates after it.
    """
    env = dict(os.environ if environment is None else environment)
    outcomes: list[Outcome] = []
    for gate in gates:
        print(f"==> {gate.name}", flush=True)
        if (note := gate.note()) is not None:
            print(note, flush=True)
        started = clock()
        status = subprocess.run(gate.command, cwd=ROOT, env=env, check=False).returncode
        outcome = Outcome(gate.name, status, clock() - started)
        outcomes.append(outcome)
        print(outcome.line(len(gate.name)), flush=True)
        if gate.name == "docs" and outcome.passed:
            env[DOCS_BUILD_VARIABLE] = str(DOCS_BUILD)
    return outcomes


def summary(outcomes: Sequence[Outcome]) -> list[str]:
    """One line per gate, then the verdict."""
    width = max(len(o.name) for o in outcomes)
    failed = [o.name for o in outcomes if not o.passed]
    total = sum(o.seconds for o in outcomes)
    verdict = (
        f"==> {len(failed)} of {len(outcomes)} gates FAILED: {', '.join(failed)}"
        if failed
        else f"==> all {len(outcomes)} gates passed"
    )
    return ["==> summary", *(o.line(width) for o in outcomes), f"{verdict} ({total:.0f}s)"]


def main(gates: Sequence[Gate] = GATES) -> int:
    """Run the gates and print the summary; return 1 if any failed, else 0."""
    outcomes = run(gates)
    print("\n".join(summary(outcomes)), flush=True)
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
