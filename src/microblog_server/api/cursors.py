"""Pagination cursors: a keyset position and a direction, spelled so a schema can declare them.

A cursor is ``"<direction>.<microseconds>.<id>"``: ``after`` leads to older items (a next
link), ``before`` to newer ones (a previous link); ``microseconds`` is the key's timestamp
in microseconds since the Unix epoch (UTC) and ``id`` its tie-breaking id, both decimal.
:data:`CURSOR_PATTERN` says exactly which strings are cursors, and every one it admits is a
real position in any list (every list is ordered on ``(at, id)``): the page after or
before it, empty when nothing is there. Anything else is :class:`InvalidCursorError`
(400 ``invalid_cursor``).

Cursors are not signed (they were until 0.3): a position grants nothing, since whoever can
read a list can page to any point of it, and the caller's right to the list is checked on
every request; so a generator that follows the declared pattern gets real pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from microblog_server.domain import Keyset

__all__ = [
    "CURSOR_PATTERN",
    "Direction",
    "InvalidCursorError",
    "Position",
    "decode_cursor",
    "encode_cursor",
]

Direction = Literal["after", "before"]

# 16 digits of microseconds reach the year 2286; 18 digits of id stay within a signed
# 64-bit integer, so every position the pattern admits is one the databases can compare.
CURSOR_PATTERN = r"^(after|before)\.([0-9]{1,16})\.([0-9]{1,18})$"
_CURSOR = re.compile(CURSOR_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class InvalidCursorError(ValueError):
    """The string is not a cursor (it does not match :data:`CURSOR_PATTERN`)."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a cursor points.

    Attributes:
        key: The keyset of the item at the edge of the page the cursor came from.
        direction: ``"after"`` for the items older than ``key``, ``"before"`` for newer.
    """

    key: Keyset
    direction: Direction


def encode_cursor(keyset: Keyset, direction: Direction = "after") -> str:
    """Return the cursor to the items ``direction`` ``keyset``.

    Args:
        keyset: The key of the item at the page's edge (a timezone-aware timestamp).
        direction: ``"after"`` (older items) or ``"before"`` (newer items).

    Returns:
        The cursor, which :data:`CURSOR_PATTERN` matches.
    """
    micros = (keyset.at - _EPOCH) // _MICROSECOND
    return f"{direction}.{micros}.{keyset.id}"


def decode_cursor(cursor: str) -> Position:
    """Return where a cursor points.

    Args:
        cursor: The ``cursor`` query parameter.

    Returns:
        The position.

    Raises:
        InvalidCursorError: When ``cursor`` does not match :data:`CURSOR_PATTERN`.
    """
    match = _CURSOR.match(cursor)
    if match is None:
        raise InvalidCursorError("the cursor is not one this service issues")
    direction: Direction = "after" if match[1] == "after" else "before"
    at = _EPOCH + int(match[2]) * _MICROSECOND
    return Position(Keyset(at, int(match[3])), direction)
