"""Opaque pagination cursors: a keyset, signed so clients cannot forge or edit one.

A cursor is ``base64url(payload) "." base64url(HMAC-SHA256(secret, list, payload))``; the
list's name is part of the signature, so a cursor of one list is refused by another.
Anything that does not verify is :class:`InvalidCursorError` (400 ``invalid_cursor``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime

from microblog_server.domain import Keyset

__all__ = ["CursorCodec", "InvalidCursorError"]


class InvalidCursorError(ValueError):
    """The cursor was not issued by this service for this list."""


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

    def encode(self, keyset: Keyset, scope: str) -> str:
        """Return the cursor of ``keyset`` for the list named ``scope``."""
        payload = json.dumps([keyset.at.isoformat(), keyset.id], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(scope, payload))}"

    def decode(self, cursor: str, scope: str) -> Keyset:
        """Return the keyset of a cursor issued for the list named ``scope``.

        Raises:
            InvalidCursorError: When the cursor is garbled, forged or for another list.
        """
        try:
            payload_part, signature_part = cursor.split(".")
            payload, signature = _unb64(payload_part), _unb64(signature_part)
            if not hmac.compare_digest(signature, self._sign(scope, payload)):
                raise InvalidCursorError("the cursor's signature does not match")
            at, id_ = json.loads(payload)
            keyset = Keyset(datetime.fromisoformat(at), int(id_))
        except (ValueError, TypeError, binascii.Error) as error:
            raise InvalidCursorError("the cursor is not one this service issued") from error
        if keyset.at.tzinfo is None:
            raise InvalidCursorError("the cursor is not one this service issued")
        return keyset
