"""One LocalServer per module for the edge tests that need no process of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from microblog.testing import LocalServer

from .support import SECRET

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    """The service on 127.0.0.1 over real HTTP, limits off."""
    with LocalServer(secret_key=SECRET) as running:
        yield running
