"""How ``microblog-server serve`` runs uvicorn: what the embedded server accepts.

uvicorn closes a keep-alive connection that stays idle for ``timeout_keep_alive``
seconds, but starts that clock only after a response: a connection that sends nothing,
or trickles its headers a byte at a time, stays open for ever (h11 bounds the size of
the headers, 16 KiB, not the time they take). :class:`HeaderTimeoutProtocol` adds that
clock: a connection must send a request's complete headers within the same number of
seconds from connecting (or from the first byte after a response), or it is closed.
Request bodies are read by the app as they come and are not timed here.

The rest is uvicorn's own: ``limit_concurrency`` (connections plus running requests
over which uvicorn answers 503 at once) and no ``Server`` header. In production put a
reverse proxy in front (docs/service/index.md): it buffers slow clients, terminates TLS
and bounds what uvicorn alone cannot (body time, connections per client).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.h11_impl import H11Protocol

if TYPE_CHECKING:
    import asyncio

    from microblog_server.settings import Settings

__all__ = ["HeaderTimeoutProtocol", "uvicorn_options"]


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections that do not send headers in time.

    The time allowed is the config's ``timeout_keep_alive``.
    """

    _header_timer: asyncio.TimerHandle | None = None

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
