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
from typing import NamedTuple
from urllib.parse import quote

API = "/api/v1"
MAX_ID = 2**63 - 1
PATH_CHANGING = frozenset({"", ".", ".."})
DIGITS = re.compile(r"[0-9]{1,19}")


def segment(value: str | int) -> str:
    """Quote one path segment so that no character of it can change the path."""
    return quote(str(value), safe="")


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
