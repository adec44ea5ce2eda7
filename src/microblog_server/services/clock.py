"""The clock the services read time from; injected so tests control time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeAlias

__all__ = ["Clock", "system_clock"]

Clock: TypeAlias = Callable[[], datetime]
"""Returns the current time, timezone-aware UTC."""


def system_clock() -> datetime:
    """Return the current UTC time."""
    return datetime.now(UTC)
