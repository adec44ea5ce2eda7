"""Value rules: usernames, passwords, texts, and the mentions found in a text."""

from __future__ import annotations

import enum
import re
from typing import Final

from microblog_server.domain.errors import FieldError

__all__ = [
    "BIO_MAX",
    "DISPLAY_NAME_MAX",
    "PASSWORD_MAX",
    "PASSWORD_MIN",
    "TEXT_MAX",
    "UNSET",
    "USERNAME_PATTERN",
    "Unset",
    "mentioned_usernames",
    "username_key",
    "validate_bio",
    "validate_display_name",
    "validate_password",
    "validate_text",
    "validate_username",
]

USERNAME_PATTERN: Final = re.compile(r"[A-Za-z0-9_]{3,30}")
TEXT_MAX: Final = 255
PASSWORD_MIN: Final = 8
PASSWORD_MAX: Final = 128
DISPLAY_NAME_MAX: Final = 100
BIO_MAX: Final = 500

# An @ not glued to a word before it, then a whole username-shaped word.
_MENTION: Final = re.compile(r"(?<![A-Za-z0-9_@])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])")


class Unset(enum.Enum):
    """The type of :data:`UNSET`: "this field was not sent", as opposed to ``None``."""

    UNSET = "UNSET"


UNSET: Final = Unset.UNSET


def username_key(username: str) -> str:
    """Return the case-insensitive lookup key of a username."""
    return username.lower()


def validate_username(username: str, pointer: str = "#/username") -> FieldError | None:
    """Check a username: 3-30 characters of ``[A-Za-z0-9_]``.

    Args:
        username: The username as sent.
        pointer: Where it sits in the request.

    Returns:
        The broken rule, or ``None`` when valid.
    """
    if USERNAME_PATTERN.fullmatch(username) is None:
        return FieldError("3-30 characters of letters, digits and underscore", pointer=pointer)
    return None


def validate_password(password: str, pointer: str = "#/password") -> FieldError | None:
    """Check a password's length (8-128 characters)."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return FieldError(f"{PASSWORD_MIN}-{PASSWORD_MAX} characters", pointer=pointer)
    return None


# SQLite's length() stops at the first NUL and PostgreSQL refuses NUL in text outright.
_NUL_ERROR: Final = "must not contain NUL (U+0000) characters"


def validate_text(text: str, pointer: str = "#/text") -> FieldError | None:
    """Check a micropost text: 1-255 characters, not only whitespace, no NUL."""
    if not text.strip():
        return FieldError("must not be empty", pointer=pointer)
    if len(text) > TEXT_MAX:
        return FieldError(f"at most {TEXT_MAX} characters", pointer=pointer)
    if "\0" in text:
        return FieldError(_NUL_ERROR, pointer=pointer)
    return None


def validate_display_name(name: str, pointer: str = "#/display_name") -> FieldError | None:
    """Check a display name (at most 100 characters, no NUL)."""
    if len(name) > DISPLAY_NAME_MAX:
        return FieldError(f"at most {DISPLAY_NAME_MAX} characters", pointer=pointer)
    if "\0" in name:
        return FieldError(_NUL_ERROR, pointer=pointer)
    return None


def validate_bio(bio: str, pointer: str = "#/bio") -> FieldError | None:
    """Check a bio (at most 500 characters, no NUL)."""
    if len(bio) > BIO_MAX:
        return FieldError(f"at most {BIO_MAX} characters", pointer=pointer)
    if "\0" in bio:
        return FieldError(_NUL_ERROR, pointer=pointer)
    return None


def mentioned_usernames(text: str) -> list[str]:
    """Return the ``@username`` words of a text, first appearance first, no repeats.

    Repeats are detected case-insensitively; whether each names an existing user is for
    the caller to check.

    Examples:
        >>> mentioned_usernames("hi @dana and @Dana, mail me at a@b.cc @jo")
        ['dana']
    """
    seen: dict[str, str] = {}
    for match in _MENTION.finditer(text):
        name = match.group(1)
        seen.setdefault(username_key(name), name)
    return list(seen.values())
