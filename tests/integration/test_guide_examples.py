"""A guide's pytest example that names its file (``# test_*.py``) is that file of this suite.

So the example the reader copies is the one the suite runs: a change to either one
without the other fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
_BLOCK = re.compile(r"^```python\n(# (test_\w+\.py)\n.*?)^```$", re.MULTILINE | re.DOTALL)


def named_examples() -> list[tuple[str, str, str]]:
    """Every ``(guide, file name, code)`` of the guides' examples that name a test file."""
    return [
        (guide.name, match[2], match[1])
        for guide in sorted((ROOT / "docs" / "guides").glob("*.md"))
        for match in _BLOCK.finditer(guide.read_text(encoding="utf-8"))
    ]


EXAMPLES = named_examples()


def test_the_guides_have_named_examples() -> None:
    assert ("testing.md", "test_app_survives_faults.py") in {(g, n) for g, n, _ in EXAMPLES}


@pytest.mark.parametrize(("guide", "name", "code"), EXAMPLES, ids=[n for _, n, _ in EXAMPLES])
def test_a_named_example_is_the_test_file_that_runs(guide: str, name: str, code: str) -> None:
    assert (HERE / name).read_text(encoding="utf-8") == code, f"{guide} and {name} differ"
