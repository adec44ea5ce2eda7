"""Naming users and microposts safely in request paths.

Every username or micropost id a caller hands to the SDK passes through here before a
request is built. Only what could change the request's path, or is the wrong type, is
refused locally (:class:`ValueError`, before anything is sent): ``""``, ``"."``, ``".."``,
anything containing ``/`` (the service decodes ``%2F`` before routing, so even a quoted
slash would change the route), a value that is not a ``str``, an id out of range. Every
other rule (length, alphabet) is the service's: its 4xx comes back as the mapped error,
and a service that relaxes a rule is not refused by installed SDKs. The segments that
reach a path are quoted whole.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

if TYPE_CHECKING:
    from microblog._resources.micropost import Micropost
    from microblog._resources.user import User

API = "/api/v1"
MAX_ID = 2**63 - 1
_PATH_CHANGING = frozenset({"", ".", ".."})
_DIGITS = re.compile(r"[0-9]{1,19}")


def segment(value: str | int) -> str:
    """Quote one path segment so that no character of it can change the path."""
    return quote(str(value), safe="")


def username_of(value: User | str) -> str:
    """Return the username a caller means by a :class:`User` or a username.

    Raises:
        ValueError: when the value is not a user or a string, or would change the path
            (empty, ``.``, ``..``, or containing ``/``). Other rules are the service's.
    """
    from microblog._resources.user import User  # noqa: PLC0415 (import cycle)

    name = value.username if isinstance(value, User) else value
    if not isinstance(name, str) or name in _PATH_CHANGING or "/" in name:
        raise ValueError(f"not a username: {name!r} (a string naming one path segment)")
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


class Template(str):
    """A URL template (``/api/v1/microposts/{id}``) and the SDK operation it serves.

    The template names the endpoint in logs and traces without the values, so it stays
    low-cardinality and holds no user data; ``operation`` (``"microposts.get"``) names
    the SDK call in a trace's operation span. A ``str``, so it goes wherever a template
    went.
    """

    operation: str | None

    def __new__(cls, text: str, operation: str | None = None) -> Template:
        template = super().__new__(cls, text)
        template.operation = operation
        return template

    def named(self, operation: str) -> Template:
        """The same template, serving ``operation``."""
        return Template(self, operation)


class Route(NamedTuple):
    """A request path and the URL template it was built from."""

    path: str
    template: Template


def route(template: str, operation: str | None = None, /, **values: str | int) -> Route:
    """Build the path of ``template`` (relative to ``/api/v1``) from already validated values.

    Each value is quoted whole as one segment (:func:`segment`); ``operation`` names the
    SDK call the route serves (see :class:`Template`).
    """
    quoted = {name: segment(value) for name, value in values.items()}
    return Route(API + template.format_map(quoted), Template(API + template, operation))
