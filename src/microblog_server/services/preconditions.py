"""The one precondition rule of writes: the stored version is one the caller accepts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from microblog_server.domain import PreconditionFailed

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["require_version"]


def require_version(current: int, expected: Collection[int] | None, what: str) -> int | None:
    """Raise ``PreconditionFailed`` unless ``current`` is among the ``expected`` versions.

    Args:
        current: The stored version, as loaded in the write's unit of work.
        expected: The versions the caller accepts (from ``If-Match``); ``None`` for any.
        what: The resource, for the message ("the user", "the micropost").

    Returns:
        The version the write must still find (compare-and-set), or ``None`` when the
        caller set no precondition (last write wins).

    Raises:
        PreconditionFailed: The resource changed since the caller's version.
    """
    if expected is None:
        return None
    if current not in expected:
        raise PreconditionFailed(f"{what} changed since the version you have")
    return current
