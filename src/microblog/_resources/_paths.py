"""Naming users and microposts safely in request paths.

Every username or micropost id a caller hands to the SDK passes through here before a
request is built: malformed values raise :class:`ValueError` before anything is sent, and
the segments that reach a path are quoted, so ``""``, ``"."``, ``".."`` or ``"a/b"`` can
never turn into another endpoint.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from microblog._resources.micropost import Micropost
    from microblog._resources.user import User

API = "/api/v1"
MAX_ID = 2**63 - 1
_USERNAME = re.compile(r"[A-Za-z0-9_]{3,30}")
_DIGITS = re.compile(r"[0-9]{1,19}")


def segment(value: str | int) -> str:
    """Quote one path segment so that no character of it can change the path."""
    return quote(str(value), safe="")


def username_of(value: User | str) -> str:
    """Return the username a caller means by a :class:`User` or a username.

    Raises:
        ValueError: when the value is not a user or a well-formed username
            (3-30 characters of ``[A-Za-z0-9_]``).
    """
    from microblog._resources.user import User  # noqa: PLC0415 (import cycle)

    name = value.username if isinstance(value, User) else value
    if not isinstance(name, str) or not _USERNAME.fullmatch(name):
        raise ValueError(f"not a username: {name!r} (3-30 characters of A-Z, a-z, 0-9, _)")
    return name


def micropost_id_of(value: Micropost | int | str) -> int:
    """Return the micropost id a caller means by a :class:`Micropost`, an int or digits.

    Raises:
        ValueError: when the value is not a micropost or a positive id (``bool`` is not an id).
    """
    from microblog._resources.micropost import Micropost  # noqa: PLC0415 (import cycle)

    ident = value.id if isinstance(value, Micropost) else value
    if isinstance(ident, str) and _DIGITS.fullmatch(ident):
        ident = int(ident)
    if isinstance(ident, bool) or not isinstance(ident, int) or not 1 <= ident <= MAX_ID:
        raise ValueError(f"not a micropost id: {ident!r} (a positive integer)")
    return ident


def user_path(username: str, *rest: str | int) -> str:
    """Build ``/api/v1/users/{username}/...`` from already validated parts."""
    return "/".join([f"{API}/users", segment(username), *(segment(part) for part in rest)])
