"""The documentation keeps itself true: every Python block of the pages a newcomer pastes runs.

Each page (README.md, docs/quickstart.md and every docs/guides/*.md, whoever adds it) runs
in a fresh interpreter with no ``MICROBLOG_*`` variables, in an empty directory, through
``tests/docs/snippets.py`` (Sybil), against the fresh local service the page itself (or
the guides' setup) starts.
"""

from __future__ import annotations

import codeop
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.docs.snippets import GUIDES, ROOT, SYBIL

PAGES = [ROOT / "README.md", ROOT / "docs" / "quickstart.md", *sorted(GUIDES.glob("*.md"))]
# Fences that look like Python but would be skipped silently: a sketch is written as a
# ```{code-block} python with a visible "Not run: ..." caption instead.
LOOKALIKE_FENCE = re.compile(r"^ *```+ *(py|python3|ipython|py3|pytb)\s*$", re.MULTILINE)
SKETCH = re.compile(r"^```\{code-block\} python\n(:\w+:.*\n)*", re.MULTILINE)
# A block whose first line names a file (``# test_app.py``) is saved, not pasted.
FILE_BLOCK = re.compile(r"\A# [\w./-]+\.py\n")


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def run_page(page: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MICROBLOG_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "tests.docs.snippets", str(page)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_python_block_of_the_page_runs_as_pasted(page: Path, tmp_path: Path) -> None:
    result = run_page(page, tmp_path)

    assert result.returncode == 0, result.stderr
    assert re.search(r": \d+ blocks ran$", result.stdout.strip())


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_no_python_block_is_skipped_without_saying_so(page: Path) -> None:
    text = page.read_text(encoding="utf-8")

    assert not LOOKALIKE_FENCE.findall(text), "write ```python, or a captioned sketch"
    for sketch in SKETCH.finditer(text):
        assert ":caption: Not run" in sketch.group(0), sketch.group(0)


@pytest.mark.parametrize("page", [ROOT / "README.md", ROOT / "docs" / "quickstart.md"], ids=page_id)
def test_the_quick_starts_have_blocks_to_run_and_need_no_setup(page: Path) -> None:
    examples = list(SYBIL.parse(page).examples())

    assert examples
    assert "LocalServer().start()" in page.read_text(encoding="utf-8")


def paste_problem(source: str) -> str | None:
    """Where pasting ``source`` into the classic ``python`` prompt (3.11, 3.12) breaks.

    That prompt reads line by line: a blank line ends an indented block, and a statement
    after a block needs a blank line first. ``codeop`` is what it compiles each line with.
    """
    buffer: list[str] = []
    for number, line in enumerate([*source.splitlines(), ""], start=1):
        buffer.append(line)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. an invalid escape, not our concern
                code = codeop.compile_command("\n".join(buffer), "<paste>", "single")
        except (SyntaxError, OverflowError, ValueError) as error:
            return f"line {number}: {error}"
        if code is not None:
            buffer = []
    return None


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_python_block_pastes_into_the_classic_prompt(page: Path) -> None:
    problems = [
        f"line {example.line} + {problem}"
        for example in SYBIL.parse(page).examples()
        # a pycon block's examples are doctests (already typed at a prompt)
        if isinstance(example.region.parsed, str)
        and not FILE_BLOCK.match(example.region.parsed)
        and (problem := paste_problem(example.region.parsed))
    ]

    assert problems == []


def test_the_paste_check_sees_a_blank_line_inside_a_block() -> None:
    assert paste_problem("for i in range(2):\n    x = i\n\n    y = i\n")
    assert paste_problem("for i in range(2):\n    x = i\ny = 1\n")
    assert paste_problem("for i in range(2):\n    x = i\n\ny = 1\n") is None


def test_a_failing_block_fails_the_page_and_says_where(tmp_path: Path) -> None:
    page = GUIDES.parent / "_build" / "broken-snippet.md"
    page.parent.mkdir(exist_ok=True)
    page.write_text("# Broken\n\n```python\nx = 1\n```\n\n```python\nraise SystemError(x)\n```\n")
    try:
        result = run_page(page, tmp_path)
    finally:
        page.unlink()

    assert result.returncode == 1
    assert "broken-snippet.md, line 7: this block failed" in result.stderr
    assert "SystemError: 1" in result.stderr
