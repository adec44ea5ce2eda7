"""``LocalServer`` answers without waiting for the client's delayed ACK."""

from __future__ import annotations

import socket

from microblog.testing import LocalServer


def test_the_listening_socket_is_tcp_so_accepted_connections_get_nodelay(
    server: LocalServer,
) -> None:
    # asyncio sets TCP_NODELAY only on accepted sockets whose protocol is IPPROTO_TCP;
    # with protocol 0 every response written in two parts waited ~40 ms (Linux).
    listening = server._socket
    assert listening is not None
    assert listening.proto == socket.IPPROTO_TCP
