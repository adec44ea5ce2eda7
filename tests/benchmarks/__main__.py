"""Run every benchmark and write the results as Markdown (and PNG plots if matplotlib is there).

Usage::

    .venv/bin/python -m tests.benchmarks [--quick] [--only per_call,threads]
        [--output results.md] [--plots docs/_static/performance]

Everything talks to ``127.0.0.1`` only. The full run takes about 4.5 minutes on 2 cores;
``--quick`` about 2 minutes (smaller counts, shorter load phases: numbers are noisier).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from tests.benchmarks._report import Section, machine

BENCHMARKS = ("per_call", "pagination", "objects", "threads", "cache", "service")


def plot_label(text: str) -> str:
    """A Markdown label as plain text for a plot (matplotlib shows backticks literally)."""
    return " ".join(text.replace("`", "").split())


def plot(sections: dict[str, Section], directory: Path) -> list[Path]:
    """Write one horizontal bar chart per series; return the files written."""
    try:
        import matplotlib as mpl  # noqa: PLC0415 - optional, the `bench` extra

        mpl.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        print("matplotlib is not installed: no plots (pip install -e '.[bench]')")
        return []
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, section in sections.items():
        for index, (title, values) in enumerate(section.series.items()):
            figure, axes = plt.subplots(figsize=(7, 0.45 * len(values) + 1.2))
            labels = [plot_label(label) for label in values]
            axes.barh(labels, list(values.values()), color="#4878a8")
            axes.invert_yaxis()
            axes.set_xlabel(plot_label(title))
            axes.set_title(plot_label(section.title), fontsize=10)
            figure.tight_layout()
            path = directory / f"{name}{f'-{index + 1}' if index else ''}.png"
            figure.savefig(path, dpi=100)
            plt.close(figure)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks, print the Markdown and write it to ``--output``."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts, short phases")
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS), help="comma-separated subset of: %(default)s"
    )
    parser.add_argument("--output", type=Path, help="also write the Markdown to this file")
    parser.add_argument("--plots", type=Path, help="write PNG plots into this directory")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    sections: dict[str, Section] = {}
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"tests.benchmarks.bench_{name}")
        try:
            sections[name] = module.run(quick=args.quick)
        except Exception as error:  # one failing benchmark must not lose the others' results
            sections[name] = Section(f"{name}: failed", ["error"], [[repr(error)]])
    elapsed = time.perf_counter() - started
    mode = "quick run" if args.quick else "full run"
    text = "\n".join(
        [
            f"Machine: {machine()}; {mode}, {elapsed:.0f} s.",
            "",
            *(section.markdown() for section in sections.values()),
        ]
    )
    print(text)
    if args.output is not None:
        args.output.write_text(text)
    if args.plots is not None:
        for path in plot(sections, args.plots):
            print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
