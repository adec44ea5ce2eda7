"""The results of a benchmark as a Markdown section, and the machine they were taken on."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["Section", "machine", "median_of", "proc_cpu_seconds", "ratio", "timed"]


@dataclass
class Section:
    """One benchmark's table, with the targets it checks and what it means.

    Attributes:
        title: The heading.
        header: Column titles.
        rows: One list of cells per row.
        targets: One line per target, stating whether it was met.
        notes: Anything a reader needs to read the numbers right.
        series: Named numbers for plots (e.g. ``{"cpu_us": {"requests": 120.0}}``).
    """

    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    series: dict[str, dict[str, float]] = field(default_factory=dict)

    def target(
        self,
        name: str,
        value: float,
        *,
        at_most: float | None = None,
        at_least: float | None = None,
    ) -> None:
        """Record whether ``value`` meets a bound, as one line."""
        met = (at_most is None or value <= at_most) and (at_least is None or value >= at_least)
        bound = f"<= {at_most}" if at_most is not None else f">= {at_least}"
        self.targets.append(f"{'met' if met else 'MISSED'}: {name} = {value:.2f} (target {bound})")

    def markdown(self) -> str:
        """Render the section as Markdown."""
        lines = [f"### {self.title}", "", "| " + " | ".join(self.header) + " |"]
        lines.append(
            "|" + "|".join("---" if i == 0 else "---:" for i in range(len(self.header))) + "|"
        )
        lines.extend("| " + " | ".join(row) + " |" for row in self.rows)
        lines.append("")
        lines.extend(f"- **{line}**" for line in self.targets)
        lines.extend(f"- {line}" for line in self.notes)
        return "\n".join(lines).rstrip() + "\n"


def machine() -> str:
    """Describe the machine: CPUs, CPU model, Python, OS, date."""
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}, "
        f"{today}"
    )


def median_of(samples: Sequence[float]) -> float:
    """The median (an empty list is 0)."""
    return statistics.median(samples) if samples else 0.0


def ratio(a: float, b: float) -> float:
    """``a / b``, or infinity when ``b`` is 0."""
    return a / b if b else float("inf")


def proc_cpu_seconds(group: int) -> float:
    """User + system CPU seconds of every live process in process group ``group``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group:  # fields[2] is pgrp (field 5 of proc(5))
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def timed(call: Callable[[], object], count: int) -> tuple[float, float]:
    """Return (CPU seconds, wall seconds) per call of ``count`` calls."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        call()
    return (time.process_time() - cpu) / count, (time.perf_counter() - wall) / count
