"""Which ``Host`` a request may name, and the base URL that links are built from.

Links (``href``, ``next``, ``Link``, ``Location``) are absolute and built from the request's
base URL, so a ``Host`` the client chose would be reflected into every one of them (a
poisoned cache, or a password-reset style link pointing elsewhere). :class:`HostPolicy`
(applied by the edge layer, :mod:`microblog_server.api.edge`) closes that in one of two ways:

- with ``public_base_url`` set, every request is answered as if it named that origin
  (scheme and host are rewritten before anything reads them), whatever ``Host`` it sent;
- otherwise ``Host`` must name a loopback host (``localhost``, ``127.0.0.0/8``, ``::1``),
  the address the connection reached (so ``serve --host 0.0.0.0`` answers on each of its
  addresses), or one of ``allowed_hosts``; anything else is ``400 bad_request``. A request
  without ``Host`` (HTTP/1.0) is answered for the connection's address.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from microblog_server.api.asgi import header
from microblog_server.api.problems import ProblemError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from starlette.types import Scope

__all__ = ["HostPolicy", "host_name", "refused_host"]


def host_name(value: str) -> str:
    """Return the host of a ``Host`` value, without port or IPv6 brackets, lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rpartition(":")[0] if value.count(":") == 1 else value


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HostPolicy:
    """Refuse requests for hosts this service is not configured for, or pin the origin.

    Args:
        public_base_url: ``scheme://host[:port]`` that links are built from, or ``None``.
        allowed_hosts: Host names accepted besides loopback and the connection's address.
    """

    def __init__(
        self, public_base_url: str | None = None, allowed_hosts: Iterable[str] = ()
    ) -> None:
        self.allowed = frozenset(host_name(host) for host in allowed_hosts)
        self.public: tuple[str, bytes] | None = None
        if public_base_url is not None:
            parts = urlsplit(public_base_url)
            self.public = (parts.scheme, parts.netloc.encode("latin-1"))

    def admit(self, scope: Scope) -> Scope | None:
        """Return the scope to answer the request with, or ``None`` to refuse it with a 400.

        With a public base URL, a copy naming that origin (scheme and ``Host``).
        """
        if self.public is not None:
            scheme, netloc = self.public
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            return {**scope, "scheme": scheme, "headers": [(b"host", netloc), *headers]}
        return scope if self._accepts(scope) else None

    def _accepts(self, scope: Scope) -> bool:
        sent = header(scope, b"host")
        if sent is None:
            return True
        host = host_name(sent)
        server = scope.get("server")
        reached = str(server[0]).lower() if server else None
        return host == reached or host in self.allowed or _is_loopback(host)


def refused_host() -> ProblemError:
    """Return the problem a request naming another ``Host`` gets."""
    return ProblemError(400, "bad_request", "this service does not answer for that Host")
