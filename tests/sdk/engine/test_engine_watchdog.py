"""The deadline watchdog: it shuts a socket down at its deadline, unless cancelled first."""

from __future__ import annotations

import socket
import time

from microblog._watchdog import Watchdog


def test_a_read_blocked_past_its_deadline_returns_at_once() -> None:
    watchdog = Watchdog()
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.settimeout(10)
        ticket = watchdog.watch(time.monotonic() + 0.05, ours)
        started = time.monotonic()

        assert ours.recv(1) == b""  # the watchdog shut it down; no 10 s wait

        assert time.monotonic() - started < 5
        assert ticket.fired


def test_a_cancelled_ticket_never_fires() -> None:
    watchdog = Watchdog()
    ours, theirs = socket.socketpair()
    other, peer = socket.socketpair()
    with ours, theirs, other, peer:
        ticket = watchdog.watch(time.monotonic() + 0.05, ours)
        ticket.cancel()
        later = watchdog.watch(time.monotonic() + 0.1, other)
        other.settimeout(10)
        assert other.recv(1) == b""  # the later deadline fired: the cancelled one was passed

        theirs.sendall(b"x")
        assert ours.recv(1) == b"x"
        assert later.fired
        assert not ticket.fired


def test_cancelled_tickets_do_not_pile_up_until_their_deadlines() -> None:
    watchdog = Watchdog()
    with socket.socket() as sock:
        for _ in range(10_000):
            watchdog.watch(time.monotonic() + 120, sock).cancel()

        assert len(watchdog._heap) < 600  # compacted as it goes, not 10 000 for 120 s


class Connecting:
    """A connection that has no socket yet (still connecting), then gets one."""

    sock: socket.socket | None = None


def test_a_connection_without_a_socket_yet_is_cut_once_it_has_one() -> None:
    watchdog = Watchdog()
    ours, theirs = socket.socketpair()
    with ours, theirs:
        conn = Connecting()
        ticket = watchdog.watch(time.monotonic() + 0.02, conn)
        time.sleep(0.1)  # the deadline passed while it had no socket: nothing to cut yet
        assert not ticket.fired

        ours.settimeout(10)
        conn.sock = ours
        started = time.monotonic()
        assert ours.recv(1) == b""  # cut as soon as the watchdog looked again

        assert time.monotonic() - started < 5
        assert ticket.fired
