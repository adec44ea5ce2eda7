"""Telling a secret key an attacker could guess from one made by a random generator.

Production refuses a key that is long but weak: one character repeated (``aaaa...``), a
phrase repeated (``changeme-changeme-...``), or too few distinct characters to have been
drawn at random. A key from :data:`HOW_TO_MAKE_ONE` passes with room to spare.
"""

from __future__ import annotations

__all__ = ["HOW_TO_MAKE_ONE", "MIN_DISTINCT", "MIN_LENGTH", "weakness"]

MIN_LENGTH = 32
"""The fewest characters a secret key may have."""

MIN_DISTINCT = 10
"""The fewest distinct characters a key drawn at random from 16 or more symbols has (a
32-character hex key has fewer than 10 with a probability under one in a billion)."""

HOW_TO_MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
"""The command that makes a good key, named in every refusal."""


def _period(key: str) -> int:
    """The length of the shortest unit the key repeats (the key's length if none)."""
    for length in range(1, len(key) // 2 + 1):
        if all(key[i] == key[i % length] for i in range(len(key))):
            return length
    return len(key)


def weakness(key: str) -> str | None:
    """Say why ``key`` is too weak to sign tokens, or ``None`` when it is not.

    Args:
        key: The secret key.

    Returns:
        One sentence naming the weakness and how to make a good key, never the key.
    """
    reason = None
    if len(key) < MIN_LENGTH:
        reason = f"has fewer than {MIN_LENGTH} characters"
    elif _period(key) < len(key):
        reason = "repeats a shorter phrase"
    elif len(set(key)) < MIN_DISTINCT:
        reason = f"has fewer than {MIN_DISTINCT} distinct characters"
    if reason is None:
        return None
    return f"the key {reason}; make one with: {HOW_TO_MAKE_ONE}"
