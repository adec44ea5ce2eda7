"""How ``microblog-server serve`` runs uvicorn: what the embedded server accepts.

uvicorn closes a keep-alive connection that stays idle for ``timeout_keep_alive``
seconds, but starts that clock only after a response: a connection that sends nothing,
or trickles its headers a byte at a time, stays open for ever (h11 bounds the size of
the headers, 16 KiB, not the time they take). :class:`HeaderTimeoutProtocol` adds that
clock: a connection must send a request's complete headers within the same number of
seconds from connecting (or from the first byte after a response), or it is closed.
Request bodies are read by the app as they come and are not timed here.

A request that names both ``Content-Length`` and ``Transfer-Encoding`` is answered 400
and its connection closed (RFC 9112 section 6.1): two parties that frame it differently
are how requests are smuggled, so nothing after it on that connection is read.

The rest is uvicorn's own: ``limit_concurrency`` (connections plus running requests
over which uvicorn answers 503 at once) and no ``Server`` header. In production put a
reverse proxy in front (docs/service/index.md): it buffers slow clients, terminates TLS
and bounds what uvicorn alone cannot (body time, connections per client).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

if TYPE_CHECKING:
    import asyncio

    from uvicorn.config import Config

    from microblog_server.settings import Settings

__all__ = ["HeaderTimeoutProtocol", "uvicorn_options"]


class _StrictFraming(h11.Connection):
    """h11's server side, refusing a request framed by both length and chunking."""

    def next_event(self) -> Any:
        """Return h11's next event; raise for a request with both framing headers."""
        event = super().next_event()
        if isinstance(event, h11.Request):
            names = {name.lower() for name, _ in event.headers}
            if b"content-length" in names and b"transfer-encoding" in names:
                msg = "both Content-Length and Transfer-Encoding"
                raise h11.RemoteProtocolError(msg, error_status_hint=400)
        return event


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections that do not send headers in time.

    The time allowed is the config's ``timeout_keep_alive``. A request with both
    ``Content-Length`` and ``Transfer-Encoding`` gets uvicorn's 400 for an invalid
    request, and the connection is closed.
    """

    _header_timer: asyncio.TimerHandle | None = None

    def __init__(self, config: Config, *args: Any, **kwargs: Any) -> None:
        """Make uvicorn's protocol, on a stricter h11 connection."""
        super().__init__(config, *args, **kwargs)
        size = config.h11_max_incomplete_event_size
        self.conn = _StrictFraming(h11.SERVER) if size is None else _StrictFraming(h11.SERVER, size)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock as the connection opens."""
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Feed h11; stop the clock once a request's headers are complete."""
        super().data_received(data)
        if not self._between_requests():
            self._disarm()
        elif self._header_timer is None:
            # The first bytes of a keep-alive connection's next request, headers still
            # incomplete. Headers that come whole in one read (nearly all) never arm a
            # timer: uvicorn's own keep-alive timer covered the idle time before them.
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._disarm()
        super().connection_lost(exc)

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.timeout_keep_alive, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self._between_requests() and not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Return the uvicorn options that bound what the server accepts.

    Args:
        settings: ``server_timeout`` and ``server_limit_concurrency``.

    Returns:
        Keyword arguments for ``uvicorn.Config``.
    """
    return {
        "http": f"{__name__}:HeaderTimeoutProtocol",
        "timeout_keep_alive": settings.server_timeout,
        "limit_concurrency": settings.server_limit_concurrency,
        "server_header": False,
    }
