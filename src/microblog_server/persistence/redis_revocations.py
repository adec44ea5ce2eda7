"""Token revocations shared by every node through Redis pub/sub.

Why pub/sub and not a revocation counter read on each request: the token cache exists so
a known token is answered from memory, on the event loop, with no I/O; reading a Redis
key on every request would put a network round trip back on that path. A message per
revocation costs nothing while nobody logs out, reaches every subscribed node within a
millisecond or so on a LAN, and names the token (by its SHA-256, never the token), so
the other tokens stay cached.

Pub/sub delivers at most once: a node that was not subscribed when a message went out
never hears it. So a node counts as *live* only while its subscription is up; in a gap
its cache answers nothing (every request checks the database), and when the subscription
is back it empties its cache before trusting it again. A dead connection is noticed by
the error it raises, a hung one by a ping that gets no answer within ``PING_SECONDS``.

Anyone who can publish on the channel can send anything: a message that is not one the
service writes (``token:<64 hex digits>`` or ``user:<id>``) is ignored and logged once
per process, and nothing a message holds can end the listening thread.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import TYPE_CHECKING, Any

import redis

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["CHANNEL", "RedisRevocations"]

logger = logging.getLogger("microblog_server.revocations")

CHANNEL = "microblog:revocations"
#: Seconds a Redis call may take before it counts as failed.
TIMEOUT = 0.25
#: A ping goes out after this long without traffic; no answer for twice as long is a gap.
PING_SECONDS = 1.0
#: Seconds between attempts to subscribe again.
RECONNECT_SECONDS = 0.5
#: What the service publishes, and nothing else is acted on.
_MESSAGE = re.compile(rb"(?:token:(?P<digest>[0-9a-f]{64})|user:(?P<user>[1-9][0-9]{0,18}))")


class RedisRevocations:
    """Announce and hear token revocations on one Redis channel.

    Args:
        url: ``redis://host:port/db``.
        channel: The channel every node of one service uses.
    """

    def __init__(self, url: str, *, channel: str = CHANNEL) -> None:
        self._client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
        )
        self._channel = channel
        self._live = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._publish_failing = False
        self._listen_failing = False
        self._foreign_logged = False

    @property
    def live(self) -> bool:
        """Whether the subscription is up (every announcement is heard)."""
        return self._live.is_set()

    def listening(self) -> bool:
        """Tell whether the listening thread runs and is subscribed (for ``/health``)."""
        return self._thread is not None and self._thread.is_alive() and self.live

    def announce_token(self, digest: str) -> None:
        """Publish that the token with this SHA-256 digest was revoked."""
        self._publish(f"token:{digest}")

    def announce_user(self, user_id: int) -> None:
        """Publish that every token of this user was revoked."""
        self._publish(f"user:{user_id}")

    def check(self) -> bool:
        """Tell whether Redis answers a ping (for ``/health``)."""
        try:
            return bool(self._client.ping())
        except (redis.RedisError, OSError):
            return False

    def listen(
        self,
        on_token: Callable[[str], None],
        on_user: Callable[[int], None],
        on_resume: Callable[[], None],
    ) -> None:
        """Subscribe in a background thread; call back for each announcement heard.

        Args:
            on_token: Called with a revoked token's digest.
            on_user: Called with the id of a user whose tokens are all revoked.
            on_resume: Called each time the subscription is (re)established, before the
                node counts as live: whatever was missed in a gap is forgotten there.
        """
        if self._thread is not None:
            raise RuntimeError("already listening")
        handlers = (on_token, on_user, on_resume)
        self._thread = threading.Thread(
            target=self._run, args=handlers, name="microblog-revocations", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop listening and release the connections."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._client.close()

    def _publish(self, message: str) -> None:
        try:
            self._client.publish(self._channel, message)
        except (redis.RedisError, OSError) as error:
            # The revocation is committed in the database; nodes that are subscribed keep
            # the token for at most MICROBLOG_AUTH_CACHE_SECONDS (docs/service/deployment.md).
            if not self._publish_failing:
                logger.warning("could not announce a revocation through Redis: %r", error)
            self._publish_failing = True
        else:
            self._publish_failing = False

    def _run(
        self,
        on_token: Callable[[str], None],
        on_user: Callable[[int], None],
        on_resume: Callable[[], None],
    ) -> None:
        while not self._stop.is_set():
            pubsub = self._client.pubsub()
            try:
                pubsub.subscribe(self._channel)
                self._hear(pubsub, on_token, on_user, on_resume)
            except (redis.RedisError, OSError) as error:
                self._live.clear()
                if not self._listen_failing:
                    logger.warning(
                        "revocations through Redis unheard (%r): every request checks its "
                        "token in the database until the subscription is back",
                        error,
                    )
                self._listen_failing = True
                self._stop.wait(RECONNECT_SECONDS)
                continue
            finally:
                self._live.clear()
                pubsub.close()

    def _hear(
        self,
        pubsub: Any,
        on_token: Callable[[str], None],
        on_user: Callable[[int], None],
        on_resume: Callable[[], None],
    ) -> None:
        heard = time.monotonic()
        pinged = False
        while not self._stop.is_set():
            message = pubsub.get_message(timeout=0.1)
            now = time.monotonic()
            if message is None:
                if now - heard > 2 * PING_SECONDS:
                    raise redis.ConnectionError("no answer to a ping")
                if now - heard > PING_SECONDS and not pinged:
                    pubsub.ping()
                    pinged = True
                continue
            heard, pinged = now, False
            kind = message.get("type")
            if kind == "subscribe":
                on_resume()
                if self._listen_failing:
                    logger.warning("hearing revocations through Redis again")
                self._listen_failing = False
                self._live.set()
            elif kind == "message":
                self._dispatch(message.get("data"), on_token, on_user)

    def _dispatch(
        self, data: object, on_token: Callable[[str], None], on_user: Callable[[int], None]
    ) -> None:
        matched = _MESSAGE.fullmatch(data) if isinstance(data, bytes) else None
        if matched is None:
            if not self._foreign_logged:
                logger.warning(
                    "ignored a message on %s that the service did not write (%d bytes); "
                    "who else can publish there? (logged once)",
                    self._channel,
                    len(data) if isinstance(data, bytes) else -1,
                )
            self._foreign_logged = True
        elif matched["digest"] is not None:
            on_token(matched["digest"].decode("ascii"))
        else:
            on_user(int(matched["user"]))
