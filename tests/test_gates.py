"""The gates runner: a red gate never hides the others, and the end says how each did."""

from __future__ import annotations

import itertools
import sys
from typing import TYPE_CHECKING

from tests import gates
from tests.gates import DOCS_BUILD_VARIABLE, Gate

if TYPE_CHECKING:
    import pytest


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def ticking() -> itertools.count[float]:
    """A clock that moves one second per reading."""
    return itertools.count(0.0, 1.0)


def test_a_failing_gate_lets_the_next_run_and_both_are_reported(
    capfd: pytest.CaptureFixture[str],
) -> None:
    run = [
        Gate("broken", python("raise SystemExit(3)")),
        Gate("after", python("print('the next gate ran')")),
    ]

    status = gates.main(run)

    out = capfd.readouterr().out
    assert status == 1
    assert "the next gate ran" in out
    summary = out.split("==> summary\n", 1)[1].splitlines()
    assert summary[0].startswith("==> broken  FAILED (exit 3)")
    assert summary[1].startswith("==> after   passed")
    assert summary[2].startswith("==> 1 of 2 gates FAILED: broken (")


def test_every_gate_passing_exits_zero(capfd: pytest.CaptureFixture[str]) -> None:
    status = gates.main([Gate("one", python("pass")), Gate("two", python("pass"))])

    lines = capfd.readouterr().out.splitlines()
    assert status == 0
    assert lines[-1].startswith("==> all 2 gates passed (")


def test_the_summary_gives_each_gate_its_time() -> None:
    outcomes = gates.run(
        [Gate("lint", python("pass")), Gate("tests", python("raise SystemExit(1)"))],
        clock=ticking().__next__,
    )

    assert gates.summary(outcomes) == [
        "==> summary",
        "==> lint   passed                 1.0s",
        "==> tests  FAILED (exit 1)        1.0s",
        "==> 1 of 2 gates FAILED: tests (2s)",
    ]


def test_the_tests_read_the_docs_the_docs_gate_built() -> None:
    check = f"import os; raise SystemExit(0 if os.environ.get({DOCS_BUILD_VARIABLE!r}) else 9)"

    built = gates.run([Gate("docs", python("pass")), Gate("tests", python(check))], environment={})
    failed = gates.run(
        [Gate("docs", python("raise SystemExit(1)")), Gate("tests", python(check))],
        environment={},
    )

    assert [o.status for o in built] == [0, 0]
    assert [o.status for o in failed] == [1, 9], "a failed build is not read"


def test_the_real_gates_cover_every_tool_and_the_docs_come_before_the_tests() -> None:
    names = [gate.name for gate in gates.GATES]

    assert names == ["lint", "format", "types", "workflows", "docs", "tests"]
