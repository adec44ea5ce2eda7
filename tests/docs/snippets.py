"""Run one Markdown page's Python blocks, in order, as a reader pastes them into ``python``.

Used by ``test_snippets.py``, which runs it in a fresh interpreter per page::

    python -m tests.docs.snippets docs/quickstart.md

Sybil (a kept library for exactly this) finds the blocks and evaluates them; this module
only says which blocks and in which namespace. Every ```` ```python ```` block runs, and
every ```` ```pycon ```` block runs as a doctest (``...`` matches anything). All the blocks
of a page share one namespace, as pasting them into one interpreter would. A guide
(``docs/guides/*.md``) runs after the setup block of ``docs/guides/index.md``, which the
guides' readers are told about; README.md and docs/quickstart.md start from nothing.

A block that is not meant to run is not a ```` ```python ```` fence: it is written as
```` ```{code-block} python ```` with a ``:caption:`` that says "Not run" and why, which
the reader sees (``test_snippets.py`` checks that no other Python fence slips through).
"""

from __future__ import annotations

import doctest
import sys
import traceback
from pathlib import Path
from typing import Any

from sybil import Document, Sybil
from sybil.evaluators.python import PythonEvaluator
from sybil.example import SybilFailure
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ROOT / "docs" / "guides"
GUIDES_SETUP = GUIDES / "index.md"
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


class PyconParser(PythonCodeBlockParser):
    """```` ```pycon ```` blocks (REPL sessions), checked as doctests."""

    def __init__(self) -> None:
        super().__init__(doctest_optionflags=OPTIONS)
        self.codeblock_parser = CodeBlockParser("pycon", PythonEvaluator(()))


SYBIL = Sybil(parsers=[PythonCodeBlockParser(doctest_optionflags=OPTIONS), PyconParser()])


def pages_to_run(page: Path) -> list[Path]:
    """The pages whose blocks run, in order, for ``page``: its setup first, if it has one."""
    page = page.resolve()
    if page.parent == GUIDES and page != GUIDES_SETUP:
        return [GUIDES_SETUP, page]
    return [page]


def run(page: Path) -> int:
    """Evaluate every block of ``page`` (after its setup); report the first failure.

    Returns:
        0 when every block ran, 1 at the first block that failed (with where and why).
    """
    namespace: dict[str, Any] = {"__name__": "__main__"}
    count = 0
    for path in pages_to_run(page):
        document: Document = SYBIL.parse(path)
        document.namespace = namespace
        for example in document.examples():
            count += 1
            try:
                example.evaluate()
            except SybilFailure as failure:  # a pycon block printed something else
                print(failure, file=sys.stderr)
                return 1
            except Exception:
                where = f"{path.relative_to(ROOT)}, line {example.line}"
                print(f"{where}: this block failed\n{traceback.format_exc()}", file=sys.stderr)
                return 1
    print(f"{page.resolve().relative_to(ROOT)}: {count} blocks ran")
    return 0


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
