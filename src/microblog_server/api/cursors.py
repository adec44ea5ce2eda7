"""Opaque pagination cursors: a keyset and a direction, signed so clients cannot forge one.

A cursor is ``base64url(payload) "." base64url(HMAC-SHA256(secret, list, payload))``; the
list's name is part of the signature, so a cursor of one list is refused by another. The
payload is ``[at, id, direction]``: ``"after"`` leads to older items (a next link),
``"before"`` to newer ones (a previous link). Cursors issued before directions existed
carry only ``[at, id]`` and still read as ``"after"``. Anything that does not verify is
:class:`InvalidCursorError` (400 ``invalid_cursor``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from microblog_server.domain import Keyset

__all__ = ["CursorCodec", "Direction", "InvalidCursorError", "Position"]

Direction = Literal["after", "before"]
_DIRECTIONS: tuple[Direction, ...] = ("after", "before")


class InvalidCursorError(ValueError):
    """The cursor was not issued by this service for this list."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a cursor points.

    Attributes:
        key: The keyset of the item at the edge of the page the cursor came from.
        direction: ``"after"`` for the items older than ``key``, ``"before"`` for newer.
    """

    key: Keyset
    direction: Direction


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Turn keysets into signed cursor strings and back.

    Args:
        secret: The service's secret key.
    """

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"microblog cursor\0" + secret.encode()).digest()

    def _sign(self, scope: str, payload: bytes) -> bytes:
        return hmac.new(self._key, scope.encode() + b"\0" + payload, hashlib.sha256).digest()

    def encode(self, keyset: Keyset, scope: str, direction: Direction = "after") -> str:
        """Return the cursor to the items ``direction`` ``keyset`` in the list ``scope``."""
        payload = json.dumps(
            [keyset.at.isoformat(), keyset.id, direction], separators=(",", ":")
        ).encode()
        return f"{_b64(payload)}.{_b64(self._sign(scope, payload))}"

    def decode(self, cursor: str, scope: str) -> Position:
        """Return where a cursor issued for the list named ``scope`` points.

        Raises:
            InvalidCursorError: When the cursor is garbled, forged or for another list.
        """
        try:
            payload_part, signature_part = cursor.split(".")
            payload, signature = _unb64(payload_part), _unb64(signature_part)
            if not hmac.compare_digest(signature, self._sign(scope, payload)):
                raise InvalidCursorError("the cursor's signature does not match")
            at, id_, *rest = json.loads(payload)
            keyset = Keyset(datetime.fromisoformat(at), int(id_))
            direction = _DIRECTIONS[_DIRECTIONS.index(rest[0])] if rest else "after"
        except (ValueError, TypeError, binascii.Error) as error:
            raise InvalidCursorError("the cursor is not one this service issued") from error
        if keyset.at.tzinfo is None or len(rest) > 1:
            raise InvalidCursorError("the cursor is not one this service issued")
        return Position(keyset, direction)
