"""What the request puts into a log line, made safe to log.

A path is percent-decoded before anyone logs it, so ``%0A`` becomes a line feed that
starts a forged line and ``%00`` makes the log binary. :func:`loggable` escapes every
character that is not printable (C0 and C1 controls, DEL, line and paragraph separators)
and the backslash itself, so an escape in the log always means the client sent that
character and never text that merely looks like one.
"""

from __future__ import annotations

import re

__all__ = ["loggable"]

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\\\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    if character == "\\":
        return "\\\\"
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def loggable(text: str) -> str:
    r"""Return ``text`` with control characters and backslashes escaped, one line, printable.

    Args:
        text: A value that came from the request (path, query, header).

    Returns:
        The text, with ``\n`` as ``\x0a``, NUL as ``\x00``, ``\`` as ``\\`` and so on.
    """
    return _UNSAFE.sub(_escape, text)
